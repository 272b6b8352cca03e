"""Domain events: outbox rows written with the change, delivered after commit, retried, never twice."""
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from tests import factories
from tvmiddleware import events, services
from tvmiddleware.models import DeliveryStatus, DomainEvent, EventDelivery

pytestmark = pytest.mark.django_db


def make_due(delivery_qs=None):
    (delivery_qs or EventDelivery.objects.all()).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


@pytest.fixture
def integration(client_obj, test_plugin):
    return factories.ExternalSystemFactory(client=client_obj, api_class="test_plugin")


def test_only_subscribed_enabled_handlers_of_the_operator_get_deliveries(
        client_obj, customer, basic_tariff, integration, test_plugin):
    factories.ExternalSystemFactory(client=client_obj, api_class="test_plugin", enabled=False)
    factories.ExternalSystemFactory(api_class="test_plugin")  # another operator's
    services.tariff_assign(customer=customer, tariff=basic_tariff)
    device_account = factories.AccountFactory(customer=customer)
    services.device_bind(account=device_account, device_type=factories.device_type(), device_uid="D")

    assigned = DomainEvent.objects.get(name="tariff.assigned")
    assert [d.handler for d in assigned.deliveries.all()] == [f"external_system:{integration.pk}"]
    # the plugin does not override on_device_added: no delivery row
    assert not DomainEvent.objects.get(name="device.added").deliveries.exists()


def test_delivered_after_commit(customer, basic_tariff, integration, test_plugin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=customer, tariff=basic_tariff)
        assert test_plugin.received == []  # nothing leaves before the transaction commits
    event = DomainEvent.objects.get(name="tariff.assigned")
    assert test_plugin.received == [(integration.pk, "tariff.assigned", event.pk)]
    delivery = event.deliveries.get()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1


def test_failing_handler_is_retried_with_backoff_and_delivered_once(
        customer, basic_tariff, integration, test_plugin, django_capture_on_commit_callbacks):
    test_plugin.failures_left = 2
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=customer, tariff=basic_tariff)
    delivery = EventDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert "partner is down" in delivery.last_error
    first_wait = delivery.next_attempt_at - delivery.last_attempt_at
    assert first_wait >= timedelta(seconds=29)

    assert events.deliver_due() == {"delivered": 0, "failed": 0, "skipped": 0}  # not due yet
    make_due()
    assert events.deliver_due()["failed"] == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.next_attempt_at - delivery.last_attempt_at > first_wait

    make_due()
    assert events.deliver_due()["delivered"] == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.last_error == ""
    assert len(test_plugin.received) == 1

    make_due()
    assert events.deliver_due() == {"delivered": 0, "failed": 0, "skipped": 0}
    assert events.deliver_event(delivery.event_id) == 0
    assert events.retry(EventDelivery.objects.all()) == 0  # delivered rows are never re-run
    assert len(test_plugin.received) == 1


@override_settings(EVENT_DELIVERY_MAX_ATTEMPTS=2)
def test_gives_up_after_max_attempts_and_operator_can_retry(customer, basic_tariff, integration, test_plugin):
    test_plugin.failures_left = 5
    services.tariff_assign(customer=customer, tariff=basic_tariff)
    make_due()
    events.deliver_due()
    make_due()
    events.deliver_due()
    delivery = EventDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 2
    make_due()
    assert events.deliver_due()["delivered"] == 0  # failed rows wait for the operator

    test_plugin.failures_left = 0
    assert events.retry(EventDelivery.objects.all()) == 1
    assert events.deliver_due()["delivered"] == 1
    assert len(test_plugin.received) == 1


def test_claim_is_exclusive_until_lease_expires(customer, basic_tariff, integration):
    services.tariff_assign(customer=customer, tariff=basic_tariff)
    delivery = EventDelivery.objects.get()
    assert events.claim(delivery.pk) is True
    assert events.claim(delivery.pk) is False  # another worker holds it
    assert events.attempt(delivery.pk) is None
    later = timezone.now() + timedelta(hours=1)
    assert events.claim(delivery.pk, now=later) is True  # that worker died: lease expired


def test_disabled_or_removed_integration_is_recorded_as_error(customer, basic_tariff, integration, test_plugin):
    services.tariff_assign(customer=customer, tariff=basic_tariff)
    integration.enabled = False
    integration.save()
    make_due()
    events.deliver_due()
    delivery = EventDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and "disabled" in delivery.last_error
    assert test_plugin.received == []


def test_application_handlers(customer, basic_tariff, django_capture_on_commit_callbacks):
    seen = []
    events.register_event_handler("test.cas", ["tariff.assigned", "tariff.removed"], lambda e: seen.append(e.name))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.tariff_assign(customer=customer, tariff=basic_tariff)
        with django_capture_on_commit_callbacks(execute=True):
            services.tariff_remove(customer=customer, tariff=basic_tariff)
    finally:
        events.unregister_event_handler("test.cas")
    assert seen == ["tariff.assigned", "tariff.removed"]


def test_backoff_is_exponential_and_capped(settings):
    settings.EVENT_DELIVERY_BACKOFF_BASE_SECONDS = 30
    settings.EVENT_DELIVERY_BACKOFF_MAX_SECONDS = 3600
    assert [events.backoff_seconds(n) for n in (1, 2, 3, 4, 10)] == [30, 60, 120, 240, 3600]


def test_deliver_events_command(customer, basic_tariff, integration, test_plugin):
    services.tariff_assign(customer=customer, tariff=basic_tariff)  # on-commit task never ran (test transaction)
    out = StringIO()
    call_command("deliver_events", stdout=out)
    assert "delivered=1" in out.getvalue()
    assert len(test_plugin.received) == 1


def test_rollback_leaves_no_event(customer, basic_tariff, integration):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        services.tariff_assign(customer=customer, tariff=basic_tariff)
        raise RuntimeError("the change failed")
    assert not DomainEvent.objects.exists() and not EventDelivery.objects.exists()


# --- order: one customer's deliveries to one handler form a queue -----------------------------------

def test_a_later_delivery_waits_while_an_earlier_one_of_the_customer_is_pending(
        client_obj, customer, integration, test_plugin, django_capture_on_commit_callbacks):
    first, second = factories.TariffFactory.create_batch(2, client=client_obj)
    other_customer = factories.CustomerFactory(client=client_obj)
    test_plugin.failures_left = 1
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=customer, tariff=first)  # fails: the partner is down
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=customer, tariff=second)  # queued behind it: not attempted
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=other_customer, tariff=first)  # another customer: not held
    earlier, later = EventDelivery.objects.filter(customer_id=customer.pk).order_by("pk")
    later.refresh_from_db()
    assert (earlier.attempts, later.attempts, later.last_error) == (1, 0, "")
    assert events.blocked_by(later) == earlier and events.blocked_by(earlier) is None
    assert EventDelivery.objects.get(customer_id=other_customer.pk).status == DeliveryStatus.DELIVERED

    make_due()
    assert events.deliver_due() == {"delivered": 2, "failed": 0, "skipped": 0}  # the head, then the one behind
    assert [name for _, name, _ in test_plugin.received] == ["tariff.assigned"] * 3
    assert [pk for _, _, pk in test_plugin.received][1:] == [earlier.event_id, later.event_id]
    later.refresh_from_db()
    assert (later.status, later.attempts) == (DeliveryStatus.DELIVERED, 1)


@override_settings(EVENT_DELIVERY_MAX_ATTEMPTS=1)
def test_a_given_up_delivery_does_not_hold_the_queue_for_good(
        client_obj, customer, integration, test_plugin, django_capture_on_commit_callbacks):
    first, second = factories.TariffFactory.create_batch(2, client=client_obj)
    test_plugin.failures_left = 1
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=customer, tariff=first)
    assert EventDelivery.objects.get().status == DeliveryStatus.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=customer, tariff=second)
    assert EventDelivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 1


def test_each_handler_has_its_own_queue(client_obj, customer, integration, test_plugin,
                                        django_capture_on_commit_callbacks):
    factories.ExternalSystemFactory(client=client_obj, api_class="test_plugin")  # a second partner
    test_plugin.failures_left = 1  # the first call (to one of the two partners) fails
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=customer, tariff=factories.TariffFactory(client=client_obj))
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=customer, tariff=factories.TariffFactory(client=client_obj))
    statuses = sorted(EventDelivery.objects.values_list("handler", "status"))
    failing = next(h for h, s in statuses if s == DeliveryStatus.PENDING)
    # the failing partner's second delivery waits; the other partner got both
    assert [s for h, s in statuses if h != failing] == [DeliveryStatus.DELIVERED] * 2
    assert [s for h, s in statuses if h == failing] == [DeliveryStatus.PENDING] * 2


def test_operator_retry_keeps_the_history_and_restarts_the_automatic_retries(
        customer, basic_tariff, integration, test_plugin, django_capture_on_commit_callbacks, settings):
    settings.EVENT_DELIVERY_MAX_ATTEMPTS = 2
    test_plugin.failures_left = 10
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=customer, tariff=basic_tariff)
    make_due()
    events.deliver_due()
    delivery = EventDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 2)

    with django_capture_on_commit_callbacks(execute=True):
        assert events.retry([delivery], deliver_now=True) == 1  # attempted at once (tasks in-process)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.retried_at_attempt) == (DeliveryStatus.PENDING, 3, 2)
    assert "partner is down" in delivery.last_error
    assert delivery.next_attempt_at - delivery.last_attempt_at < timedelta(seconds=31)  # backoff from the retry
    make_due()
    events.deliver_due()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 4)  # two more, then gives up again


def test_a_new_event_pushes_its_queue_when_the_earlier_delivery_was_never_attempted(
        client_obj, customer, integration, test_plugin, django_capture_on_commit_callbacks):
    first, second = factories.TariffFactory.create_batch(2, client=client_obj)
    services.tariff_assign(customer=customer, tariff=first)  # its on-commit task was lost (broker down)
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=customer, tariff=second)
    assert set(EventDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    earlier, later = EventDelivery.objects.order_by("pk")
    assert [pk for _, _, pk in test_plugin.received] == [earlier.event_id, later.event_id]  # in order


def test_plugins_whose_hooks_converge_in_any_order_are_not_queued(client_obj, customer, basic_tariff):
    from tvmiddleware.plugins import ExternalSystemAPI, registry

    class Converging(ExternalSystemAPI):
        hooks_converge_in_any_order = True

        def on_tariff_assigned(self, event):
            pass

    registry.register("converging_plugin", Converging)
    try:
        factories.ExternalSystemFactory(client=client_obj, api_class="converging_plugin")
        services.tariff_assign(customer=customer, tariff=basic_tariff)
    finally:
        registry.unregister("converging_plugin")
    assert EventDelivery.objects.get().customer_id is None  # no ordering key: never waits
