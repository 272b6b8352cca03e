"""Domain events keep the CAS in step: a tariff assigned, removed, an account blocked or unblocked, a
device bound or released each make the CAS hold exactly what the customer should have."""
from datetime import timedelta

from django.utils import timezone

from irdeto.models import CasSubscriber
from irdeto.selectors import FAR_END
from tests import factories
from tests.irdeto.conftest import WRITES
from tvmiddleware import services
from tvmiddleware.models import DeliveryStatus, EventDelivery


def delivered() -> set[str]:
    return set(EventDelivery.objects.values_list("status", flat=True))


def test_assigning_a_tariff_creates_the_subscriber_pairs_the_box_and_entitles_it(
        irdeto, home, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        subscription = services.tariff_assign(customer=home.customer, tariff=irdeto.tv)
    cas_id = irdeto.cas_id(home.customer)
    subscriber = irdeto.fake.subscribers[cas_id]
    assert (subscriber.nationality, subscriber.region_tag) == ("UKR", "KV")
    state = irdeto.fake.state(cas_id)
    assert set(state) == {"SC-0001"}  # the phone's type has no CAS product: not paired
    assert state["SC-0001"]["type"] == "mag"
    start, end = state["SC-0001"]["entitlements"]["TV-STB"]
    assert start == subscription.start_date.replace(microsecond=0) and end == FAR_END
    assert delivered() == {DeliveryStatus.DELIVERED}
    record = CasSubscriber.objects.get(customer=home.customer)
    assert record.last_error == "" and record.devices == 1 and record.entitlements == 1
    assert "add TV-STB on SC-0001" in record.last_changes


def test_fixed_term_subscription_is_entitled_until_its_end(irdeto, home, django_capture_on_commit_callbacks):
    end = timezone.now() + timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=home.customer, tariff=irdeto.sport, end_date=end, is_periodical=False)
    _, cas_end = irdeto.fake.state(irdeto.cas_id(home.customer))["SC-0001"]["entitlements"]["SPORT"]
    assert cas_end == end.replace(microsecond=0)


def test_removing_a_tariff_removes_only_its_entitlement(irdeto, home, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=home.customer, tariff=irdeto.tv)
        services.tariff_assign(customer=home.customer, tariff=irdeto.sport)
    cas_id = irdeto.cas_id(home.customer)
    assert irdeto.fake.entitlements(cas_id) == {("SC-0001", "TV-STB"), ("SC-0001", "SPORT")}
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_remove(customer=home.customer, tariff=irdeto.sport)
    assert irdeto.fake.entitlements(cas_id) == {("SC-0001", "TV-STB")}
    assert irdeto.fake.calls[-1] == ("RemoveEntitlement", {"customerId": cas_id, "deviceId": "SC-0001",
                                                          "productId": "SPORT"})


def test_block_removes_entitlements_keeps_the_device_and_unblock_brings_them_back(
        irdeto, home, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=home.customer, tariff=irdeto.tv)
    cas_id = irdeto.cas_id(home.customer)
    with django_capture_on_commit_callbacks(execute=True):
        services.account_block_for_debt(account=home.account)
    assert irdeto.fake.state(cas_id) == {"SC-0001": {"type": "mag", "entitlements": {}}}
    with django_capture_on_commit_callbacks(execute=True):
        services.account_activate(account=home.account)
    assert irdeto.fake.entitlements(cas_id) == {("SC-0001", "TV-STB")}
    assert delivered() == {DeliveryStatus.DELIVERED}


def test_devices_bound_and_released(irdeto, home, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=home.customer, tariff=irdeto.tv)
        services.tariff_assign(customer=home.customer, tariff=irdeto.sport)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.device_bind(account=home.account, device_type=irdeto.android_stb,
                                      device_uid="AA:BB:CC:00:00:02")  # no serial: paired by its UID
    cas_id = irdeto.cas_id(home.customer)
    assert irdeto.fake.entitlements(cas_id) == {("SC-0001", "TV-STB"), ("SC-0001", "SPORT"),
                                                ("AA:BB:CC:00:00:02", "TV-ASTB")}
    assert irdeto.fake.state(cas_id)["AA:BB:CC:00:00:02"]["type"] == "android_stb"
    with django_capture_on_commit_callbacks(execute=True):
        services.device_unbind(device=home.box)
    assert set(irdeto.fake.state(cas_id)) == {"AA:BB:CC:00:00:02"}
    assert ("UnpairDevice", {"customerId": cas_id, "deviceId": "SC-0001"}) in irdeto.fake.calls
    with django_capture_on_commit_callbacks(execute=True):
        services.device_unbind(device=second)
    assert irdeto.fake.state(cas_id) == {}


def test_a_repeated_delivery_makes_no_changes(irdeto, home, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=home.customer, tariff=irdeto.tv)
    writes = irdeto.writes()
    irdeto.api().on_tariff_assigned(EventDelivery.objects.get().event)  # as after a crash before "delivered"
    assert irdeto.writes() == writes and irdeto.fake.operations()[-1] == "GetSubscriber"


def test_changes_of_a_customer_without_cas_devices_make_no_calls(irdeto, django_capture_on_commit_callbacks):
    customer = services.customer_create(client=irdeto.client, firstname="Mobile only")
    account, _ = services.account_create(client=irdeto.client, customer=customer, abonement="300002",
                                         password="1111")
    with django_capture_on_commit_callbacks(execute=True):
        services.device_bind(account=account, device_type=irdeto.phone, device_uid="phone-2")
        services.tariff_assign(customer=customer, tariff=irdeto.tv)
    assert irdeto.fake.calls == []
    assert delivered() == {DeliveryStatus.DELIVERED}
    assert not CasSubscriber.objects.exists()


def test_deleting_the_customer_releases_its_devices(irdeto, home, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=home.customer, tariff=irdeto.tv)
    cas_id = irdeto.cas_id(home.customer)
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_delete(customer=home.customer)
    assert irdeto.fake.state(cas_id) == {}
    record = CasSubscriber.objects.get(cas_customer_id=cas_id)
    assert record.customer is None and record.devices == 0 and record.last_error == ""


def test_a_device_moved_to_another_customer_is_taken_over_whatever_the_order(
        irdeto, home, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=home.customer, tariff=irdeto.tv)
    other = services.customer_create(client=irdeto.client, firstname="Olena")
    other_account, _ = services.account_create(client=irdeto.client, customer=other, abonement="300003",
                                               password="1111")
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=other, tariff=irdeto.sport)
    irdeto.fake.go_down()
    with django_capture_on_commit_callbacks(execute=True):
        services.device_unbind(device=home.box)
    with django_capture_on_commit_callbacks(execute=True):
        services.device_bind(account=other_account, device_type=irdeto.mag, device_uid="00:1A:79:00:00:01",
                             serial_number="SC-0001")
    irdeto.fake.come_back()
    removed, added = EventDelivery.objects.filter(status=DeliveryStatus.PENDING).order_by("pk")
    from tests.irdeto.conftest import make_due
    from tvmiddleware import events

    make_due()
    assert events.attempt(added.pk)  # the new owner's event first: the box is taken from the old owner
    assert events.attempt(removed.pk)
    assert irdeto.fake.state(irdeto.cas_id(home.customer)) == {}
    assert irdeto.fake.entitlements(irdeto.cas_id(other)) == {("SC-0001", "SPORT")}


def test_a_device_another_customer_still_holds_is_not_taken(irdeto, home, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=home.customer, tariff=irdeto.tv)
    other = services.customer_create(client=irdeto.client, firstname="Olena")
    other_account, _ = services.account_create(client=irdeto.client, customer=other, abonement="300004",
                                               password="1111")
    with django_capture_on_commit_callbacks(execute=True):
        # Another box recorded with the same smartcard serial by mistake.
        services.device_bind(account=other_account, device_type=irdeto.mag, device_uid="00:1A:79:00:00:09",
                             serial_number="SC-0001")
    delivery = EventDelivery.objects.filter(event__customer_id=other.pk).get()
    assert delivery.status == DeliveryStatus.PENDING
    assert "DEVICE_PAIRED_ELSEWHERE" in delivery.last_error and "still holds it" in delivery.last_error
    assert irdeto.fake.entitlements(irdeto.cas_id(home.customer)) == {("SC-0001", "TV-STB")}


def test_operators_without_an_irdeto_integration_get_no_deliveries(irdeto, django_capture_on_commit_callbacks):
    client = factories.ClientFactory()
    tariff = factories.TariffFactory(client=client, basic_tariff_priority=1)
    customer = services.customer_create(client=client, firstname="Petro")
    account, _ = services.account_create(client=client, customer=customer, abonement="400001", password="1111")
    with django_capture_on_commit_callbacks(execute=True):
        services.device_bind(account=account, device_type=irdeto.mag, device_uid="box-9", serial_number="SC-9")
        services.tariff_assign(customer=customer, tariff=tariff)
        services.account_block_for_debt(account=account)
    assert not EventDelivery.objects.filter(client=client).exists()
    assert irdeto.fake.calls == []


def test_a_disabled_integration_gets_no_deliveries(irdeto, home, django_capture_on_commit_callbacks):
    irdeto.system.enabled = False
    irdeto.system.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=home.customer, tariff=irdeto.tv)
    assert not EventDelivery.objects.exists() and irdeto.fake.calls == []


def test_every_call_is_valid_soap_for_the_wsdl(irdeto, home, django_capture_on_commit_callbacks):
    for change in (lambda: services.tariff_assign(customer=home.customer, tariff=irdeto.tv),
                   lambda: services.account_deactivate(account=home.account),
                   lambda: services.device_unbind(device=home.box)):
        with django_capture_on_commit_callbacks(execute=True):
            change()
    assert irdeto.fake.rejected == []  # the fake validates each request against the WSDL's schema
    assert set(irdeto.fake.operations()) == WRITES | {"GetSubscriber"}
