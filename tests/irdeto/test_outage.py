"""A CAS outage delays, never loses, a change: deliveries fail and are retried by the outbox, and once
the CAS answers again it converges to exactly the customer's current state, whatever the order."""
import time
from datetime import timedelta

from django.utils import timezone

from irdeto.models import CasSubscriber
from irdeto.selectors import FAR_END, desired_state
from tests.irdeto.conftest import make_due
from tvmiddleware import events, services
from tvmiddleware.models import DeliveryStatus, EventDelivery


def cas_matches_desired(irdeto, customer) -> bool:
    desired = desired_state(client_id=irdeto.client.pk, customer=customer, now=timezone.now())
    expected = {device_id: {"type": d.device_type,
                            "entitlements": {p: (e.start, e.end) for p, e in d.entitlements.items()}}
                for device_id, d in desired.items()}
    return irdeto.fake.state(irdeto.cas_id(customer)) == expected


def test_changes_made_while_the_cas_is_down_arrive_when_it_is_back(irdeto, home, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=home.customer, tariff=irdeto.tv)
    cas_id = irdeto.cas_id(home.customer)
    irdeto.fake.go_down()
    end = timezone.now() + timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=home.customer, tariff=irdeto.sport, end_date=end, is_periodical=False)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.device_bind(account=home.account, device_type=irdeto.android_stb, device_uid="ASTB-2",
                                      serial_number="SC-0002")
    with django_capture_on_commit_callbacks(execute=True):
        services.device_unbind(device=home.box)
    with django_capture_on_commit_callbacks(execute=True):
        services.account_block_for_debt(account=home.account)
    with django_capture_on_commit_callbacks(execute=True):
        services.account_activate(account=home.account)

    pending = EventDelivery.objects.filter(status=DeliveryStatus.PENDING)
    assert pending.count() == 5
    assert all("connection failed" in d.last_error for d in pending)
    record = CasSubscriber.objects.get(customer=home.customer)
    assert "connection failed" in record.last_error
    assert irdeto.fake.entitlements(cas_id) == {("SC-0001", "TV-STB")}  # the CAS as it was

    make_due()
    assert events.deliver_due() == {"delivered": 0, "failed": 5, "skipped": 0}  # still down: retried later
    assert set(pending.values_list("attempts", flat=True)) == {2}

    irdeto.fake.come_back()
    make_due()
    assert events.deliver_due()["delivered"] == 5
    assert not EventDelivery.objects.exclude(status=DeliveryStatus.DELIVERED).exists()
    state = irdeto.fake.state(cas_id)
    assert state == {"SC-0002": {"type": "android_stb", "entitlements": {
        "TV-ASTB": (home.customer.subscriptions.get(tariff=irdeto.tv).start_date.replace(microsecond=0), FAR_END)}}}
    assert cas_matches_desired(irdeto, home.customer)
    record.refresh_from_db()
    assert record.last_error == "" and record.devices == 1 and record.entitlements == 1
    assert second.pk  # (bound during the outage)


def test_a_cas_answering_503_is_retried_too(irdeto, home, django_capture_on_commit_callbacks):
    irdeto.fake.unavailable = True
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=home.customer, tariff=irdeto.tv)
    delivery = EventDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and "HTTP 503" in delivery.last_error
    irdeto.fake.unavailable = False
    make_due()
    assert events.deliver_due()["delivered"] == 1
    assert irdeto.fake.entitlements(irdeto.cas_id(home.customer)) == {("SC-0001", "TV-STB")}


def test_reordered_deliveries_converge_to_the_current_state(irdeto, home, django_capture_on_commit_callbacks):
    irdeto.fake.go_down()
    changes = [
        lambda: services.tariff_assign(customer=home.customer, tariff=irdeto.tv),
        lambda: services.tariff_assign(customer=home.customer, tariff=irdeto.sport),
        lambda: services.account_deactivate(account=home.account),
        lambda: services.tariff_remove(customer=home.customer, tariff=irdeto.sport),
        lambda: services.account_activate(account=home.account),
    ]
    for change in changes:
        with django_capture_on_commit_callbacks(execute=True):
            change()
    irdeto.fake.come_back()
    make_due()
    deliveries = list(EventDelivery.objects.order_by("-pk"))  # newest first: the worst order
    for delivery in deliveries:
        assert events.attempt(delivery.pk)
    assert irdeto.fake.entitlements(irdeto.cas_id(home.customer)) == {("SC-0001", "TV-STB")}
    assert cas_matches_desired(irdeto, home.customer)


def test_a_late_old_delivery_does_not_undo_a_newer_change(irdeto, home, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=home.customer, tariff=irdeto.tv)
    irdeto.fake.go_down()
    with django_capture_on_commit_callbacks(execute=True):
        services.account_block_for_debt(account=home.account)
    irdeto.fake.come_back()
    # The block arrives; then a stale copy of the older "assigned" event is replayed.
    make_due()
    assert events.deliver_due()["delivered"] == 1
    irdeto.api().on_tariff_assigned(EventDelivery.objects.order_by("pk").first().event)
    assert irdeto.fake.entitlements(irdeto.cas_id(home.customer)) == set()


def test_a_cas_restarted_without_its_data_is_rebuilt_by_the_next_change(
        irdeto, home, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=home.customer, tariff=irdeto.tv)
    irdeto.fake.restart(keep_state=False)
    assert irdeto.fake.state(irdeto.cas_id(home.customer)) is None
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=home.customer, tariff=irdeto.sport)
    assert irdeto.fake.entitlements(irdeto.cas_id(home.customer)) == {("SC-0001", "TV-STB"), ("SC-0001", "SPORT")}


def test_a_cas_restarted_with_its_data_needs_no_writes(irdeto, home, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=home.customer, tariff=irdeto.tv)
    writes = irdeto.writes()
    irdeto.fake.restart(keep_state=True)
    result = irdeto.api().sync_customer(home.customer.pk)
    assert result.ok and result.changes == [] and irdeto.writes() == writes


def test_a_slow_cas_times_out_with_a_plugin_error_and_no_hang(irdeto, home, django_capture_on_commit_callbacks):
    irdeto.set_attribute("timeout", "0.5")
    irdeto.fake.delay = 3
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=home.customer, tariff=irdeto.tv)
    assert time.monotonic() - started < 2.5
    delivery = EventDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_error.startswith("PluginError") and "timed out" in delivery.last_error
    irdeto.fake.delay = 0
    make_due()
    assert events.deliver_due()["delivered"] == 1
    assert irdeto.fake.entitlements(irdeto.cas_id(home.customer)) == {("SC-0001", "TV-STB")}


def test_a_refused_change_does_not_stop_the_others_and_is_retried(irdeto, home, django_capture_on_commit_callbacks):
    irdeto.fake.products = {"TV-STB", "TV-ASTB"}  # the CAS does not know SPORT yet
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=home.customer, tariff=irdeto.tv)
        services.tariff_assign(customer=home.customer, tariff=irdeto.sport)
    cas_id = irdeto.cas_id(home.customer)
    assert irdeto.fake.entitlements(cas_id) == {("SC-0001", "TV-STB")}
    failed = EventDelivery.objects.filter(status=DeliveryStatus.PENDING)
    assert failed.count() >= 1 and all("UNKNOWN_PRODUCT" in d.last_error for d in failed)
    irdeto.fake.products.add("SPORT")  # the operator fixed the CAS product list
    make_due()
    events.deliver_due()
    assert irdeto.fake.entitlements(cas_id) == {("SC-0001", "TV-STB"), ("SC-0001", "SPORT")}
    assert not EventDelivery.objects.exclude(status=DeliveryStatus.DELIVERED).exists()
