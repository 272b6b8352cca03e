"""Device API sessions."""
from __future__ import annotations

import hashlib

from django.db import models

from .base import TenantModel


def hash_authkey(authkey: str) -> str:
    """Sessions are stored by the SHA-256 of their key: a database dump gives no usable authkeys."""
    return hashlib.sha256(authkey.encode("utf-8", "surrogatepass")).hexdigest()


class AuthKey(TenantModel):
    """A logged-in device: created by `login/`, named by the 128-hex `authkey` the app sends back."""

    key_hash = models.CharField(max_length=64, unique=True)
    account = models.ForeignKey("tvmiddleware.Account", on_delete=models.CASCADE, related_name="sessions")
    device = models.ForeignKey("tvmiddleware.AccountDevice", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="sessions")
    device_type = models.ForeignKey("tvmiddleware.DeviceType", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    device_uid = models.CharField(max_length=128, blank=True, default="")
    is_basic_device = models.BooleanField(default=False)
    external = models.BooleanField(default=False, help_text="Opened by login/ext for a system acting for the "
                                                            "subscriber: bound to no device, outside the session limit.")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True, default="")
    app_build_version = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "device session"
        indexes = [models.Index(fields=["account", "-last_seen_at"])]

    def __str__(self) -> str:
        return f"session of {self.account_id} on {self.device_uid or self.device_type_id}"
