"""Domain events: written with the change (outbox), delivered after commit, retried until done.

Flow: a service calls `emit(...)` inside its transaction. That writes a `DomainEvent` and one
`EventDelivery` per subscribed handler, and asks for delivery on commit (a Celery task, run
in-process where Celery is eager). A worker *claims* a delivery with a conditional UPDATE (a lease),
calls the handler outside any transaction, then records success or schedules a retry with
exponential backoff. A delivery recorded as delivered is never attempted again; a claim whose worker
died is taken over when its lease expires. `deliver_due_events` (Celery beat, the embedded scheduler,
or `manage.py deliver_events` from cron) picks up retries and anything whose on-commit task was lost.

Order. A partner must see one subscriber's changes in the order they happened: a stale
`tariff.removed` retried after a later `tariff.assigned` went through would close at the partner what
the middleware holds open. So deliveries to one handler of one customer's events form a queue: a
delivery is not attempted while an earlier one (lower id: events of a customer are written under
that customer's row lock, so ids follow commit order) with the same `customer_id` and `handler` is
still pending; when a delivery succeeds, the next one in its queue is attempted at once, and a new
event pushes its queue (an earlier delivery whose on-commit task was lost goes first). A delivery the
engine gave up on (failed) no longer holds its queue, so one broken event cannot stall a subscriber
for good. Handlers stay order-proof by sending the subscriber's current state rather than replaying
the transition (the REST billing does), which also makes an operator's late retry of a stale
delivery harmless. A plugin whose every hook re-derives the customer's whole state (the online
cinemas and the CAS do: `ExternalSystemAPI.hooks_converge_in_any_order`) needs no queue: its
deliveries carry no ordering key, so one failing change does not hold back the others.
"""
from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Callable, Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from .models import Client, DeliveryStatus, DomainEvent, EventDelivery, ExternalSystem
from .plugins import registry

logger = logging.getLogger(__name__)


class EventName(StrEnum):
    """Events the core emits, each with the plugin hook that receives it."""

    TARIFF_ASSIGNED = "tariff.assigned"
    TARIFF_REMOVED = "tariff.removed"
    ACCOUNT_STATUS_CHANGED = "account.status_changed"
    DEVICE_ADDED = "device.added"
    DEVICE_REMOVED = "device.removed"
    VIDEO_PURCHASED = "video.purchased"
    PURCHASE_REFUND_DUE = "purchase.refund_due"

    @property
    def hook(self) -> str:
        return EVENT_HOOKS[self]


EVENT_HOOKS: dict[EventName, str] = {
    EventName.TARIFF_ASSIGNED: "on_tariff_assigned",
    EventName.TARIFF_REMOVED: "on_tariff_removed",
    EventName.ACCOUNT_STATUS_CHANGED: "on_account_status_changed",
    EventName.DEVICE_ADDED: "on_device_added",
    EventName.DEVICE_REMOVED: "on_device_removed",
    EventName.VIDEO_PURCHASED: "on_video_purchased",
    EventName.PURCHASE_REFUND_DUE: "on_purchase_refund_due",
}

EXTERNAL_SYSTEM_PREFIX = "external_system:"

# --- application handlers (not tied to an ExternalSystem row, e.g. a CAS configured in settings) --

EventHandler = Callable[[DomainEvent], None]


@dataclass(frozen=True)
class AppHandler:
    name: str
    events: frozenset[str]
    func: EventHandler
    ordered: bool = True


_app_handlers: dict[str, AppHandler] = {}


def register_event_handler(name: str, events: Iterable[str], func: EventHandler, *, ordered: bool = True) -> None:
    """Subscribe an application function to events of every operator (call from `ready()`).
    `ordered=False` for a function that converges to the customer's current state whatever the order
    (its deliveries are then not queued per customer)."""
    _app_handlers[name] = AppHandler(name=name, events=frozenset(str(e) for e in events), func=func,
                                     ordered=ordered)


def unregister_event_handler(name: str) -> None:
    _app_handlers.pop(name, None)


# --- writing ---------------------------------------------------------------------------------------

def subscribed_handlers(client: Client, name: EventName) -> list[str]:
    """Handler names that want `name` events of this operator right now."""
    return list(_subscriptions(client, name))


def _subscriptions(client: Client, name: EventName) -> dict[str, bool]:
    """{handler name: whether its deliveries must apply in order} for `name` events of this operator."""
    handlers = {h.name: h.ordered for h in _app_handlers.values() if str(name) in h.events}
    for system_id, api_class in ExternalSystem.objects.for_client(client).filter(enabled=True).values_list(
        "id", "api_class"
    ):
        if api_class in registry and registry.get(api_class).handles(name.hook):
            plugin = registry.get(api_class)
            handlers[f"{EXTERNAL_SYSTEM_PREFIX}{system_id}"] = not plugin.hooks_converge_in_any_order
    return handlers


def emit(*, client: Client, name: EventName, payload: dict[str, Any], customer_id: int | None = None,
         only_external_system_id: int | None = None) -> DomainEvent:
    """Record an event in the current transaction; deliveries start after it commits.
    `only_external_system_id` addresses the event to that one integration (a task for it, such as a
    refund its billing owes), instead of every subscriber."""
    event = DomainEvent.objects.create(client=client, name=str(name), payload=payload, customer_id=customer_id)
    handlers = _subscriptions(client, name)
    if only_external_system_id is not None:
        only = f"{EXTERNAL_SYSTEM_PREFIX}{only_external_system_id}"
        handlers = {h: ordered for h, ordered in handlers.items() if h == only}
    if handlers:
        now = timezone.now()
        EventDelivery.objects.bulk_create([
            EventDelivery(client=client, event=event, handler=h, customer_id=customer_id if ordered else None,
                          next_attempt_at=now)
            for h, ordered in handlers.items()
        ])
        transaction.on_commit(lambda: _enqueue(event.pk))
    return event


def delivery_handlers(client: Client, name: EventName) -> dict[str, bool]:
    """For writers of events in bulk (the migration tools): the handlers `emit` would address, with
    whether each must apply in order."""
    return _subscriptions(client, name)


def enqueue_delivery(event_id: int) -> None:
    """For writers of events in bulk: start the deliveries of an event written with its rows, after the
    transaction commits (as `emit` does)."""
    _enqueue(event_id)


def _enqueue(event_id: int) -> None:
    from .tasks import deliver_event

    try:
        deliver_event.delay(event_id)
    except Exception:  # broker down: the periodic sweep delivers it later
        logger.warning("event %s: could not enqueue delivery; the periodic sweep will pick it up", event_id,
                       exc_info=True)


# --- delivering ------------------------------------------------------------------------------------

def backoff_seconds(attempts: int) -> int:
    """Delay before attempt `attempts + 1`: base · 2^(attempts-1), capped. `attempts` counts from the
    operator's last retry (a retry restarts the automatic schedule)."""
    base = settings.EVENT_DELIVERY_BACKOFF_BASE_SECONDS
    return min(base * (2 ** max(attempts - 1, 0)), settings.EVENT_DELIVERY_BACKOFF_MAX_SECONDS)


def _waiting_behind() -> Exists:
    """An earlier delivery of the same customer's events to the same handler is still pending."""
    return Exists(EventDelivery.objects.filter(
        handler=OuterRef("handler"), customer_id=OuterRef("customer_id"), pk__lt=OuterRef("pk"),
        status=DeliveryStatus.PENDING,
    ))


def _due(now: datetime) -> Q:
    """Pending, its time has come, nobody holds it, and nothing earlier in its queue is pending."""
    return (
        Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        & (Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        & ~Q(_waiting_behind())
    )


def blocked_by(delivery: EventDelivery) -> EventDelivery | None:
    """The earliest pending delivery this one waits for (same customer and handler), if any."""
    if delivery.customer_id is None:
        return None
    return EventDelivery.objects.filter(
        handler=delivery.handler, customer_id=delivery.customer_id, pk__lt=delivery.pk,
        status=DeliveryStatus.PENDING,
    ).order_by("pk").first()


def claim(delivery_id: int, now: datetime | None = None) -> bool:
    """Take a due delivery for this worker (atomic conditional UPDATE). False if someone else has it,
    it is not due, or an earlier delivery of its queue is still pending."""
    now = now or timezone.now()
    lease = now + timedelta(seconds=settings.EVENT_DELIVERY_LEASE_SECONDS)
    # One statement: the queue check (a subquery of the same table) is part of the conditional UPDATE.
    updated = EventDelivery.objects.filter(_due(now), pk=delivery_id).update(
        locked_until=lease, attempts=F("attempts") + 1, last_attempt_at=now
    )
    return updated == 1


def _resolve(delivery: EventDelivery) -> EventHandler:
    if delivery.handler.startswith(EXTERNAL_SYSTEM_PREFIX):
        system_id = int(delivery.handler[len(EXTERNAL_SYSTEM_PREFIX):])
        system = ExternalSystem.objects.filter(pk=system_id, client_id=delivery.client_id).first()
        if system is None:
            raise LookupError(f"integration #{system_id} no longer exists")
        if not system.enabled:
            raise LookupError(f"integration #{system_id} is disabled")
        hook = EVENT_HOOKS[EventName(delivery.event.name)]
        return getattr(system.get_api(), hook)
    app_handler = _app_handlers.get(delivery.handler)
    if app_handler is None:
        raise LookupError(f"handler {delivery.handler!r} is not installed")
    return app_handler.func


def attempt(delivery_id: int) -> bool | None:
    """Claim and run one delivery. True delivered, False failed (retry scheduled), None not claimed.
    After a success the deliveries queued behind it (same customer and handler) follow at once."""
    return _attempt_queue(delivery_id)[0]


def _attempt_queue(delivery_id: int) -> list[bool | None]:
    """Attempt the delivery, then, while they succeed, the ones queued behind it; their outcomes."""
    outcomes = [_attempt_one(delivery_id)]
    current: int | None = delivery_id
    while outcomes[-1]:
        current = _next_in_queue(current)
        if current is None:
            break
        outcomes.append(_attempt_one(current))
    return outcomes


def _attempt_one(delivery_id: int) -> bool | None:
    if not claim(delivery_id):
        return None
    delivery = EventDelivery.objects.select_related("event").get(pk=delivery_id)
    try:
        _resolve(delivery)(delivery.event)
    except Exception as exc:  # any handler failure is recorded and retried
        _record_failure(delivery, exc)
        return False
    now = timezone.now()
    EventDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.DELIVERED, delivered_at=now, locked_until=None, last_error=""
    )
    logger.info("event %s %s delivered to %s (attempt %s)", delivery.event_id, delivery.event.name,
                delivery.handler, delivery.attempts)
    return True


def _next_in_queue(delivery_id: int) -> int | None:
    """The due delivery that was queued behind this (just delivered) one, if any."""
    delivery = EventDelivery.objects.filter(pk=delivery_id).values("handler", "customer_id").first()
    if delivery is None or delivery["customer_id"] is None:
        return None
    return EventDelivery.objects.filter(
        handler=delivery["handler"], customer_id=delivery["customer_id"], pk__gt=delivery_id,
        status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now(),
    ).order_by("pk").values_list("pk", flat=True).first()


def _record_failure(delivery: EventDelivery, exc: Exception) -> None:
    now = timezone.now()
    error = f"{type(exc).__name__}: {exc}\n" + "".join(traceback.format_exception(exc)[-3:])
    since_retry = delivery.attempts - delivery.retried_at_attempt
    gave_up = since_retry >= settings.EVENT_DELIVERY_MAX_ATTEMPTS
    EventDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED if gave_up else DeliveryStatus.PENDING,
        next_attempt_at=now + timedelta(seconds=backoff_seconds(since_retry)),
        locked_until=None,
        last_error=error[-4000:],
    )
    logger.warning("event %s %s to %s failed (attempt %s%s): %s", delivery.event_id, delivery.event.name,
                   delivery.handler, delivery.attempts, ", giving up" if gave_up else "", exc)


def deliver_event(event_id: int) -> int:
    """Attempt every due delivery of one event; returns how many of them succeeded. A delivery queued
    behind an earlier one (same customer and handler) pushes its queue: the earliest of the queue is
    attempted if it is due (e.g. its own on-commit task was lost), and the rest follow in order."""
    pending = list(EventDelivery.objects.filter(event_id=event_id, status=DeliveryStatus.PENDING)
                   .order_by("pk").values_list("pk", "handler", "customer_id"))
    for pk, handler, customer_id in pending:
        head = pk
        if customer_id is not None:
            head = EventDelivery.objects.filter(
                handler=handler, customer_id=customer_id, pk__lte=pk, status=DeliveryStatus.PENDING,
            ).order_by("pk").values_list("pk", flat=True).first() or pk
        _attempt_queue(head)
    return EventDelivery.objects.filter(pk__in=[row[0] for row in pending], status=DeliveryStatus.DELIVERED).count()


def deliver_due(limit: int = 500) -> dict[str, int]:
    """Attempt deliveries that are due (oldest first). Returns counters."""
    ids = list(
        EventDelivery.objects.filter(_due(timezone.now())).order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts = {"delivered": 0, "failed": 0, "skipped": 0}
    for pk in ids:
        for outcome in _attempt_queue(pk):  # with the deliveries that followed it in its queue
            counts["skipped" if outcome is None else "delivered" if outcome else "failed"] += 1
    return counts


def retry(deliveries: Iterable[EventDelivery], *, deliver_now: bool = False) -> int:
    """Operator's retry: make failed or waiting deliveries due now (delivered ones stay delivered).

    The history stays: `attempts` keeps counting and `last_error` shows until a delivery succeeds;
    the automatic retries restart from here (`retried_at_attempt`), so a delivery that had given up
    gets a fresh series. With `deliver_now` the deliveries are handed to delivery after commit (a
    Celery task; in the embedded mode that runs at once, in this process) instead of waiting for the
    next sweep. A delivery claimed by a running attempt is left to that attempt.
    """
    ids = [d.pk for d in deliveries]
    now = timezone.now()
    rows = EventDelivery.objects.filter(pk__in=ids).exclude(status=DeliveryStatus.DELIVERED).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now))
    event_ids = sorted(set(rows.values_list("event_id", flat=True)))
    count = rows.update(status=DeliveryStatus.PENDING, next_attempt_at=now, locked_until=None,
                        retried_at_attempt=F("attempts"))
    if deliver_now:
        for event_id in event_ids:
            transaction.on_commit(lambda event_id=event_id: _enqueue(event_id))
    return count
