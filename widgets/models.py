"""A widget an operator embeds on their site: its type, where it may be framed, its own settings."""
from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from tvmiddleware.models.base import TenantModel, Timestamped


def generate_public_id() -> str:
    """The id in the embed code: 128 random bits, URL-safe (it alone names the widget and its operator)."""
    return secrets.token_urlsafe(16)


class WidgetType(models.TextChoices):
    CHANNEL_LIST = "channel_list", _("Channel list")
    TV_GUIDE = "tv_guide", _("TV guide")
    REGISTRATION = "registration", _("Registration")
    PERSONAL_ACCOUNT = "personal_account", _("Personal account")
    PAYMENT_FORM = "payment_form", _("Payment form")


# The types served and offered in the panel.
BUILT_TYPES = (WidgetType.CHANNEL_LIST, WidgetType.TV_GUIDE, WidgetType.PAYMENT_FORM,
               WidgetType.PERSONAL_ACCOUNT, WidgetType.REGISTRATION)
# The types with forms (posted back to their page, under the widget's form protection: widgets/security.py).
FORM_TYPES = (WidgetType.REGISTRATION, WidgetType.PERSONAL_ACCOUNT, WidgetType.PAYMENT_FORM)


class Widget(TenantModel, Timestamped):
    """One embeddable widget of an operator.

    `public_id` is the id of the embed code: random, unique, never the primary key. `allowed_hostnames`
    (one per line) are the sites that may frame it (`Content-Security-Policy: frame-ancestors`).
    `settings` holds the type's own options, validated per type (`widgets.services.clean_settings`).
    """

    public_id = models.CharField(max_length=32, unique=True, default=generate_public_id, editable=False)
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=32, choices=WidgetType.choices, default=WidgetType.CHANNEL_LIST)
    allowed_hostnames = models.TextField(
        help_text="Sites that may embed the widget, one per line: example.com, *.example.com, "
                  "or example.com:8443 for one port (without a port, any port).")
    css_url = models.URLField("external CSS URL", max_length=500, blank=True, default="",
                              help_text="An https (or http) style sheet loaded after the widget's own.")
    enabled = models.BooleanField(default=True)
    settings = models.JSONField(default=dict, blank=True, help_text="The type's own settings (see docs/widgets.md).")

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def hostnames(self) -> list[str]:
        return [line.strip().lower() for line in self.allowed_hostnames.replace(",", "\n").splitlines()
                if line.strip()]

    def clean(self) -> None:
        from .services import clean_widget

        clean_widget(self)


class WidgetSession(TenantModel):
    """A subscriber logged in through a widget (the personal account; registration opens one too).

    The session's key travels in the framed page's URL and forms (`ws`), so it works where the browser
    blocks cookies inside a cross-site frame; over HTTPS a partitioned cookie carries it as well
    (docs/widgets.md). Only the key's SHA-256 is stored. A session ends after `IDLE_SECONDS` without a
    request, at `expires_at` in any case, or when the visitor logs out.
    """

    IDLE_SECONDS = 30 * 60
    LIFETIME_SECONDS = 12 * 3600

    widget = models.ForeignKey(Widget, on_delete=models.CASCADE, related_name="sessions")
    account = models.ForeignKey("tvmiddleware.Account", on_delete=models.CASCADE, related_name="+")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.widget} / {self.account}"


class RegistrationCode(TenantModel):
    """A sign-up through a registration widget waiting for its confirmation code (widgets/registration.py).

    The visitor's page holds `public_id` (signed, in a hidden field, so no cookie is needed); the code is
    kept only as an HMAC keyed with SECRET_KEY. It is used once, expires at `expires_at`, and dies after
    a few wrong tries (`attempts`, counted before each check). No password is kept here: the visitor
    chooses it with the code.
    """

    widget = models.ForeignKey(Widget, on_delete=models.CASCADE, related_name="registration_codes")
    public_id = models.CharField(max_length=32, unique=True, default=generate_public_id, editable=False)
    kind = models.CharField(max_length=8, choices=[("email", "E-mail"), ("phone", "Mobile number")])
    target = models.CharField(max_length=254, help_text="The e-mail address or mobile number the code went to.")
    firstname = models.CharField(max_length=100, blank=True, default="")
    code_hash = models.CharField(max_length=64)
    attempts = models.PositiveIntegerField(default=0)
    sends = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["client", "target"], name="registrationcode_target")]

    def __str__(self) -> str:
        return f"{self.widget} / {self.kind}"
