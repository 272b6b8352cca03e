"""Domain events (the outbox) and their deliveries to partners, for watching and retrying."""
from __future__ import annotations

import json

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.text import Truncator

from tvmiddleware import events
from tvmiddleware.models import DeliveryStatus, DomainEvent, EventDelivery

from .base import ReadOnlyAdminMixin, TenantAdmin, TenantTabularInline

DELIVERY_COLUMNS = ["handler", "status", "attempts", "short_error", "next_attempt_at", "last_attempt_at",
                    "delivered_at"]


class DeliveryColumnsMixin:
    @admin.display(description="last error")
    def short_error(self, obj: EventDelivery) -> str:
        return Truncator(obj.last_error.splitlines()[0] if obj.last_error else "").chars(120)


class EventDeliveryInline(DeliveryColumnsMixin, ReadOnlyAdminMixin, TenantTabularInline):
    model = EventDelivery
    fields = DELIVERY_COLUMNS
    readonly_fields = ["short_error"]
    show_change_link = True


@admin.register(DomainEvent)
class DomainEventAdmin(ReadOnlyAdminMixin, TenantAdmin):
    """What happened (tariff assigned, account blocked, device added...) and who was told."""

    list_display = ["id", "name", "customer_id", "created_at"]
    list_filter = ["name"]
    search_fields = ["name", "customer_id__exact"]
    date_hierarchy = "created_at"
    readonly_fields = ["payload_pretty"]
    fields = ["name", "customer_id", "created_at", "payload_pretty"]
    inlines = [EventDeliveryInline]

    @admin.display(description="payload")
    def payload_pretty(self, obj: DomainEvent) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, ensure_ascii=False, sort_keys=True))


@admin.register(EventDelivery)
class EventDeliveryAdmin(DeliveryColumnsMixin, ReadOnlyAdminMixin, TenantAdmin):
    """Deliveries of events to handlers. Failed ones can be retried once the partner is back.

    Retrying makes the deliveries due again and hands their events to delivery at once
    (`tvmiddleware.events.retry`): a Celery worker takes them where one runs, and in the embedded mode
    (tasks run in-process) they are attempted before the page answers. The history stays: the attempt
    counter keeps counting and the last error stays until a delivery succeeds. A delivery still
    waiting behind an earlier one of the same subscriber to the same partner goes right after it.
    """

    list_display = ["id", "event", *DELIVERY_COLUMNS]
    list_filter = ["status", "handler"]
    list_select_related = ["event"]
    search_fields = ["handler", "event__name", "event__id__exact"]
    date_hierarchy = "next_attempt_at"
    fields = ["event", "handler", "status", "attempts", "next_attempt_at", "last_attempt_at", "delivered_at",
              "locked_until", "waiting_for", "last_error"]
    readonly_fields = ["waiting_for"]
    actions = ["retry_deliveries"]

    @admin.display(description="waiting for")
    def waiting_for(self, obj: EventDelivery) -> str:
        """The earlier delivery (same subscriber, same partner) this one is queued behind."""
        if obj.status != DeliveryStatus.PENDING:
            return ""
        earlier = events.blocked_by(obj)
        return f"#{earlier.pk} ({earlier.event.name})" if earlier else ""

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("tvmiddleware.change_eventdelivery")

    @admin.action(description="Retry selected deliveries", permissions=["retry"])
    def retry_deliveries(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = events.retry(queryset, deliver_now=True)
        self.message_user(
            request, f"{count} deliveries are due again and were handed to delivery (delivered ones are "
                     "never repeated; the list shows the outcome).", messages.SUCCESS,
        )
