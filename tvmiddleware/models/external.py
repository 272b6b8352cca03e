"""Integrations with external systems ("General settings → API integration with external systems")."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from .base import TenantModel, Timestamped


def validate_api_class(value: str) -> None:
    from tvmiddleware.plugins import registry

    if value not in registry:
        known = ", ".join(registry.names()) or "none installed"
        raise ValidationError(f"Unknown API class {value!r}. Installed: {known}.")


class ExternalSystem(TenantModel, Timestamped):
    """One configured integration: an API class from the plugin registry plus its settings.

    `attributes` are free key/value pairs handed to the plugin (keys, partner ids, endpoints).
    `tariff` is the tariff that opens the system's catalogue. At most one enabled system per
    operator is the default for billing.
    """

    name = models.CharField(max_length=200)
    api_class = models.CharField(max_length=100, validators=[validate_api_class],
                                 help_text="Plugin that talks to the system.")
    enabled = models.BooleanField(default=True)
    is_default_for_billing = models.BooleanField("default for billing", default=False)
    tariff = models.ForeignKey("tvmiddleware.Tariff", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", help_text="Tariff that opens this system's catalogue.")

    class Meta:
        ordering = ["name"]
        verbose_name = "API integration with external system"
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(is_default_for_billing=True),
                name="externalsystem_one_default_billing",
                violation_error_message="Another integration is already the default for billing.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.api_class})"

    def attribute_map(self) -> dict[str, str]:
        return {attr.key: attr.value for attr in self.attributes.all()}

    def get_api(self):
        """The plugin instance for this configuration."""
        from tvmiddleware.plugins import registry

        return registry.get(self.api_class)(self)


class ExternalSystemAttribute(TenantModel):
    external_system = models.ForeignKey(ExternalSystem, on_delete=models.CASCADE, related_name="attributes")
    key = models.CharField(max_length=100)
    value = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(fields=["external_system", "key"], name="externalsystemattribute_unique_key"),
        ]

    def __str__(self) -> str:
        return self.key
