"""Billing API, accounts group: accounts, their devices, tariffs, messages, cameras, sessions."""
import logging
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests import factories
from tvmiddleware import services
from tvmiddleware.models import (
    Account, AccountChannelSetting, AccountDevice, AuthKey, ContentPosition, DeviceType, DomainEvent, Message,
    TariffSubscription, hash_authkey,
)
from tvmiddleware.services.sessions import session_create

ACCOUNT_FIELDS = {
    "id", "abonement", "active", "last_active", "created_at", "status_reason", "auto_activation_period",
    "extension_date", "activation_date", "deactivation_date", "allow_multiple_login", "allow_login_by_abonement",
    "allow_login_by_device_uid", "allow_login_by_ip", "parent_code", "use_timeshift", "preferred_timeshift_offset",
    "devices", "tariffs", "customer_id", "subnets", "subscriptions", "allowed_device_groups",
}
DEVICE_FIELDS = {"id", "system_name", "device_uid", "serial_number", "created_at", "is_basic"}
SUBSCRIPTION_FIELDS = {"tariff_id", "api_config_id", "price", "start_date", "end_date", "is_periodical"}


@pytest.fixture
def customer(operator):
    return factories.CustomerFactory(client=operator, ext_id="EXT-1")


@pytest.fixture
def account(customer):
    return factories.AccountFactory(customer=customer, abonement="700001")


@pytest.fixture
def tariff(operator):
    return factories.TariffFactory(client=operator, name="Base", basic_tariff_priority=1, basic_sessions_count=1,
                                   ext_id="BASE", price=Decimal("300.00"))


@pytest.fixture
def extra_tariff(operator):
    return factories.TariffFactory(client=operator, name="Sport", basic_tariff_priority=0, ext_id="SPORT")


@pytest.fixture
def stranger(db):
    """Another operator's account, device, tariff and session: invisible to `operator`."""
    account = factories.AccountFactory(abonement="900001")
    device = factories.AccountDeviceFactory(account=account, device_uid="STRANGER-UID")
    tariff = factories.TariffFactory(client=account.client, ext_id="BASE")
    session, key = session_create(account=account, device=device, device_type=device.device_type,
                                  device_uid=device.device_uid)
    return {"account": account, "device": device, "tariff": tariff, "session": session, "key": key}


def login(account, uid="UID-1", device=None, ip="10.0.0.1"):
    return session_create(account=account, device=device, device_type=DeviceType.objects.get(system_name="mag"),
                          device_uid=uid, ip_address=ip)


def refused(body: dict, code: int, *fields: str) -> bool:
    assert body["error"] == code, body
    assert body["error_message"]
    for name in fields:
        assert name in body.get("error_fields", {}), body
    return True


# --- AccountCreate -----------------------------------------------------------------------------------

class TestAccountCreate:
    def test_minimal_generates_abonement_and_password(self, billing_api, customer):
        body = billing_api.json("account/create/", customer_id=customer.pk)
        assert body["error"] == 0 and body["error_message"] == ""
        account = Account.objects.get(pk=body["account_id"])
        assert account.customer == customer and account.abonement == body["abonement"]
        assert body["password"].isdigit() and account.check_password(body["password"])
        assert account.password != body["password"]  # only the hash is kept
        assert account.active and account.status_reason == "ACTIVE" and account.allow_login_by_device_uid

    def test_by_ext_id_with_every_option(self, billing_api, customer):
        body = billing_api.json(
            "account/create/", ext_id="EXT-1", abonement="123456", password="4321", account_ext_id="ACC-1",
            active=0, status_reason="WAIT", auto_activation_period=7, extension_date="2030-01-31",
            activation_date="2030-01-01", deactivation_date="2030-12-31", allow_multiple_login=1,
            allow_login_by_abonement=1, allow_login_by_device_uid=0, allow_login_by_ip=1, parent_code="0000",
            use_timeshift=1, preferred_timeshift_offset=-3, data_center=2, allowed_device_groups=[0, 2],
            subnets="10.0.0.0/8, 192.168.1.0/24", template="dark", option1="a", option2="b", option3="<c>",
        )
        assert body["error"] == 0 and body["abonement"] == "123456" and body["password"] == "4321"
        account = Account.objects.get(pk=body["account_id"])
        assert account.customer == customer and account.check_password("4321")
        assert (account.account_ext_id, account.active, account.status_reason) == ("ACC-1", False, "WAIT")
        assert account.auto_activation_period == 7
        assert (account.activation_date, account.deactivation_date, account.extension_date) == (
            date(2030, 1, 1), date(2030, 12, 31), date(2030, 1, 31))
        assert account.allow_multiple_login and account.allow_login_by_abonement and account.allow_login_by_ip
        assert not account.allow_login_by_device_uid
        assert account.parent_code == "0000" and account.use_timeshift and account.preferred_timeshift_offset == -3
        assert account.data_center == 2 and account.allowed_device_groups == [0, 2]
        assert account.subnets == "10.0.0.0/8, 192.168.1.0/24" and account.template == "dark"
        assert (account.option1, account.option2, account.option3) == ("a", "b", "<c>")

    def test_inactive_without_reason_is_inactive(self, billing_api, customer):
        body = billing_api.json("account/create/", customer_id=customer.pk, active=0)
        account = Account.objects.get(pk=body["account_id"])
        assert not account.active and account.status_reason == "INACTIVE"

    def test_comma_separated_device_groups(self, billing_api, customer):
        body = billing_api.json("account/create/", customer_id=customer.pk, allowed_device_groups="1,3")
        assert Account.objects.get(pk=body["account_id"]).allowed_device_groups == [1, 3]

    def test_duplicate_abonement(self, billing_api, customer, account):
        body = billing_api.json("account/create/", customer_id=customer.pk, abonement=account.abonement)
        assert refused(body, 3, "abonement")
        assert Account.objects.filter(abonement=account.abonement).count() == 1

    def test_same_abonement_at_another_operator_is_fine(self, billing_api, customer, stranger):
        body = billing_api.json("account/create/", customer_id=customer.pk, abonement="900001")
        assert body["error"] == 0

    @pytest.mark.parametrize("params", [{"customer_id": 424242}, {"ext_id": "NOPE"}])
    def test_unknown_customer(self, billing_api, params):
        assert refused(billing_api.json("account/create/", **params), 1)

    def test_another_operators_customer_is_unknown(self, billing_api, stranger):
        other = stranger["account"].customer
        other.ext_id = "THEIRS"
        other.save()
        assert refused(billing_api.json("account/create/", customer_id=other.pk), 1)
        assert refused(billing_api.json("account/create/", ext_id="THEIRS"), 1)
        assert Account.objects.filter(customer=other).count() == 1

    @pytest.mark.parametrize("params, field", [
        ({}, "customer_id"),
        ({"customer_id": "abc"}, "customer_id"),
        ({"abonement": "12a"}, "abonement"),
        ({"password": "pass word"}, "password"),
        ({"active": 2}, "active"),
        ({"activation_date": "31.12.2030"}, "activation_date"),
        ({"deactivation_date": "2030-02-30"}, "deactivation_date"),
        ({"extension_date": "2030-1-1"}, "extension_date"),
        ({"allowed_device_groups": [1, 7]}, "allowed_device_groups"),
        ({"allowed_device_groups": "x"}, "allowed_device_groups"),
        ({"subnets": "10.0.0.0/33"}, "subnets"),
        ({"parent_code": "12ab"}, "parent_code"),
        ({"preferred_timeshift_offset": 100}, "preferred_timeshift_offset"),
        ({"auto_activation_period": -1}, "auto_activation_period"),
        ({"data_center": "x"}, "data_center"),
        ({"option1": "x" * 256}, "option1"),
        ({"active": 1, "status_reason": "DEBT"}, "status_reason"),
    ])
    def test_invalid_parameters(self, billing_api, customer, params, field):
        params = {"customer_id": customer.pk, **params} if field != "customer_id" else params
        assert refused(billing_api.json("account/create/", **params), 2, field)
        assert not Account.objects.filter(customer=customer).exists()


# --- AccountModify -----------------------------------------------------------------------------------

class TestAccountModify:
    def test_block_for_debt_and_unblock(self, billing_api, account):
        body = billing_api.json("account/modify/", account_id=account.pk, active=0, status_reason="DEBT")
        assert body["error"] == 0
        account.refresh_from_db()
        assert not account.active and account.status_reason == "DEBT"
        event = DomainEvent.objects.filter(name="account.status_changed").latest("id")
        assert event.payload["status_reason"] == "DEBT" and event.payload["account_id"] == account.pk

        assert billing_api.json("account/modify/", abonement=account.abonement, active=1,
                                status_reason="ACTIVE")["error"] == 0
        account.refresh_from_db()
        assert account.active and account.status_reason == "ACTIVE"

    def test_only_given_fields_change(self, billing_api, account):
        before = Account.objects.get(pk=account.pk)
        assert billing_api.json("account/modify/", account_id=account.pk, option1="x", template="light")["error"] == 0
        account.refresh_from_db()
        assert account.option1 == "x" and account.template == "light"
        assert account.allow_login_by_device_uid == before.allow_login_by_device_uid
        assert account.active and account.password == before.password

    def test_password_changes_only_when_not_empty(self, billing_api, account):
        billing_api.json("account/modify/", account_id=account.pk, password="")
        account.refresh_from_db()
        assert account.check_password("1234")
        assert billing_api.json("account/modify/", account_id=account.pk, password="98765")["error"] == 0
        account.refresh_from_db()
        assert account.check_password("98765") and not account.check_password("1234")

    def test_all_options(self, billing_api, account):
        body = billing_api.json(
            "account/modify/", account_id=account.pk, account_ext_id="A-9", auto_activation_period=3,
            extension_date="2031-05-01", activation_date="2031-01-01", deactivation_date="2031-12-31",
            allow_multiple_login=1, allow_login_by_abonement=1, allow_login_by_device_uid=0, allow_login_by_ip=1,
            parent_code="1111", use_timeshift=1, preferred_timeshift_offset=2, data_center=5,
            subnets="10.1.0.0/16", allowed_device_groups=[2, 3], option2="o2", option3="o3",
        )
        assert body["error"] == 0
        account.refresh_from_db()
        assert account.account_ext_id == "A-9" and account.auto_activation_period == 3
        assert account.extension_date == date(2031, 5, 1) and account.deactivation_date == date(2031, 12, 31)
        assert account.allow_multiple_login and not account.allow_login_by_device_uid
        assert account.parent_code == "1111" and account.preferred_timeshift_offset == 2
        assert account.data_center == 5 and account.subnets == "10.1.0.0/16"
        assert account.allowed_device_groups == [2, 3] and account.option3 == "o3"

    def test_empty_values_clear(self, billing_api, account):
        Account.objects.filter(pk=account.pk).update(deactivation_date=date(2030, 1, 1), parent_code="12",
                                                     allowed_device_groups=[1], data_center=3, option1="x")
        body = billing_api.json("account/modify/", account_id=account.pk, deactivation_date="", parent_code="",
                                allowed_device_groups="", data_center="", option1="")
        assert body["error"] == 0
        account.refresh_from_db()
        assert account.deactivation_date is None and account.parent_code == ""
        assert account.allowed_device_groups == [] and account.data_center is None and account.option1 == ""

    def test_reset_device_settings(self, billing_api, account):
        channel = factories.ChannelFactory(client=account.client)
        AccountChannelSetting.objects.create(client=account.client, account=account, channel=channel,
                                             is_favorited=True)
        ContentPosition.objects.create(client=account.client, account=account, content_type="channel",
                                       content_id=channel.pk, position=10)
        login(account)
        body = billing_api.json("account/modify/", account_id=account.pk, reset_device_settings=1)
        assert body["error"] == 0
        assert not AccountChannelSetting.objects.filter(account=account).exists()
        assert not ContentPosition.objects.filter(account=account).exists()
        assert not AuthKey.objects.filter(account=account).exists()

    def test_duplicate_account_ext_id(self, billing_api, account, customer):
        factories.AccountFactory(customer=customer, account_ext_id="TAKEN")
        assert refused(billing_api.json("account/modify/", account_id=account.pk, account_ext_id="TAKEN"), 2,
                       "account_ext_id")

    @pytest.mark.parametrize("params, field", [
        ({"activation_date": "tomorrow"}, "activation_date"),
        ({"active": "yes"}, "active"),
        ({"status_reason": "DEBT"}, "status_reason"),  # still active: the reason contradicts the flag
        ({"allowed_device_groups": [9]}, "allowed_device_groups"),
        ({"subnets": "nonsense"}, "subnets"),
        ({"reset_device_settings": 3}, "reset_device_settings"),
        ({"password": "x" * 200}, "password"),
    ])
    def test_invalid_parameters_change_nothing(self, billing_api, account, params, field):
        before = Account.objects.values().get(pk=account.pk)
        assert refused(billing_api.json("account/modify/", account_id=account.pk, option1="changed", **params), 2,
                       field)
        assert Account.objects.values().get(pk=account.pk) == before

    def test_unknown_and_foreign_accounts(self, billing_api, stranger):
        assert refused(billing_api.json("account/modify/", account_id=424242, option1="x"), 1)
        assert refused(billing_api.json("account/modify/", account_id=stranger["account"].pk, option1="x"), 1)
        assert refused(billing_api.json("account/modify/", abonement="900001", active=0), 1)
        stranger["account"].refresh_from_db()
        assert stranger["account"].active and stranger["account"].option1 == ""

    def test_account_is_required(self, billing_api):
        assert refused(billing_api.json("account/modify/", option1="x"), 2, "account_id")


# --- AccountActivate / AccountDeactivate / AccountDelete --------------------------------------------------

class TestStatusAndDelete:
    def test_deactivate_then_activate(self, billing_api, account):
        assert billing_api.json("account/deactivate/", account_id=account.pk)["error"] == 0
        account.refresh_from_db()
        assert not account.active and account.status_reason == "INACTIVE"
        assert billing_api.json("account/activate/", abonement=account.abonement, notify_external_api=1)["error"] == 0
        account.refresh_from_db()
        assert account.active and account.status_reason == "ACTIVE"
        assert DomainEvent.objects.filter(name="account.status_changed").count() == 2

    def test_activate_unblocks_debt(self, billing_api, account):
        services.account_block_for_debt(account=account)
        billing_api.json("account/activate/", account_id=account.pk)
        account.refresh_from_db()
        assert account.active and account.status_reason == "ACTIVE"

    @pytest.mark.parametrize("method", ["account/activate/", "account/deactivate/", "account/delete/"])
    def test_unknown_foreign_and_missing_accounts(self, billing_api, stranger, method):
        assert refused(billing_api.json(method, account_id=424242), 1)
        assert refused(billing_api.json(method, account_id=stranger["account"].pk), 1)
        assert refused(billing_api.json(method, abonement="900001"), 1)
        assert refused(billing_api.json(method), 1, "account_id")
        assert refused(billing_api.json(method, account_id="1 OR 1=1"), 1, "account_id")
        assert Account.objects.filter(pk=stranger["account"].pk, active=True).exists()

    def test_delete_takes_devices_and_sessions(self, billing_api, account, customer):
        device = factories.AccountDeviceFactory(account=account)
        login(account, uid=device.device_uid, device=device)
        assert billing_api.json("account/delete/", abonement=account.abonement)["error"] == 0
        assert not Account.objects.filter(pk=account.pk).exists()
        assert not AccountDevice.objects.filter(pk=device.pk).exists()
        assert not AuthKey.objects.filter(account_id=account.pk).exists()
        assert DomainEvent.objects.filter(name="device.removed").exists()
        customer.refresh_from_db()  # the customer stays


# --- AccountInfo -------------------------------------------------------------------------------------

class TestAccountInfo:
    def test_fields(self, billing_api, account, tariff, extra_tariff):
        device = factories.AccountDeviceFactory(account=account, serial_number="SN1", is_basic=True)
        services.tariff_assign(customer=account.customer, tariff=tariff)
        services.tariff_assign(customer=account.customer, tariff=extra_tariff, price=Decimal("5.50"),
                               is_periodical=False)
        Account.objects.filter(pk=account.pk).update(deactivation_date=date(2040, 1, 2), allowed_device_groups=[0])
        body = billing_api.json("account/info/", account_id=account.pk)
        assert body["error"] == 0 and body["error_message"] == ""
        assert ACCOUNT_FIELDS <= set(body)
        assert body["id"] == account.pk and body["abonement"] == "700001" and body["customer_id"] == account.customer_id
        assert body["active"] == 1 and body["status_reason"] == "ACTIVE" and body["allow_login_by_device_uid"] == 1
        assert body["deactivation_date"] == "2040-01-02" and body["activation_date"] is None
        assert body["allowed_device_groups"] == [0] and body["created_at"]
        [row] = body["devices"]
        assert DEVICE_FIELDS <= set(row)
        assert (row["id"], row["system_name"], row["device_uid"], row["serial_number"], row["is_basic"]) == (
            device.pk, "mag", device.device_uid, "SN1", 1)
        assert body["tariffs"] == sorted([tariff.pk, extra_tariff.pk])
        by_tariff = {s["tariff_id"]: s for s in body["subscriptions"]}
        assert all(SUBSCRIPTION_FIELDS <= set(s) for s in body["subscriptions"])
        assert Decimal(by_tariff[tariff.pk]["price"]) == Decimal("300.00") and by_tariff[tariff.pk]["is_periodical"] == 1
        assert Decimal(by_tariff[extra_tariff.pk]["price"]) == Decimal("5.50")
        assert by_tariff[extra_tariff.pk]["is_periodical"] == 0 and by_tariff[tariff.pk]["start_date"]

    def test_closed_subscriptions_are_not_shown(self, billing_api, account, tariff):
        services.tariff_assign(customer=account.customer, tariff=tariff)
        services.tariff_remove(customer=account.customer, tariff=tariff)
        body = billing_api.json("account/info/", abonement=account.abonement)
        assert body["tariffs"] == [] and body["subscriptions"] == []

    def test_unknown_and_foreign(self, billing_api, stranger):
        assert refused(billing_api.json("account/info/", account_id=424242), 1)
        assert refused(billing_api.json("account/info/", account_id=stranger["account"].pk), 1)
        assert refused(billing_api.json("account/info/", abonement="900001"), 1)
        assert refused(billing_api.json("account/info/", abonement="<script>"), 1)

    def test_query_count_does_not_grow_with_devices(self, billing_api, account, tariff,
                                                    django_assert_max_num_queries):
        services.tariff_assign(customer=account.customer, tariff=tariff)
        for _ in range(5):
            factories.AccountDeviceFactory(account=account)
        with django_assert_max_num_queries(4):
            assert len(billing_api.json("account/info/", account_id=account.pk)["devices"]) == 5


# --- AccountList -------------------------------------------------------------------------------------

class TestAccountList:
    def test_lists_own_accounts_oldest_first(self, billing_api, customer, stranger):
        accounts = [factories.AccountFactory(customer=customer) for _ in range(3)]
        body = billing_api.json("account/list/", get=True)
        assert body["error"] == 0
        assert [a["id"] for a in body["accounts"]] == [a.pk for a in accounts]
        assert all(ACCOUNT_FIELDS <= set(a) for a in body["accounts"])

    def test_filters(self, billing_api, customer):
        active = factories.AccountFactory(customer=customer, abonement="100100")
        debt = factories.AccountFactory(customer=customer, abonement="200200", active=False, status_reason="DEBT")
        blocked = factories.AccountFactory(customer=customer, abonement="100300", active=False, status_reason="BLOCK")
        factories.AccountDeviceFactory(account=debt, device_type=DeviceType.objects.get(system_name="android"))

        def ids(**params):
            body = billing_api.json("account/list/", get=True, **params)
            assert body["error"] == 0, body
            return [a["id"] for a in body["accounts"]]

        assert ids(status=1) == [active.pk]
        assert ids(status=0) == [debt.pk, blocked.pk]
        assert ids(status_reason="DEBT") == [debt.pk]
        assert ids(device="android") == [debt.pk]
        assert ids(device="nothing") == []
        assert ids(abonement_regexp=r"^100\d+$") == [active.pk, blocked.pk]
        assert ids(abonement_regexp="^(200|100)3") == [blocked.pk]
        assert ids(abonement_regexp="20{2}$", status=0) == [debt.pk]

    def test_pages(self, billing_api, customer):
        accounts = [factories.AccountFactory(customer=customer) for _ in range(5)]
        first = billing_api.json("account/list/", get=True, limit=2)["accounts"]
        third = billing_api.json("account/list/", get=True, limit=2, page=3)["accounts"]
        beyond = billing_api.json("account/list/", get=True, limit=2, page=99)["accounts"]
        assert [a["id"] for a in first] == [a.pk for a in accounts[:2]]
        assert [a["id"] for a in third] == [accounts[4].pk] and beyond == []

    def test_limit_is_capped_at_100(self, billing_api, customer):
        Account.objects.bulk_create([Account(client=customer.client, customer=customer, abonement=str(800000 + i),
                                             password="x") for i in range(105)])
        assert len(billing_api.json("account/list/", get=True, limit=500)["accounts"]) == 100
        assert len(billing_api.json("account/list/", get=True)["accounts"]) == 100
        assert len(billing_api.json("account/list/", get=True, page=2)["accounts"]) == 5

    @pytest.mark.parametrize("params, field", [
        ({"limit": 0}, "limit"), ({"limit": "x"}, "limit"), ({"page": 0}, "page"), ({"page": "-1"}, "page"),
        ({"status": 5}, "status"),
        ({"abonement_regexp": "("}, "abonement_regexp"),
        ({"abonement_regexp": "[0-9"}, "abonement_regexp"),
        ({"abonement_regexp": "(?P<x>1)"}, "abonement_regexp"),
        ({"abonement_regexp": r"(\d)\1"}, "abonement_regexp"),
        ({"abonement_regexp": "abc"}, "abonement_regexp"),
        ({"abonement_regexp": "' OR 1=1 --"}, "abonement_regexp"),
        ({"abonement_regexp": "1" * 101}, "abonement_regexp"),
        ({"abonement_regexp": r"^(\d+)+$"}, "abonement_regexp"),
        ({"abonement_regexp": r"^(1|11)*5$"}, "abonement_regexp"),
        ({"abonement_regexp": r"\d*\d*\d*\d*\d*\d*5"}, "abonement_regexp"),
        ({"abonement_regexp": r"\d{1,999}"}, "abonement_regexp"),
    ])
    def test_bad_filters(self, billing_api, account, params, field):
        assert refused(billing_api.json("account/list/", get=True, **params), -1, field)

    def test_pathological_pattern_is_refused_fast(self, billing_api, account):
        import time

        started = time.monotonic()
        body = billing_api.json("account/list/", get=True, abonement_regexp="^(" + r"\d?" * 30 + ")" + r"\d" * 10)
        assert body["error"] == -1 and time.monotonic() - started < 1

    def test_pattern_the_database_refuses_is_a_validation_error(self, billing_api, account, monkeypatch):
        from apis.billing import accounts

        monkeypatch.setattr(accounts, "check_abonement_regexp", lambda pattern: None)
        assert refused(billing_api.json("account/list/", get=True, abonement_regexp="(1"), -1, "abonement_regexp")
        assert billing_api.json("account/list/", get=True)["error"] == 0  # the connection is still usable

    def test_query_count_is_constant(self, billing_api, customer, tariff, extra_tariff,
                                     django_assert_max_num_queries):
        def populate(count):
            for _ in range(count):
                other = factories.CustomerFactory(client=customer.client)
                account = factories.AccountFactory(customer=other)
                factories.AccountDeviceFactory(account=account)
                factories.AccountDeviceFactory(account=account, device_type=DeviceType.objects.get(system_name="ios"))
                services.tariff_assign(customer=other, tariff=tariff)
                services.tariff_assign(customer=other, tariff=extra_tariff)

        populate(2)
        with django_assert_max_num_queries(6) as few:
            assert len(billing_api.json("account/list/", get=True)["accounts"]) == 2
        populate(20)
        with django_assert_max_num_queries(len(few.captured_queries)):
            body = billing_api.json("account/list/", get=True, abonement_regexp=r"\d+", device="mag")
        assert len(body["accounts"]) == 22
        assert all(len(a["devices"]) == 2 and len(a["subscriptions"]) == 2 for a in body["accounts"])


# --- devices -----------------------------------------------------------------------------------------

class TestAccountDeviceCreate:
    def test_bind_by_system_name_is_basic_while_tariffs_allow(self, billing_api, account, tariff):
        services.tariff_assign(customer=account.customer, tariff=tariff)  # one basic device
        body = billing_api.json("account/device/create/", account_id=account.pk, device_uid="AA:BB", system_name="mag",
                                serial_number="SN", device_model="MAG 524", brand_name="Infomir", diagonal="55",
                                filter_by_uid=1, sort_by="id")
        assert body["error"] == 0
        device = AccountDevice.objects.get(pk=body["device_id"])
        assert (device.account, device.device_uid, device.device_type.system_name, device.is_basic) == (
            account, "AA:BB", "mag", True)
        assert (device.serial_number, device.device_model, device.brand_name) == ("SN", "MAG 524", "Infomir")
        assert DomainEvent.objects.filter(name="device.added").exists()
        second = billing_api.json("account/device/create/", abonement=account.abonement, device_uid="CC:DD",
                                  client_play_device_id=DeviceType.objects.get(system_name="ios").pk)
        assert second["error"] == 0 and not AccountDevice.objects.get(pk=second["device_id"]).is_basic

    def test_reset_settings_logs_the_device_out(self, billing_api, account):
        login(account, uid="AA:BB")
        body = billing_api.json("account/device/create/", account_id=account.pk, device_uid="AA:BB",
                                system_name="mag", reset_settings=1)
        assert body["error"] == 0 and not AuthKey.objects.filter(device_uid="AA:BB").exists()

    def test_uid_already_bound(self, billing_api, account, customer):
        factories.AccountDeviceFactory(account=account, device_uid="AA:BB")
        other = factories.AccountFactory(customer=customer)
        for target in (account, other):
            body = billing_api.json("account/device/create/", account_id=target.pk, device_uid="AA:BB",
                                    system_name="mag")
            assert refused(body, 4)
        assert AccountDevice.objects.filter(device_uid="AA:BB").count() == 1

    def test_uid_of_another_operator_does_not_clash(self, billing_api, account, stranger):
        body = billing_api.json("account/device/create/", account_id=account.pk, device_uid="STRANGER-UID",
                                system_name="mag")
        assert body["error"] == 0

    def test_device_type_errors(self, billing_api, account):
        assert refused(billing_api.json("account/device/create/", account_id=account.pk, device_uid="X"), 6)
        assert refused(billing_api.json("account/device/create/", account_id=account.pk, device_uid="X",
                                        system_name="toaster"), 2)
        assert refused(billing_api.json("account/device/create/", account_id=account.pk, device_uid="X",
                                        client_play_device_id=424242), 2)
        assert not AccountDevice.objects.exists()

    def test_validation(self, billing_api, account):
        Account.objects.filter(pk=account.pk).update(allowed_device_groups=[0])
        assert refused(billing_api.json("account/device/create/", account_id=account.pk, system_name="mag"), 3,
                       "device_uid")
        assert refused(billing_api.json("account/device/create/", account_id=account.pk, system_name="mag",
                                        device_uid="X" * 129), 3, "device_uid")
        assert refused(billing_api.json("account/device/create/", account_id=account.pk, system_name="ios",
                                        device_uid="X"), 3)  # the account allows STBs only
        assert refused(billing_api.json("account/device/create/", account_id=account.pk, system_name="mag",
                                        device_uid="X", serial_number="S" * 129), 3, "serial_number")

    def test_unknown_and_foreign_accounts(self, billing_api, stranger):
        for params in ({"account_id": 424242}, {"account_id": stranger["account"].pk}, {"abonement": "900001"}):
            assert refused(billing_api.json("account/device/create/", device_uid="X", system_name="mag", **params), 1)
        assert not AccountDevice.objects.filter(device_uid="X").exists()


class TestAccountDeviceDelete:
    def test_by_id_and_by_uid_with_sessions(self, billing_api, account):
        first = factories.AccountDeviceFactory(account=account)
        second = factories.AccountDeviceFactory(account=account, device_uid="AA:CC")
        login(account, uid=first.device_uid, device=first)
        login(account, uid="AA:CC", device=second)
        assert billing_api.json("account/device/delete/", device_id=first.pk)["error"] == 0
        assert billing_api.json("account/device/delete/", device_uid="AA:CC")["error"] == 0
        assert not AccountDevice.objects.filter(account=account).exists()
        assert not AuthKey.objects.filter(account=account).exists()

    def test_unknown_foreign_and_missing(self, billing_api, stranger):
        assert refused(billing_api.json("account/device/delete/", device_id=424242), 1)
        assert refused(billing_api.json("account/device/delete/", device_id=stranger["device"].pk), 1)
        assert refused(billing_api.json("account/device/delete/", device_uid="STRANGER-UID"), 1)
        assert refused(billing_api.json("account/device/delete/"), 1, "device_id")
        assert AccountDevice.objects.filter(pk=stranger["device"].pk).exists()


class TestAccountDeviceModify:
    def test_changes_given_details_only(self, billing_api, account):
        device = factories.AccountDeviceFactory(account=account, serial_number="OLD", device_model="M1",
                                                brand_name="B1")
        body = billing_api.json("account/device/modify/", device_uid=device.device_uid, serial_number="NEW",
                                diagonal="42")
        assert body["error"] == 0
        device.refresh_from_db()
        assert (device.serial_number, device.device_model, device.brand_name) == ("NEW", "M1", "B1")
        billing_api.json("account/device/modify/", device_id=device.pk, device_model="M2", brand_name="B2")
        device.refresh_from_db()
        assert (device.serial_number, device.device_model, device.brand_name) == ("NEW", "M2", "B2")

    def test_reset_settings(self, billing_api, account):
        device = factories.AccountDeviceFactory(account=account)
        login(account, uid=device.device_uid, device=device)
        other_session, _ = login(account, uid="OTHER")
        assert billing_api.json("account/device/modify/", device_id=device.pk, reset_settings=1)["error"] == 0
        assert list(AuthKey.objects.filter(account=account)) == [other_session]

    def test_errors(self, billing_api, account, stranger):
        device = factories.AccountDeviceFactory(account=account)
        assert refused(billing_api.json("account/device/modify/", device_id=424242, serial_number="x"), 1)
        assert refused(billing_api.json("account/device/modify/", device_id=stranger["device"].pk,
                                        serial_number="x"), 1)
        assert refused(billing_api.json("account/device/modify/", device_id=device.pk, serial_number="x" * 129), 2,
                       "serial_number")
        assert refused(billing_api.json("account/device/modify/", device_id="x"), 2, "device_id")
        assert refused(billing_api.json("account/device/modify/", serial_number="x"), 2, "device_id")
        stranger["device"].refresh_from_db()
        assert stranger["device"].serial_number == ""


class TestCameras:
    @pytest.mark.parametrize("method", ["account/camera/create/", "account/camera/delete/"])
    def test_cameras_are_not_supported(self, billing_api, account, stranger, method):
        body = billing_api.json(method, account_id=account.pk, camera_id="1,2")
        assert refused(body, 3, "camera_id") and "not supported" in body["error_message"]
        assert refused(billing_api.json(method, account_id=stranger["account"].pk, camera_id=1), 2)
        assert refused(billing_api.json(method, account_id=account.pk), 1, "camera_id")
        assert refused(billing_api.json(method, account_id=account.pk, camera_id="x"), 1, "camera_id")


# --- tariffs -----------------------------------------------------------------------------------------

class TestAccountTariffs:
    def test_assign_goes_to_the_customer(self, billing_api, account, tariff, extra_tariff):
        assert billing_api.json("account/tariff/assign/", account_id=account.pk, tariff_id=tariff.pk)["error"] == 0
        assert billing_api.json("account/tariff/assign/", abonement=account.abonement,
                                tariff_ext_id="SPORT")["error"] == 0
        held = set(TariffSubscription.objects.filter(customer=account.customer, is_closed=False)
                   .values_list("tariff_id", flat=True))
        assert held == {tariff.pk, extra_tariff.pk}
        assert DomainEvent.objects.filter(name="tariff.assigned").count() == 2

    def test_assign_errors(self, billing_api, account, tariff, stranger):
        services.tariff_assign(customer=account.customer, tariff=tariff)
        assert refused(billing_api.json("account/tariff/assign/", account_id=account.pk, tariff_id=tariff.pk), 3)
        assert refused(billing_api.json("account/tariff/assign/", account_id=account.pk, tariff_id=424242), 2)
        assert refused(billing_api.json("account/tariff/assign/", account_id=account.pk,
                                        tariff_id=stranger["tariff"].pk), 2)
        assert refused(billing_api.json("account/tariff/assign/", account_id=account.pk, vtariff_id=5), 2,
                       "vtariff_id")
        assert refused(billing_api.json("account/tariff/assign/", account_id=account.pk), 2, "tariff_id")
        assert refused(billing_api.json("account/tariff/assign/", account_id=stranger["account"].pk,
                                        tariff_id=tariff.pk), 1)
        assert refused(billing_api.json("account/tariff/assign/", account_id=account.pk, tariff_id="x"), 3,
                       "tariff_id")
        disabled = factories.TariffFactory(client=account.client, basic_tariff_priority=0, enabled=False)
        assert refused(billing_api.json("account/tariff/assign/", account_id=account.pk, tariff_id=disabled.pk), 3)
        assert not TariffSubscription.objects.filter(customer=stranger["account"].customer, tariff=tariff).exists()

    def test_remove(self, billing_api, account, tariff, stranger):
        services.tariff_assign(customer=account.customer, tariff=tariff)
        assert billing_api.json("account/tariff/remove/", account_id=account.pk, tariff_ext_id="BASE")["error"] == 0
        assert not TariffSubscription.objects.filter(customer=account.customer, is_closed=False).exists()
        assert refused(billing_api.json("account/tariff/remove/", account_id=account.pk, tariff_id=tariff.pk), 2)
        assert refused(billing_api.json("account/tariff/remove/", account_id=account.pk,
                                        tariff_id=stranger["tariff"].pk), 2)
        assert refused(billing_api.json("account/tariff/remove/", account_id=stranger["account"].pk,
                                        tariff_id=tariff.pk), 1)
        assert refused(billing_api.json("account/tariff/remove/", account_id=account.pk, tariff_id="1e3"), 2,
                       "tariff_id")


# --- messages ----------------------------------------------------------------------------------------

class TestAccountMessageCreate:
    def test_creates_a_message_for_the_account(self, billing_api, account):
        body = billing_api.json("account/message/create/", account_id=account.pk, subject="Pay", text="<b>Please</b>")
        assert body["error"] == 0
        message = Message.objects.get(pk=body["message_id"])
        assert (message.account, message.client, message.subject, message.text, message.urgent) == (
            account, account.client, "Pay", "<b>Please</b>", True)
        body = billing_api.json("account/message/create/", abonement=account.abonement, text="Hi", urgent=0,
                                delete_after_reading=0, send_message_to_tv_screen=1)
        assert body["error"] == 0 and not Message.objects.get(pk=body["message_id"]).urgent

    @pytest.mark.parametrize("params, field", [
        ({}, "subject"),
        ({"subject": "x" * 256}, "subject"),
        ({"subject": "a", "send_message_by_sms": 1}, "send_message_by_sms"),
        ({"subject": "a", "send_message_by_email": 1}, "send_message_by_email"),
        ({"subject": "a", "send_message_by_cas": 1}, "send_message_by_cas"),
        ({"subject": "a", "send_message_to_tv_screen": 0}, "send_message_to_tv_screen"),
        ({"subject": "a", "urgent": 7}, "urgent"),
    ])
    def test_invalid(self, billing_api, account, params, field):
        assert refused(billing_api.json("account/message/create/", account_id=account.pk, **params), 2, field)
        assert not Message.objects.exists()

    def test_unknown_and_foreign_accounts(self, billing_api, stranger):
        assert refused(billing_api.json("account/message/create/", account_id=424242, subject="a"), 1)
        assert refused(billing_api.json("account/message/create/", account_id=stranger["account"].pk, subject="a"), 1)
        assert not Message.objects.exists()


# --- sessions ----------------------------------------------------------------------------------------

class TestSessions:
    def test_list_fields_and_scope(self, billing_api, account, customer, stranger):
        session, _ = login(account, uid="AA:01", ip="10.1.2.3")
        stale, _ = login(account, uid="AA:02")
        AuthKey.objects.filter(pk=stale.pk).update(last_seen_at=timezone.now() - timedelta(days=2))
        body = billing_api.json("session/list/")
        assert body["error"] == 0
        rows = {row["id"]: row for row in body["sessions"]}
        assert set(rows) == {session.pk, stale.pk}  # not the other operator's
        row = rows[session.pk]
        assert (row["account"], row["ip"], row["uid"], row["online"]) == (account.pk, "10.1.2.3", "AA:01", 1)
        assert rows[stale.pk]["online"] == 0

    def test_list_filters(self, billing_api, account, customer, stranger):
        mine, _ = login(account, uid="AA:01")
        other = factories.AccountFactory(customer=factories.CustomerFactory(client=customer.client))
        theirs, _ = login(other, uid="AA:02")

        def ids(**params):
            return {row["id"] for row in billing_api.json("session/list/", **params)["sessions"]}

        assert ids(account_id=account.pk) == {mine.pk}
        assert ids(abonement=other.abonement) == {theirs.pk}
        assert ids(customer_id=customer.pk) == {mine.pk}
        assert ids(account_id=stranger["account"].pk) == set()
        assert ids(limit=1) | ids(limit=1, page=2) == {mine.pk, theirs.pk}
        assert refused(billing_api.json("session/list/", limit="x"), -1, "limit")

    def test_list_query_count_is_constant(self, billing_api, account, django_assert_max_num_queries):
        login(account, uid="U0")
        with django_assert_max_num_queries(3) as few:
            billing_api.json("session/list/")
        for n in range(1, 30):
            login(account, uid=f"U{n}")
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert len(billing_api.json("session/list/")["sessions"]) == 30

    def test_delete_by_key_by_id_and_by_account(self, billing_api, account):
        first, first_key = login(account, uid="U1")
        second, _ = login(account, uid="U2")
        third, _ = login(account, uid="U3")
        assert billing_api.json("authkey/delete/", authkey_key=first_key)["error"] == 0
        assert not AuthKey.objects.filter(key_hash=hash_authkey(first_key)).exists()
        assert billing_api.json("authkey/delete/", authkey_id=second.pk)["error"] == 0
        assert list(AuthKey.objects.filter(account=account)) == [third]
        body = billing_api.json("authkey/delete/", account_id=account.pk)
        assert body["error"] == 0 and body["deleted"] == 1
        assert not AuthKey.objects.filter(account=account).exists()

    def test_delete_errors(self, billing_api, account, stranger):
        assert refused(billing_api.json("authkey/delete/"), 1, "authkey_id")
        assert refused(billing_api.json("authkey/delete/", authkey_id="x"), 1, "authkey_id")
        assert refused(billing_api.json("authkey/delete/", authkey_id=424242), 2)
        assert refused(billing_api.json("authkey/delete/", authkey_key="f" * 128), 2)
        assert refused(billing_api.json("authkey/delete/", authkey_id=stranger["session"].pk), 2)
        assert refused(billing_api.json("authkey/delete/", authkey_key=stranger["key"]), 2)
        assert refused(billing_api.json("authkey/delete/", account_id=stranger["account"].pk), 2)
        assert AuthKey.objects.filter(pk=stranger["session"].pk).exists()


# --- hostile input -----------------------------------------------------------------------------------

ACCOUNT = ["account_id", "abonement"]
OPTIONS = ["account_ext_id", "password", "active", "status_reason", "activation_date", "allowed_device_groups",
           "subnets", "parent_code", "preferred_timeshift_offset", "auto_activation_period", "data_center",
           "allow_login_by_ip", "option1"]
DEVICE = ["device_uid", "serial_number", "device_model", "brand_name", "diagonal", "reset_settings"]
TARIFF = ["tariff_id", "tariff_ext_id", "vtariff_id"]
PAGES = ["limit", "page"]
# method → (documented codes, parameters it reads)
METHODS = {
    "account/activate/": ({0, 1}, ACCOUNT + ["notify_external_api"]),
    "account/deactivate/": ({0, 1}, ACCOUNT + ["notify_external_api"]),
    "account/delete/": ({0, 1}, ACCOUNT),
    "account/camera/create/": ({1, 2, 3}, ACCOUNT + ["camera_id"]),
    "account/camera/delete/": ({1, 2, 3}, ACCOUNT + ["camera_id"]),
    "account/create/": ({0, 1, 2, 3}, ["customer_id", "ext_id", "abonement"] + OPTIONS),
    "account/device/create/": ({0, 1, 2, 3, 4, 5, 6}, ACCOUNT + DEVICE + ["system_name", "client_play_device_id"]),
    "account/device/delete/": ({0, 1}, ["device_id", "device_uid"]),
    "account/device/modify/": ({0, 1, 2}, ["device_id"] + DEVICE),
    "account/info/": ({0, 1}, ACCOUNT),
    "account/list/": ({0, -1}, PAGES + ["status", "status_reason", "device", "abonement_regexp"]),
    "account/message/create/": ({0, 1, 2}, ACCOUNT + ["subject", "text", "urgent", "send_message_by_sms"]),
    "account/modify/": ({0, 1, 2}, ACCOUNT + OPTIONS + ["reset_device_settings"]),
    "account/tariff/assign/": ({0, 1, 2, 3}, ACCOUNT + TARIFF),
    "account/tariff/remove/": ({0, 1, 2}, ACCOUNT + TARIFF),
    "authkey/delete/": ({0, 1, 2}, ACCOUNT + ["authkey_id", "authkey_key"]),
    "session/list/": ({0, -1}, ACCOUNT + PAGES + ["customer_id"]),
}
HOSTILE = ["", " ", "-1", "0", "99999999999999999999999", "1.5", "abc", "1,2,3", "' OR 1=1 --",
           "<script>alert(1)</script>", "1\x00", "ёжик 🎬", "１２３", "²", "2030-13-45", "a" * 5000, "9" * 5000,
           "(" * 50, ".*" * 40, "[[:digit:]]"]


@pytest.mark.parametrize("method", sorted(METHODS))
def test_hostile_values_never_fail(billing_api, customer, account, method, caplog):
    """Each parameter of a method gets every hostile value (the others valid): a documented code, never a 500."""
    caplog.set_level(logging.WARNING, logger="apis.billing")  # hundreds of requests: keep the log quiet
    codes, names = METHODS[method]
    valid = {"account_id": account.pk, "customer_id": customer.pk, "device_uid": "FUZZ", "system_name": "mag",
             "subject": "s", "tariff_id": 1, "authkey_id": 1, "device_id": 1, "camera_id": 1}
    for value in HOSTILE:
        for name in names:
            params = {key: v for key, v in valid.items() if key in names}
            params[name] = value
            body = billing_api.json(method, **params)
            assert body["error"] in codes, (name, value, body)
