"""Services of the core: customers, accounts, status changes, devices, tariffs."""
from decimal import Decimal

import pytest
from django.contrib.auth.hashers import identify_hasher

from tests import factories
from tvmiddleware import services
from tvmiddleware.models import AccountStatus, Customer, DomainEvent, TariffSubscription
from tvmiddleware.selectors import customer_channels, customer_get, customer_tariffs

pytestmark = pytest.mark.django_db


def event_names(**filters):
    return list(DomainEvent.objects.filter(**filters).order_by("id").values_list("name", flat=True))


class TestCustomers:
    def test_create_requires_a_name_or_comment(self, client_obj):
        with pytest.raises(services.Invalid):
            services.customer_create(client=client_obj, email="a@example.com")
        customer = services.customer_create(client=client_obj, comment="flat 12")
        assert customer.pk and customer.client == client_obj

    def test_ext_id_unique_per_client_only(self, client_obj, other_client):
        services.customer_create(client=client_obj, firstname="Ann", ext_id="B-1")
        with pytest.raises(services.Conflict):
            services.customer_create(client=client_obj, firstname="Bob", ext_id="B-1")
        services.customer_create(client=other_client, firstname="Bob", ext_id="B-1")
        # empty ext_ids do not collide
        services.customer_create(client=client_obj, firstname="C")
        services.customer_create(client=client_obj, firstname="D")

    def test_unknown_field_is_refused(self, client_obj):
        with pytest.raises(services.Invalid):
            services.customer_create(client=client_obj, firstname="A", balance=100)

    def test_modify(self, customer):
        services.customer_modify(customer=customer, mobile_phone_number="+70000000001")
        customer.refresh_from_db()
        assert customer.mobile_phone_number == "+70000000001"

    def test_delete_releases_tariffs_and_devices_and_keeps_ledger(self, client_obj, customer, basic_tariff):
        from billing.models import CustomerTransaction
        from billing.services import transaction_create

        account, _ = services.account_create(client=client_obj, customer=customer)
        services.device_bind(account=account, device_type=factories.device_type("mag"), device_uid="MAC-1")
        services.tariff_assign(customer=customer, tariff=basic_tariff)
        tx = transaction_create(client=client_obj, customer=customer, amount="10.00", ext_id="p1")
        customer_id = customer.pk
        services.customer_delete(customer=customer)
        assert not Customer.objects.filter(pk=customer_id).exists()
        tx = CustomerTransaction.objects.get(pk=tx.pk)
        assert tx.customer_id is None and tx.customer_ref == customer_id
        assert {"tariff.removed", "device.removed"} <= set(event_names(customer_id=customer_id))

    def test_selector_by_id_or_ext_id_is_scoped(self, client_obj, other_client):
        mine = services.customer_create(client=client_obj, firstname="A", ext_id="X")
        theirs = services.customer_create(client=other_client, firstname="B", ext_id="Y")
        assert customer_get(client=client_obj, ext_id="X") == mine
        assert customer_get(client=client_obj, customer_id=str(mine.pk)) == mine
        with pytest.raises(services.NotFound):
            customer_get(client=client_obj, customer_id=theirs.pk)
        with pytest.raises(services.NotFound):
            customer_get(client=client_obj, customer_id="abc")


class TestAccounts:
    def test_generated_abonement_and_password(self, client_obj, customer):
        account, password = services.account_create(client=client_obj, customer=customer)
        assert account.abonement.isdigit() and int(account.abonement) >= 100000
        assert password.isdigit() and len(password) >= 4
        assert password not in account.password
        assert identify_hasher(account.password).algorithm == "pbkdf2_sha256_account"
        assert account.check_password(password)
        assert not account.check_password(password + "0")

    def test_generated_abonements_are_sequential_and_skip_taken(self, client_obj, customer):
        services.account_create(client=client_obj, customer=customer, abonement="100001")
        a, _ = services.account_create(client=client_obj, customer=customer)
        b, _ = services.account_create(client=client_obj, customer=customer)
        assert int(a.abonement) == 100002 and int(b.abonement) == 100003

    def test_abonement_unique_per_client(self, client_obj, other_client, customer):
        services.account_create(client=client_obj, customer=customer, abonement="777", password="1")
        with pytest.raises(services.Conflict):
            services.account_create(client=client_obj, customer=customer, abonement="777")
        other_customer = factories.CustomerFactory(client=other_client)
        services.account_create(client=other_client, customer=other_customer, abonement="777")

    def test_rejects_bad_input(self, client_obj, customer):
        with pytest.raises(services.Invalid):
            services.account_create(client=client_obj, customer=customer, abonement="12a")
        with pytest.raises(services.Invalid):
            services.account_create(client=client_obj, customer=customer, allowed_device_groups=[7])
        with pytest.raises(services.Invalid):
            services.account_create(client=client_obj, customer=customer, subnets="10.0.0.0/33")
        with pytest.raises(services.Invalid):
            services.account_create(client=client_obj, customer=factories.CustomerFactory())

    def test_options_are_stored(self, client_obj, customer):
        account, _ = services.account_create(
            client=client_obj, customer=customer, allowed_device_groups=[2, 0, 2], subnets="10.0.0.0/8, 192.168.1.1",
            allow_login_by_ip=True, parent_code="0000",
        )
        account.refresh_from_db()
        assert account.allowed_device_groups == [0, 2]
        assert account.allows_device_group(0) and not account.allows_device_group(1)
        assert [str(n) for n in services.parse_subnets(account.subnets)] == ["10.0.0.0/8", "192.168.1.1/32"]

    def test_password_change(self, account):
        services.account_modify(account=account, password="98765")
        account.refresh_from_db()
        assert account.check_password("98765")
        services.account_modify(account=account, password="")  # empty keeps the password
        account.refresh_from_db()
        assert account.check_password("98765")

    def test_status_changes_emit_events_once(self, account):
        services.account_block_for_debt(account=account)
        account.refresh_from_db()
        assert (account.active, account.status_reason) == (False, AccountStatus.DEBT)
        services.account_block_for_debt(account=account)  # no change, no event
        services.account_activate(account=account)
        services.account_deactivate(account=account)
        account.refresh_from_db()
        assert (account.active, account.status_reason) == (False, AccountStatus.INACTIVE)
        events = DomainEvent.objects.filter(name="account.status_changed").order_by("id")
        assert [(e.payload["old_status_reason"], e.payload["status_reason"]) for e in events] == [
            ("ACTIVE", "DEBT"), ("DEBT", "ACTIVE"), ("ACTIVE", "INACTIVE"),
        ]

    def test_modify_routes_status_through_status_service(self, account):
        services.account_modify(account=account, active=False, status_reason="BLOCK", option1="x")
        account.refresh_from_db()
        assert (account.active, account.status_reason, account.option1) == (False, "BLOCK", "x")
        assert event_names() == ["account.status_changed"]


class TestDevices:
    def test_bind_is_idempotent_and_exclusive(self, client_obj, account):
        mag = factories.device_type("mag")
        device = services.device_bind(account=account, device_type=mag, device_uid="AA:BB", serial_number="S1")
        again = services.device_bind(account=account, device_type=mag, device_uid="AA:BB", device_model="MAG250")
        assert again.pk == device.pk and again.device_model == "MAG250" and again.serial_number == "S1"
        other = factories.AccountFactory(customer=factories.CustomerFactory(client=client_obj))
        with pytest.raises(services.DeviceBoundElsewhere):
            services.device_bind(account=other, device_type=mag, device_uid="AA:BB")
        assert event_names() == ["device.added"]

    def test_same_uid_allowed_at_another_operator(self, account):
        services.device_bind(account=account, device_type=factories.device_type(), device_uid="U1")
        foreign = factories.AccountFactory()
        services.device_bind(account=foreign, device_type=factories.device_type(), device_uid="U1")

    def test_device_group_restriction(self, client_obj, customer):
        account, _ = services.account_create(client=client_obj, customer=customer, allowed_device_groups=[0])
        with pytest.raises(services.Invalid):
            services.device_bind(account=account, device_type=factories.device_type("ios"), device_uid="phone")
        services.device_bind(account=account, device_type=factories.device_type("mag"), device_uid="box")

    def test_basic_device_limit_follows_tariffs(self, account, basic_tariff):
        basic_tariff.basic_sessions_count = 1
        basic_tariff.save()
        mag = factories.device_type("mag")
        with pytest.raises(services.LimitReached):
            services.device_bind(account=account, device_type=mag, device_uid="B0", is_basic=True)
        services.tariff_assign(customer=account.customer, tariff=basic_tariff)
        services.device_bind(account=account, device_type=mag, device_uid="B1", is_basic=True)
        with pytest.raises(services.LimitReached):
            services.device_bind(account=account, device_type=mag, device_uid="B2", is_basic=True)
        services.device_bind(account=account, device_type=mag, device_uid="B2")  # additional is fine

    def test_unbind_emits_snapshot(self, account):
        device = services.device_bind(account=account, device_type=factories.device_type("mag"), device_uid="X9")
        services.device_unbind(device=device)
        removed = DomainEvent.objects.get(name="device.removed")
        assert removed.payload["device_uid"] == "X9" and removed.payload["device_type"] == "mag"


class TestTariffs:
    def test_new_basic_replaces_old_basic(self, customer, basic_tariff, client_obj):
        premium = factories.TariffFactory(client=client_obj, basic_tariff_priority=5)
        services.tariff_assign(customer=customer, tariff=basic_tariff)
        services.tariff_assign(customer=customer, tariff=premium)
        assert list(customer_tariffs(customer=customer)) == [premium]
        assert event_names() == ["tariff.assigned", "tariff.removed", "tariff.assigned"]

    def test_additional_tariffs_stack_and_cannot_repeat(self, customer, basic_tariff, additional_tariff, client_obj):
        extra = factories.TariffFactory(client=client_obj, basic_tariff_priority=0)
        for tariff in (basic_tariff, additional_tariff, extra):
            services.tariff_assign(customer=customer, tariff=tariff)
        assert set(customer_tariffs(customer=customer)) == {basic_tariff, additional_tariff, extra}
        with pytest.raises(services.Conflict):
            services.tariff_assign(customer=customer, tariff=additional_tariff)

    def test_remove_and_reassign(self, customer, additional_tariff):
        services.tariff_assign(customer=customer, tariff=additional_tariff)
        services.tariff_remove(customer=customer, tariff=additional_tariff)
        with pytest.raises(services.NotFound):
            services.tariff_remove(customer=customer, tariff=additional_tariff)
        services.tariff_assign(customer=customer, tariff=additional_tariff)
        assert TariffSubscription.objects.filter(customer=customer).count() == 2
        assert TariffSubscription.objects.filter(customer=customer, is_closed=False).count() == 1

    def test_foreign_or_disabled_tariff_refused(self, customer, client_obj):
        with pytest.raises(services.NotFound):
            services.tariff_assign(customer=customer, tariff=factories.TariffFactory())
        disabled = factories.TariffFactory(client=client_obj, enabled=False)
        with pytest.raises(services.Invalid):
            services.tariff_assign(customer=customer, tariff=disabled)

    def test_channels_follow_open_tariffs(self, customer, basic_tariff, additional_tariff, client_obj):
        news, sport, off = (factories.ChannelFactory(client=client_obj) for _ in range(3))
        basic_tariff.channels.add(news)
        additional_tariff.channels.add(sport)
        services.tariff_assign(customer=customer, tariff=basic_tariff)
        services.tariff_assign(customer=customer, tariff=additional_tariff)
        assert set(customer_channels(customer=customer)) == {news, sport}
        services.tariff_remove(customer=customer, tariff=additional_tariff)
        assert set(customer_channels(customer=customer)) == {news}


def test_status_reason_must_agree_with_active_flag(account, client_obj, customer):
    with pytest.raises(services.Invalid):
        services.account_set_status(account=account, active=True, status_reason="DEBT")
    with pytest.raises(services.Invalid):
        services.account_set_status(account=account, active=False, status_reason="ACTIVE")
    with pytest.raises(services.Invalid):
        services.account_create(client=client_obj, customer=customer, active=True, status_reason="BLOCK")
    services.account_set_status(account=account, active=False, status_reason="MOVED")  # operator's own reason
    assert not DomainEvent.objects.filter(payload__status_reason="DEBT").exists()


def test_saving_a_stale_customer_never_writes_back_its_balance(customer):
    """An admin form or profile edit holding a customer loaded before a payment keeps the credit."""
    from billing.services import transaction_create

    stale = type(customer).objects.get(pk=customer.pk)
    transaction_create(client=customer.client, customer=customer, amount=Decimal("25.00"), ext_id="pay-1")
    stale.firstname = "Edited"
    stale.save()
    services.customer_modify(customer=stale, lastname="Later")
    customer.refresh_from_db()
    assert customer.balance == Decimal("25.00")
    assert (customer.firstname, customer.lastname) == ("Edited", "Later")
