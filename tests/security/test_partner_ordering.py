"""Partner calls apply in order, and a stale change can never undo a later one at the partner.

The incident: `tariff.removed` failed three times (partner down), then `tariff.assigned` went through,
then the stale removal was retried and closed the subscription at the partner — the middleware showed
it open, the partner closed. Two defences, each tested against MEGOGO, Irdeto and the REST billing
(their fakes are real servers on loopback):

1. the handlers send the customer's current state, not the historic transition: even when the order
   was broken (the removal had been given up, the assignment delivered, then the operator retried the
   removal), the stale removal leaves the partner open. MEGOGO and Irdeto re-derive the customer's
   whole state; the REST billing now sends open/close by what the middleware holds now;
2. for a plugin whose hooks replay transitions (the REST billing keeps that contract for its other
   hooks), the outbox also keeps one customer's deliveries in order: the assignment waits while the
   removal is pending and follows it as soon as it goes through. Plugins whose hooks converge in any
   order (MEGOGO, Irdeto) are not queued, so one failing change does not hold back the others.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta
from http.server import ThreadingHTTPServer
from typing import Callable

import pytest
from django.utils import timezone

from irdeto.models import CasProduct
from irdeto.selectors import cas_customer_id
from tests import factories
from tests.billing.test_rest_plugin import FakeBilling, make_handler, rest_system
from tests.irdeto.fakes import FakeIrdeto
from tests.megogo.fakes import FakeMegogo
from tvmiddleware import events, services
from tvmiddleware.models import (
    Customer, DeliveryStatus, DeviceType, EventDelivery, ExternalSystem, ExternalSystemAttribute, Tariff,
    TariffSubscription,
)

pytestmark = pytest.mark.django_db


@dataclass
class Partner:
    """One partner under test: its fake, the subscriber and tariff, and how to look at it."""

    name: str
    customer: Customer
    tariff: Tariff
    is_open: Callable[[], bool]
    go_down: Callable[[], None]
    come_back: Callable[[], None]
    failure: str  # what a delivery's last error says while the partner is down
    ordered: bool  # its deliveries are queued per customer (hooks that replay transitions)


def _megogo() -> tuple[Partner, Callable[[], None]]:
    fake = FakeMegogo().start()
    client = factories.ClientFactory()
    svod = factories.TariffFactory(client=client, name="MEGOGO subscription", basic_tariff_priority=0)
    system = ExternalSystem.objects.create(client=client, name="MEGOGO", api_class="megogo_api_client")
    ExternalSystemAttribute.objects.bulk_create([
        ExternalSystemAttribute(client=client, external_system=system, key=k, value=v)
        for k, v in fake.attributes(tariff_id=str(svod.pk)).items()])
    customer = services.customer_create(client=client, firstname="Ivan")
    identifier = f"{client.pk}-{customer.pk}"

    def down() -> None:
        fake.billing_down = True

    def back() -> None:
        fake.billing_down = False

    partner = Partner("megogo", customer, svod,
                      is_open=lambda: fake.svod_service_id in fake.subscriptions.get(identifier, set()),
                      go_down=down, come_back=back, failure="503", ordered=False)
    return partner, fake.stop


def _irdeto() -> tuple[Partner, Callable[[], None]]:
    fake = FakeIrdeto().start()
    client = factories.ClientFactory()
    tv = factories.TariffFactory(client=client, name="TV", basic_tariff_priority=1)
    mag = DeviceType.objects.get(system_name="mag")
    system = ExternalSystem.objects.create(client=client, name="Irdeto", api_class="irdeto_api_client")
    for key, value in {"host": fake.url, "timeout": "2", "nationality": "UKR", "region_tag": "KV"}.items():
        ExternalSystemAttribute.objects.create(client=client, external_system=system, key=key, value=value)
    CasProduct.objects.create(client=client, tariff=tv, device_type=mag, product_id="TV-STB")
    customer = services.customer_create(client=client, firstname="Ivan")
    account, _ = services.account_create(client=client, customer=customer, abonement="300001", password="1111")
    services.device_bind(account=account, device_type=mag, device_uid="00:1A:79:00:00:01", serial_number="SC-0001")
    EventDelivery.objects.all().delete()  # the box was there before the CAS: the test starts from here
    cas_id = cas_customer_id(client.pk, customer.pk)
    partner = Partner("irdeto", customer, tv,
                      is_open=lambda: ("SC-0001", "TV-STB") in fake.entitlements(cas_id),
                      go_down=fake.go_down, come_back=fake.come_back, failure="connection failed", ordered=False)
    return partner, fake.stop


def _rest_billing() -> tuple[Partner, Callable[[], None]]:
    state = FakeBilling()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/api"
    client = factories.ClientFactory()
    customer = factories.CustomerFactory(client=client, ext_id="C1")
    factories.AccountFactory(customer=customer)
    state.add("C1", balance="100.00")
    rest_system(client, state.url)
    tariff = factories.TariffFactory(client=client, ext_id="T-1")

    def down() -> None:
        state.fail_status = 500  # not retried inside the call: each delivery attempt is one request

    def back() -> None:
        state.fail_status = None

    def stop() -> None:
        server.shutdown()
        server.server_close()

    partner = Partner("rest_billing", customer, tariff, is_open=lambda: "T-1" in state.customers["C1"]["subscriptions"],
                      go_down=down, come_back=back, failure="500", ordered=True)
    return partner, stop


@pytest.fixture(params=["megogo", "irdeto", "rest_billing"])
def partner(request, db):
    build = {"megogo": _megogo, "irdeto": _irdeto, "rest_billing": _rest_billing}[request.param]
    made, stop = build()
    yield made
    stop()


def make_due() -> None:
    EventDelivery.objects.filter(status=DeliveryStatus.PENDING).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1))


def deliveries(name: str):
    return EventDelivery.objects.filter(event__name=name)


def holds(partner: Partner) -> bool:
    return TariffSubscription.objects.filter(customer=partner.customer, tariff=partner.tariff, is_closed=False).exists()


def subscribed_then_removal_fails_three_times(partner: Partner, capture) -> EventDelivery:
    """The subscriber holds the tariff (open at the partner); the partner goes down; the tariff is
    removed and its delivery fails three times."""
    with capture(execute=True):
        services.tariff_assign(customer=partner.customer, tariff=partner.tariff)
    assert partner.is_open()
    partner.go_down()
    with capture(execute=True):
        services.tariff_remove(customer=partner.customer, tariff=partner.tariff)  # attempt 1
    for _ in range(2):  # attempts 2 and 3
        make_due()
        events.deliver_due()
    removal = deliveries("tariff.removed").get()
    assert removal.attempts == 3 and partner.failure in removal.last_error
    assert partner.is_open()  # the partner never heard of the removal
    partner.come_back()
    return removal


def test_a_stale_removal_still_pending_when_the_tariff_is_assigned_again_leaves_the_partner_open(
        partner, django_capture_on_commit_callbacks):
    removal = subscribed_then_removal_fails_three_times(partner, django_capture_on_commit_callbacks)
    assert removal.status == DeliveryStatus.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=partner.customer, tariff=partner.tariff)  # assigned again
    assignment = deliveries("tariff.assigned").latest("pk")
    if partner.ordered:
        assert (assignment.status, assignment.attempts) == (DeliveryStatus.PENDING, 0)  # queued behind
        assert events.blocked_by(assignment) == removal
        make_due()
        assert events.claim(assignment.pk) is False  # nobody may take it out of turn
    else:
        assert assignment.status == DeliveryStatus.DELIVERED  # state-based: sent the current state
        assert partner.is_open()

    make_due()
    events.deliver_due()  # the stale removal is retried (and a queued assignment follows it at once)

    removal.refresh_from_db()
    assignment.refresh_from_db()
    assert removal.status == assignment.status == DeliveryStatus.DELIVERED
    if partner.ordered:
        assert removal.delivered_at <= assignment.delivered_at
    assert holds(partner) and partner.is_open()  # the middleware and the partner agree: open


def test_the_exact_incident_a_stale_removal_retried_after_the_assignment_leaves_the_partner_open(
        partner, settings, django_capture_on_commit_callbacks):
    settings.EVENT_DELIVERY_MAX_ATTEMPTS = 3  # the removal is given up after its third failure
    removal = subscribed_then_removal_fails_three_times(partner, django_capture_on_commit_callbacks)
    assert removal.status == DeliveryStatus.FAILED  # given up: it no longer holds any queue

    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=partner.customer, tariff=partner.tariff)
    assignment = deliveries("tariff.assigned").latest("pk")
    assert assignment.status == DeliveryStatus.DELIVERED  # the assignment went through
    assert partner.is_open()

    # the operator retries the stale removal (the admin's "Retry selected deliveries")
    with django_capture_on_commit_callbacks(execute=True):
        assert events.retry([removal], deliver_now=True) == 1
    removal.refresh_from_db()
    assert removal.status == DeliveryStatus.DELIVERED and removal.attempts == 4  # history kept
    assert holds(partner) and partner.is_open()  # it did not close what the middleware holds open


def test_only_plugins_whose_hooks_replay_transitions_are_queued(partner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=partner.customer, tariff=partner.tariff)
    delivery = deliveries("tariff.assigned").get()
    assert delivery.customer_id == (partner.customer.pk if partner.ordered else None)
