"""Logging in without typing a password, and what the operator tells a subscriber's devices.

- `QrLogin`: a TV shows a short code (and a QR code of it); a phone where the subscriber is logged in
  confirms it; the TV's next poll opens its session on that account.
- `DeviceCommand`: an instruction the operator sends a subscriber's device (reboot, reload, open a
  screen...), handed to the device once through account/status.
- `ProfileType`: the kinds of account profiles (adult, child...) the operator offers (profile/list).
- `OperatorCountry`, `CountryNetwork`: the countries an operator serves (country/list) and its IP
  networks by country and city (country/info).
"""
from __future__ import annotations

from django.db import models
from django.db.models import Q

from .base import TenantModel


class QrLogin(TenantModel):
    """One TV's request to be logged in by a phone: short-lived, single use, bound to its operator.

    The TV holds `connection_token` (stored as its SHA-256 only); the subscriber types or scans
    `login_code`. `account` is set when a logged-in phone confirms the code; `collected_at` when the
    TV has taken its session (after that the code is spent)."""

    token_hash = models.CharField(max_length=64, unique=True)
    session_key_hash = models.CharField(max_length=64, help_text="The hash of the TV's future session key.")
    login_code = models.CharField(max_length=16)
    device_uid = models.CharField(max_length=128)
    device_type = models.ForeignKey("tvmiddleware.DeviceType", on_delete=models.CASCADE, related_name="+")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    account = models.ForeignKey("tvmiddleware.Account", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+", help_text="The account whose phone confirmed the code.")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    collected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "QR login"
        indexes = [models.Index(fields=["client", "login_code"], name="qrlogin_code")]

    def __str__(self) -> str:
        return f"QR login of {self.device_uid}"


class DeviceCommandType(models.IntegerChoices):
    """`command.type` of account/status. The numbers are this project's (the reference names the
    field, not its values); apps map them to what they can do."""

    REBOOT = 1, "reboot the device"
    RELOAD = 2, "reload the app (portal)"
    MESSAGE = 3, "show the accompanying text"
    OPEN_LINK = 4, "open the deep link"
    UPDATE_APP = 5, "check for an app update"
    RESET_SETTINGS = 6, "reset the app's settings"


class DeviceCommand(TenantModel):
    """An instruction from the operator to one account's devices (or one device of it), handed out
    once: the first account/status call of a matching device takes it (`delivered_at`)."""

    account = models.ForeignKey("tvmiddleware.Account", on_delete=models.CASCADE, related_name="device_commands")
    device_uid = models.CharField(max_length=128, blank=True, default="",
                                  help_text="Only the device with this UID; empty: whichever of the account's "
                                            "devices asks first.")
    type = models.PositiveSmallIntegerField(choices=DeviceCommandType.choices)
    user_confirmation = models.BooleanField(default=False, help_text="The device asks the subscriber first.")
    deep_link = models.CharField(max_length=500, blank=True, default="")
    accompanying_text = models.TextField(blank=True, default="", help_text="Shown with the command.")
    image_url = models.URLField(max_length=500, blank=True, default="", help_text="Shown with the command.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150, blank=True, default="", editable=False)
    delivered_at = models.DateTimeField(null=True, blank=True, editable=False)
    delivered_to = models.CharField(max_length=128, blank=True, default="", editable=False,
                                    help_text="The device UID of the session that took it.")

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["account", "delivered_at"], name="devicecommand_pending")]

    def __str__(self) -> str:
        return f"{self.get_type_display()} for {self.account_id}"


class ProfileType(TenantModel):
    """A kind of account profile the operator offers (adult, child...): profile/list."""

    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")
    is_default = models.BooleanField(default=False, help_text="The profile a new account starts with.")
    show_adult_content = models.BooleanField(default=False)
    sort = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["client"], condition=Q(is_default=True), name="profiletype_one_default",
                                    violation_error_message="The operator already has a default profile type."),
        ]

    def __str__(self) -> str:
        return self.name


class OperatorCountry(TenantModel):
    """A country the operator serves (ISO 3166-1 alpha-2), in its order: country/list lists these
    when there are any, else every country."""

    code = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2, e.g. RU.")
    sort = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name_plural = "operator countries"
        constraints = [models.UniqueConstraint(fields=["client", "code"], name="operatorcountry_unique_code")]

    def __str__(self) -> str:
        return self.code


class CountryNetwork(TenantModel):
    """An IP network of the operator's subscribers in a country (and city): country/info answers the
    most specific network that holds the caller's address."""

    country = models.ForeignKey(OperatorCountry, on_delete=models.CASCADE, related_name="networks")
    network = models.CharField(max_length=64, help_text="An IPv4 or IPv6 network, e.g. 10.1.0.0/16.")
    city_name = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.network


class PhoneVerification(TenantModel):
    """A confirmation code sent by SMS to a phone number (login/customer_list): stored as a keyed hash,
    short-lived, a few tries, used once."""

    phone = models.CharField(max_length=32, help_text="Digits only, with the country code.")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["client", "phone", "-created_at"], name="phoneverification_phone")]

    def __str__(self) -> str:
        return f"code for ***{self.phone[-4:]}"
