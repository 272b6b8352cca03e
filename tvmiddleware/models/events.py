"""Domain events (the outbox) and their deliveries to subscribed handlers."""
from __future__ import annotations

from django.db import models

from .base import TenantModel


class DomainEvent(TenantModel):
    """Something other systems must hear about, written in the same transaction as the change.

    `name` is one of `tvmiddleware.events.EventName`; `payload` holds ids and a snapshot of what a
    handler needs even after the rows are gone (a removed device's UID, an old status).
    """

    name = models.CharField(max_length=64, db_index=True)
    payload = models.JSONField(default=dict)
    customer_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "domain event"

    def __str__(self) -> str:
        return f"#{self.pk} {self.name}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (gave up retrying)"


class EventDelivery(TenantModel):
    """One event for one handler: retried with backoff until it succeeds, never repeated after.

    `handler` names the subscriber: `external_system:<id>` for a configured integration, or the
    registered name of an application handler. `customer_id` is the ordering key: deliveries with
    the same key and handler apply in order, one waits while an earlier one is still pending (see
    `tvmiddleware.events`); it is empty for handlers whose hooks converge in any order, and for
    events without a customer. `attempts` counts every attempt ever made (an operator's retry
    keeps it); `retried_at_attempt` is where the operator's last retry found it, so the automatic
    retries (backoff, giving up) start afresh from there.
    """

    event = models.ForeignKey(DomainEvent, on_delete=models.CASCADE, related_name="deliveries")
    handler = models.CharField(max_length=128)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING,
                              db_index=True)
    customer_id = models.BigIntegerField(null=True, blank=True)  # the ordering key (the event's customer)
    attempts = models.PositiveIntegerField(default=0)
    retried_at_attempt = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "event deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "handler"], name="eventdelivery_unique_handler"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["handler", "customer_id", "status"], name="eventdelivery_order_key"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.handler} ({self.status})"
