"""Domain events: written with the change (outbox), delivered after commit, retried until done.

Flow: a service calls `emit(...)` inside its transaction. That writes a `DomainEvent` and one
`EventDelivery` per subscribed handler, and asks for delivery on commit (a Celery task, run
in-process where Celery is eager). A worker *claims* a delivery with a conditional UPDATE (a lease),
calls the handler outside any transaction, then records success or schedules a retry with
exponential backoff. A delivery recorded as delivered is never attempted again; a claim whose worker
died is taken over when its lease expires. `deliver_due_events` (Celery beat, or
`manage.py deliver_events` from cron) picks up retries and anything whose on-commit task was lost.
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
from django.db.models import Q
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


_app_handlers: dict[str, AppHandler] = {}


def register_event_handler(name: str, events: Iterable[str], func: EventHandler) -> None:
    """Subscribe an application function to events of every operator (call from `ready()`)."""
    _app_handlers[name] = AppHandler(name=name, events=frozenset(str(e) for e in events), func=func)


def unregister_event_handler(name: str) -> None:
    _app_handlers.pop(name, None)


# --- writing ---------------------------------------------------------------------------------------

def subscribed_handlers(client: Client, name: EventName) -> list[str]:
    """Handler names that want `name` events of this operator right now."""
    handlers = [h.name for h in _app_handlers.values() if str(name) in h.events]
    for system_id, api_class in ExternalSystem.objects.for_client(client).filter(enabled=True).values_list(
        "id", "api_class"
    ):
        if api_class in registry and registry.get(api_class).handles(name.hook):
            handlers.append(f"{EXTERNAL_SYSTEM_PREFIX}{system_id}")
    return handlers


def emit(*, client: Client, name: EventName, payload: dict[str, Any], customer_id: int | None = None,
         only_external_system_id: int | None = None) -> DomainEvent:
    """Record an event in the current transaction; deliveries start after it commits.
    `only_external_system_id` addresses the event to that one integration (a task for it, such as a
    refund its billing owes), instead of every subscriber."""
    event = DomainEvent.objects.create(client=client, name=str(name), payload=payload, customer_id=customer_id)
    handlers = subscribed_handlers(client, name)
    if only_external_system_id is not None:
        handlers = [h for h in handlers if h == f"{EXTERNAL_SYSTEM_PREFIX}{only_external_system_id}"]
    if handlers:
        now = timezone.now()
        EventDelivery.objects.bulk_create(
            [EventDelivery(client=client, event=event, handler=h, next_attempt_at=now) for h in handlers]
        )
        transaction.on_commit(lambda: _enqueue(event.pk))
    return event


def _enqueue(event_id: int) -> None:
    from .tasks import deliver_event

    try:
        deliver_event.delay(event_id)
    except Exception:  # broker down: the periodic sweep delivers it later
        logger.warning("event %s: could not enqueue delivery; the periodic sweep will pick it up", event_id,
                       exc_info=True)


# --- delivering ------------------------------------------------------------------------------------

def backoff_seconds(attempts: int) -> int:
    """Delay before attempt `attempts + 1`: base · 2^(attempts-1), capped."""
    base = settings.EVENT_DELIVERY_BACKOFF_BASE_SECONDS
    return min(base * (2 ** max(attempts - 1, 0)), settings.EVENT_DELIVERY_BACKOFF_MAX_SECONDS)


def _due(now: datetime) -> Q:
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) & (
        Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    )


def claim(delivery_id: int, now: datetime | None = None) -> bool:
    """Take a due delivery for this worker (atomic conditional UPDATE). False if someone else has it."""
    from django.db.models import F

    now = now or timezone.now()
    lease = now + timedelta(seconds=settings.EVENT_DELIVERY_LEASE_SECONDS)
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
    """Claim and run one delivery. True delivered, False failed (retry scheduled), None not claimed."""
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


def _record_failure(delivery: EventDelivery, exc: Exception) -> None:
    now = timezone.now()
    error = f"{type(exc).__name__}: {exc}\n" + "".join(traceback.format_exception(exc)[-3:])
    gave_up = delivery.attempts >= settings.EVENT_DELIVERY_MAX_ATTEMPTS
    EventDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED if gave_up else DeliveryStatus.PENDING,
        next_attempt_at=now + timedelta(seconds=backoff_seconds(delivery.attempts)),
        locked_until=None,
        last_error=error[-4000:],
    )
    logger.warning("event %s %s to %s failed (attempt %s%s): %s", delivery.event_id, delivery.event.name,
                   delivery.handler, delivery.attempts, ", giving up" if gave_up else "", exc)


def deliver_event(event_id: int) -> int:
    """Attempt every due delivery of one event; returns how many succeeded."""
    ids = EventDelivery.objects.filter(_due(timezone.now()), event_id=event_id).values_list("pk", flat=True)
    return sum(1 for pk in list(ids) if attempt(pk))


def deliver_due(limit: int = 500) -> dict[str, int]:
    """Attempt deliveries that are due (oldest first). Returns counters."""
    ids = list(
        EventDelivery.objects.filter(_due(timezone.now())).order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts = {"delivered": 0, "failed": 0, "skipped": 0}
    for pk in ids:
        outcome = attempt(pk)
        counts["skipped" if outcome is None else "delivered" if outcome else "failed"] += 1
    return counts


def retry(deliveries: Iterable[EventDelivery]) -> int:
    """Operator's retry: make failed or waiting deliveries due now (delivered ones stay delivered)."""
    ids = [d.pk for d in deliveries]
    return EventDelivery.objects.filter(pk__in=ids).exclude(status=DeliveryStatus.DELIVERED).update(
        status=DeliveryStatus.PENDING, next_attempt_at=timezone.now(), attempts=0, locked_until=None
    )
