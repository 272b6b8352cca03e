"""Operators (clients) and the staff who work for them."""
from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models


def generate_api_key() -> str:
    return secrets.token_hex(16)


class BillingMode(models.TextChoices):
    """How the built-in billing treats the operator's accounts (run by `check_accounts`)."""

    DATES = "dates", "I: activation/deactivation dates only"
    PERIODIC = "periodic", "II: periodic charging of tariffs from the balance"
    OFF = "off", "III: off (an external billing decides)"


class Client(models.Model):
    """An operator: the tenant that owns every other row.

    Holds the secrets its systems authenticate with: the device `api_key` that apps send with
    `client_id`, and separate keys that sign Billing, Content and Streaming API requests.
    """

    name = models.CharField(max_length=200)
    api_key = models.CharField("device API key", max_length=64, default=generate_api_key)
    billing_api_key = models.CharField("Billing API key", max_length=64, default=generate_api_key)
    content_api_key = models.CharField("Content API key", max_length=64, default=generate_api_key)
    streaming_api_key = models.CharField("Streaming API key", max_length=64, default=generate_api_key)
    currency = models.CharField(max_length=3, default="RUB")
    billing_mode = models.CharField(max_length=16, choices=BillingMode.choices, default=BillingMode.DATES)
    enabled = models.BooleanField(default=True)
    next_abonement = models.BigIntegerField(default=100000, editable=False,
                                            help_text="Next generated account number.")
    login_failures_per_ip = models.PositiveIntegerField(
        "failed logins per IP address", null=True, blank=True,
        help_text="Failed device logins from one IP address within the window before that address is refused "
                  "(error 28). Empty: the site default (TVMIDDLEWARE_LOGIN_FAILURES_PER_IP, 30). 0: no per-IP "
                  "limit. Subscribers behind carrier NAT share an address: raise it or set 0 there; the "
                  "per-abonement limit still stops guessing one account's password.")
    max_reminders = models.PositiveIntegerField(
        "programme reminders per account", default=100,
        help_text="How many programme reminders (notification/create) one account keeps; a new one beyond "
                  "that replaces the reminder of the earliest programme.")
    additional_languages = models.CharField(
        max_length=100, blank=True, default="",
        help_text="Language codes of the localized texts, comma-separated, in order: the first names "
                  "name_lang1, description_lang1..., up to five (e.g. en,uz). Apps ask for one with `lang`.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class OperatorProfile(models.Model):
    """Ties a staff user of the operator panel to the one client whose rows they may see and change."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="operator_profile"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="staff")

    class Meta:
        verbose_name = "operator staff membership"

    def __str__(self) -> str:
        return f"{self.user} @ {self.client}"
