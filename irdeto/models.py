"""What the Irdeto integration keeps beside the core.

- `CasProduct`: which CAS product a tariff grants on devices of one type (the operator edits it).
- `CasSubscriber`: a customer known to the CAS of one integration, and how its last sync went.
"""
from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models

from tvmiddleware.models import TenantModel

product_id_validator = RegexValidator(r"^[A-Za-z0-9_.:\-]{1,64}$",
                                      "Letters, digits, '_', '.', ':' and '-' only (the CAS product id).")


class CasProduct(TenantModel):
    """A tariff grants CAS product `product_id` on the customer's devices of `device_type`.

    Devices whose type has at least one product mapped are the ones paired with the CAS. A change
    here reaches customers at their next change or at the next `irdeto_resync`.
    """

    tariff = models.ForeignKey("tvmiddleware.Tariff", on_delete=models.CASCADE, related_name="irdeto_products")
    device_type = models.ForeignKey("tvmiddleware.DeviceType", on_delete=models.CASCADE, related_name="+")
    product_id = models.CharField("CAS product id", max_length=64, validators=[product_id_validator])
    comment = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["tariff", "device_type", "product_id"]
        verbose_name = "Irdeto CAS product of a tariff"
        verbose_name_plural = "Irdeto CAS products of tariffs"
        constraints = [
            models.UniqueConstraint(fields=["client", "tariff", "device_type", "product_id"],
                                    name="irdeto_casproduct_unique",
                                    violation_error_message="This tariff already grants this product on this "
                                                            "device type."),
        ]

    def __str__(self) -> str:
        return f"{self.tariff} / {self.device_type} → {self.product_id}"


class CasSubscriber(TenantModel):
    """A customer as a subscriber of one Irdeto integration (`cas_customer_id` at the CAS), with the
    outcome of the last sync. The customer may be gone: its devices are then released at the CAS."""

    external_system = models.ForeignKey("tvmiddleware.ExternalSystem", on_delete=models.CASCADE,
                                        related_name="irdeto_subscribers")
    customer = models.ForeignKey("tvmiddleware.Customer", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    cas_customer_id = models.CharField("customer id at the CAS", max_length=128)
    last_synced_at = models.DateTimeField(null=True, blank=True, help_text="Last time the CAS matched.")
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    last_changes = models.TextField(blank=True, default="", help_text="What the last sync changed at the CAS.")
    devices = models.PositiveIntegerField(default=0, help_text="Devices paired at the last sync.")
    entitlements = models.PositiveIntegerField(default=0, help_text="Entitlements held at the last sync.")

    class Meta:
        ordering = ["-last_attempt_at", "-id"]
        verbose_name = "Irdeto CAS subscriber"
        constraints = [
            models.UniqueConstraint(fields=["external_system", "cas_customer_id"], name="irdeto_subscriber_unique"),
        ]

    def __str__(self) -> str:
        return self.cas_customer_id
