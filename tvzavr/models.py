"""What the middleware last learned from tvzavr about each customer's subscription.

tvzavr subscriptions run for a paid-until date that the middleware extends while the customer holds
the SVOD tariff (see `tvzavr.renewals`). This local record lets the periodic run ask tvzavr only
about subscriptions that are near their end, instead of about every subscriber.
"""
from __future__ import annotations

from django.db import models

from tvmiddleware.models import TenantModel


class TvzavrSubscription(TenantModel):
    """tvzavr's answer for one customer of one tvzavr integration (deprecated: service closed)."""

    external_system = models.ForeignKey("tvmiddleware.ExternalSystem", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey("tvmiddleware.Customer", on_delete=models.CASCADE, related_name="+")
    active = models.BooleanField(default=False)
    paid_until = models.DateTimeField(null=True, blank=True, help_text="Paid-until date at tvzavr.")
    checked_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "tvzavr subscription (deprecated: service closed)"
        constraints = [
            models.UniqueConstraint(fields=["external_system", "customer"], name="tvzavrsubscription_unique"),
        ]
        indexes = [models.Index(fields=["external_system", "active", "paid_until"])]

    def __str__(self) -> str:
        return f"{self.customer_id} at tvzavr: {'active' if self.active else 'inactive'}"
