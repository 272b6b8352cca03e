"""Maintenance windows: planned works on the video servers of some channels.

The operator's monitoring announces them through the Streaming API (`maintenance/create/`,
`maintenance/edit/`), naming channels by their stream prefix. While a window is on, the device API
hands out no URLs of those channels (live or archive): apps get error 1 with `error_message`
"maintenance" and `maintenance_until` (unix time the works end; null when the end is not known), so
they can show a notice instead of a broken stream.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from tvmiddleware.models import Channel, Client, MaintenanceWindow
from common.errors import Invalid, NotFound

MAX_PREFIXES = 500
MAINTENANCE_MESSAGE = "maintenance"


def parse_prefixes(text: str) -> list[str]:
    """Channel prefixes as the API passes them: comma separated, no spaces (tolerated anyway)."""
    prefixes = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not prefixes or len(prefixes) > MAX_PREFIXES:
        raise Invalid("Give 1 to 500 channel prefixes.", fields={"channel_prefix": "invalid"})
    return prefixes


def _channels(client: Client, prefixes: list[str]) -> list[Channel]:
    """Every channel of the operator streamed under these prefixes; each prefix must match one."""
    channels = list(Channel.objects.for_client(client).filter(url_prefix__in=prefixes))
    missing = sorted(set(prefixes) - {channel.url_prefix for channel in channels})
    if missing:
        raise NotFound("No channels with prefix(es): " + ", ".join(missing[:20]),
                       fields={"channel_prefix": "unknown: " + ", ".join(missing[:20])})
    return channels


def _check_times(starts_at: datetime, ends_at: datetime | None) -> None:
    if ends_at is not None and ends_at <= starts_at:
        raise Invalid("Maintenance ends after it begins.", fields={"datetime_end": "not after datetime_begin"})


@transaction.atomic
def maintenance_create(*, client: Client, prefixes: list[str], starts_at: datetime, ends_at: datetime | None = None,
                       comment: str = "") -> MaintenanceWindow:
    """Announce works on the channels streamed under `prefixes`, from `starts_at` until `ends_at`
    (until further notice when None)."""
    _check_times(starts_at, ends_at)
    channels = _channels(client, prefixes)
    window = MaintenanceWindow.objects.create(client=client, starts_at=starts_at, ends_at=ends_at, comment=comment)
    window.channels.set(channels)
    return window


@transaction.atomic
def maintenance_modify(*, window: MaintenanceWindow, prefixes: list[str] | None = None,
                       starts_at: datetime | None = None, ends_at: datetime | None = None,
                       comment: str | None = None) -> MaintenanceWindow:
    """Change what was given: the channels (replaced), the times, the comment."""
    window = MaintenanceWindow.objects.select_for_update().get(pk=window.pk)
    if starts_at is not None:
        window.starts_at = starts_at
    if ends_at is not None:
        window.ends_at = ends_at
    if comment is not None:
        window.comment = comment
    _check_times(window.starts_at, window.ends_at)
    channels = _channels(window.client, prefixes) if prefixes is not None else None
    window.save()
    if channels is not None:
        window.channels.set(channels)
    return window


@dataclass(frozen=True)
class Maintenance:
    """A channel is under maintenance; `until` is when the last window on it ends (None: not known)."""

    until: datetime | None


def channel_maintenance(*, channel: Channel, now: datetime | None = None) -> Maintenance | None:
    """Is the channel under maintenance now? One indexed query."""
    now = now or timezone.now()
    row = (MaintenanceWindow.objects.for_client(channel.client_id)
           .filter(channels=channel, starts_at__lte=now)
           .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
           .aggregate(windows=Max("id"), until=Max("ends_at"),
                      open_ended=Max("id", filter=Q(ends_at__isnull=True))))
    if row["windows"] is None:
        return None
    return Maintenance(until=None if row["open_ended"] is not None else row["until"])
