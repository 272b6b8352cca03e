"""What subscribers change themselves in the apps: profiles, interface templates, password resets and
the operator's settings for that self-service (how codes and passwords reach the subscriber)."""
from __future__ import annotations

from django.db import models
from django.db.models import Q

from .base import TenantModel


class AccountProfile(TenantModel):
    """The viewer profile of an account: the name the subscriber gave it and its kind (a `ProfileType`
    of the operator; a kind the operator has since deleted counts as none: the operator's default)."""

    account = models.OneToOneField("tvmiddleware.Account", on_delete=models.CASCADE, related_name="profile")
    # The id of a ProfileType, checked against the operator's kinds when written. Not a foreign key:
    # this table's migration (0017) precedes the one that creates ProfileType (0018).
    profile_type_id = models.PositiveBigIntegerField("profile type", null=True, blank=True)
    name = models.CharField(max_length=100, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name or str(self.account_id)


class InterfaceTemplate(TenantModel):
    """An app interface (skin) the operator offers; a subscriber picks one (`account/settings/modify`)
    and the login answer's `template` names it."""

    name = models.CharField(max_length=100)
    system_name = models.CharField(max_length=64, help_text="What apps receive as the account's `template`.")
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["client", "system_name"], name="interfacetemplate_unique_name",
                                               violation_error_message="A template with this system name exists.")]

    def __str__(self) -> str:
        return self.name


class NotifyChannel(models.TextChoices):
    """How a message for a subscriber (a verification code, a new password) is delivered."""

    CONSOLE = "console", "Console of the server (development: nothing reaches the subscriber)"
    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"


class SelfServiceSettings(TenantModel):
    """The operator's settings for what subscribers do themselves in the apps (one row per operator;
    an operator without one has the defaults)."""

    reset_password_channel = models.CharField(
        "password reset delivery", max_length=16, choices=NotifyChannel.choices, default=NotifyChannel.CONSOLE,
        help_text="How account/reset_password sends the verification code and the new password: by e-mail "
                  "(to the customer's address), by SMS (to the mobile number), or only to the server's console.")
    code_ttl_minutes = models.PositiveIntegerField(
        "verification code lifetime (minutes)", default=15,
        help_text="A verification code (password reset, phone change) expires after this.")
    confirm_phone_change = models.BooleanField(
        "confirm a new mobile number", default=False,
        help_text="customer/info/set sends a code by SMS to a new mobile number and keeps it only once the "
                  "subscriber types the code back.")
    pin_sms_interval_seconds = models.PositiveIntegerField(
        "seconds between PIN SMS", default=60,
        help_text="account/send_parent_code_by_sms: at most one SMS per account within this many seconds.")
    pin_sms_per_day = models.PositiveIntegerField(
        "PIN SMS per day", default=5, help_text="account/send_parent_code_by_sms: at most this many per account a day.")
    export_to_client_ids = models.CharField(
        "operators that may take over accounts", max_length=255, blank=True, default="",
        help_text="Client ids, comma separated: their subscribers may move an account of yours to them "
                  "(account/export, with the account's login and password). Empty: nobody.")

    class Meta:
        verbose_name = "self-service settings"
        verbose_name_plural = "self-service settings"
        constraints = [models.UniqueConstraint(fields=["client"], name="selfservicesettings_one_per_client")]

    def __str__(self) -> str:
        return "Self-service settings"

    def export_targets(self) -> set[int]:
        return {int(part) for part in self.export_to_client_ids.replace(",", " ").split()
                if part.isascii() and part.isdigit() and len(part) < 19}


class CodePurpose(models.TextChoices):
    RESET_PASSWORD = "reset_password", "Password reset"
    PHONE_CHANGE = "phone_change", "Mobile number change"


class VerificationCode(TenantModel):
    """A one-time code sent to a subscriber, stored hashed; it is used once, expires, and is spent
    after a few wrong guesses."""

    customer = models.ForeignKey("tvmiddleware.Customer", on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=32, choices=CodePurpose.choices)
    target = models.CharField(max_length=254, help_text="The address or number the code was sent to.")
    code_hash = models.CharField(max_length=256)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["client", "purpose", "target"], name="verificationcode_lookup")]
        constraints = [models.CheckConstraint(condition=~Q(code_hash=""), name="verificationcode_hashed")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} → {self.target}"
