"""Streaming servers and the URL masks the device API fills in."""
from __future__ import annotations

import re
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from .base import TenantModel

# Variables a URL mask may use (docs/streaming.md, "Stream services and URL masks").
URL_MASK_VARIABLES: dict[str, str] = {
    "token": "fresh one-time token for this account, content and (optionally) client IP",
    "prefix": "the channel's url_prefix (its stream name on the video server)",
    "cid": "channel id on the video server (id_for_stream_service, else our id)",
    "flpbt": "archive begin time, UTC unix seconds",
    "flpdur": "archive duration in seconds, or the word `now` for paused live TV",
    "file": "path of the video file (VOD)",
    "vid": "video id (VOD)",
}
VARIABLE_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def url_mask_help_text() -> str:
    return "Variables: " + "; ".join(f"${name} — {meaning}" for name, meaning in URL_MASK_VARIABLES.items())


def validate_url_mask(mask: str) -> None:
    unknown = sorted({name for name in VARIABLE_RE.findall(mask) if name not in URL_MASK_VARIABLES})
    if unknown:
        raise ValidationError(
            "Unknown variable(s) in URL mask: %(names)s. Known: %(known)s.",
            params={
                "names": ", ".join("$" + n for n in unknown),
                "known": ", ".join("$" + n for n in URL_MASK_VARIABLES),
            },
            code="unknown_variable",
        )


def url_mask_variables(mask: str) -> set[str]:
    return set(VARIABLE_RE.findall(mask))


def new_check_key() -> str:
    """A fresh, unguessable token check key (32 URL-safe characters, 192 random bits)."""
    return secrets.token_urlsafe(24)


validate_check_key = RegexValidator(
    r"^[A-Za-z0-9_-]{22,64}\Z", "A check key is 22 to 64 letters, digits, '-' or '_'.", code="invalid_check_key",
)


class StreamServiceType(models.TextChoices):
    LIVE = "live", "Live TV"
    ARCHIVE = "archive", "Archive (catch-up)"
    VOD = "vod", "VOD"


class StreamService(TenantModel):
    """A streaming server entry: which URLs to hand out for one kind of content, and token rules.

    Among enabled services of a type, lower `priority` numbers are tried first; apps fail over by
    calling again with `exclude_service_id`.
    """

    name = models.CharField(max_length=200)
    type = models.CharField(max_length=16, choices=StreamServiceType.choices, default=StreamServiceType.LIVE)
    url_mask = models.CharField(max_length=1000, validators=[validate_url_mask], help_text=url_mask_help_text())
    token_ttl = models.PositiveIntegerField(
        null=True, blank=True, help_text="Token lifetime in seconds; empty = TVMIDDLEWARE_STREAM_SERVICE_TOKEN_TTL."
    )
    check_ip = models.BooleanField(default=False, help_text="Tokens are valid only from the IP they were issued to.")
    priority = models.IntegerField(default=0, help_text="Lower is tried first.")
    enabled = models.BooleanField(default=True)
    check_key = models.CharField(
        max_length=64, default=new_check_key, db_index=True, validators=[validate_check_key],
        help_text="Secret part of this service's token check URL "
                  "(/tvmiddleware/api/streamservice/<key>/token/check/): that URL accepts only tokens "
                  "issued for this service. Give several of your services the same key when one "
                  "streaming server serves them all (e.g. live and archive on one Flussonic).",
    )

    class Meta:
        ordering = ["type", "priority", "id"]

    def clean(self) -> None:
        super().clean()
        # A shared key merges the services it names: never across operators, or one operator's
        # streamer would accept the other's tokens (the very thing the key prevents).
        if self.client_id is not None and self.check_key and StreamService.objects.filter(
                check_key=self.check_key).exclude(client_id=self.client_id).exists():
            raise ValidationError({"check_key": "This key cannot be used; generate a new one."})

    def __str__(self) -> str:
        return f"{self.name} ({self.get_type_display()})"
