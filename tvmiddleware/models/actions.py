"""What subscribers did themselves, and from where (the device API, a website widget)."""
from __future__ import annotations

from django.db import models

from .base import TenantModel


class ActionOrigin(models.TextChoices):
    DEVICE_API = "device_api", "Device API"
    WIDGET = "widget", "Website widget"


class SubscriberAction(TenantModel):
    """One action a subscriber took (signed up, logged in, took or dropped a tariff, created a login,
    changed their profile, started a payment), with its origin: the device API or a widget (which
    one), and the address it came from. Written by `tvmiddleware.services.actions.record` only while
    a request of those surfaces runs; the operator's own changes are not subscriber actions."""

    customer = models.ForeignKey("tvmiddleware.Customer", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="actions")
    account = models.ForeignKey("tvmiddleware.Account", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    action = models.CharField(max_length=40)
    origin = models.CharField(max_length=16, choices=ActionOrigin.choices)
    widget_id = models.CharField("widget", max_length=32, blank=True, default="",
                                 help_text="The public id of the widget the action came through.")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["client", "customer", "-created_at"], name="tvmw_action_customer")]

    def __str__(self) -> str:
        return f"{self.action} ({self.get_origin_display()})"
