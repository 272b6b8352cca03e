"""Reads behind the widgets: the widget named by its public id, the channel list and the guide.

Each page reads a fixed number of queries whatever the number of tariffs, channels or programmes: the
widget (1), the channel list's tariffs and their channels (2), the guide's channels (1) and its
programmes from the process's guide cache (`tvmiddleware.selectors.guide_cache`: at most 1 when cold).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Iterable

from django.core.files.storage import default_storage
from django.db.models import F, QuerySet
from django.utils import timezone

from tvmiddleware.models import Client, Tariff
from tvmiddleware.selectors.channels import is_in_archive, visible_channels
from tvmiddleware.selectors.guide_cache import programmes_by_channel

from .models import Widget

CHANNEL_FIELDS = ("id", "name", "icon", "lcn_number", "epg_channel_id", "max_archive_duration")


def widget_for_public_id(public_id: str) -> Widget | None:
    """The widget its embed code names (with its operator), or None. Disabled ones too: the view says why."""
    if not public_id or len(public_id) > 32:
        return None
    return Widget.objects.select_related("client").filter(public_id=public_id).first()


def logo_url(icon: str) -> str:
    return default_storage.url(icon) if icon else ""


def _channel(row: dict[str, Any]) -> dict[str, Any]:
    words = (row["name"] or "?").split() or ["?"]
    initials = "".join(word[0] for word in words[:2]) if len(words) > 1 else words[0][:2]
    return {**row, "logo": logo_url(row["icon"]), "initials": initials}


# --- channel list ----------------------------------------------------------------------------------

@dataclass
class TariffGroup:
    id: int
    name: str
    description: str
    channels: list[dict[str, Any]] = field(default_factory=list)


def site_tariffs(*, client: Client) -> QuerySet[Tariff]:
    """The operator's tariffs flagged for the site (Billing API `display_in_channels_widget`), offered ones."""
    return (Tariff.objects.for_client(client)
            .filter(enabled=True, hidden=False, display_in_channels_widget=True)
            .order_by("-basic_tariff_priority", "name", "id"))


def channel_groups(*, client: Client) -> list[TariffGroup]:
    """The site tariffs with their visible channels (by the operator's order), tariffs without any left out.
    Two queries."""
    groups = {row["id"]: TariffGroup(**row) for row in site_tariffs(client=client).values("id", "name", "description")}
    if not groups:
        return []
    rows = (visible_channels(client=client).filter(tariffs__in=list(groups))
            .annotate(tariff_id=F("tariffs__id")).order_by("sort", "name", "id")
            .values("tariff_id", *CHANNEL_FIELDS))
    for row in rows:
        groups[row.pop("tariff_id")].channels.append(_channel(row))
    return [group for group in groups.values() if group.channels]


# --- TV guide ----------------------------------------------------------------------------------------

def guide_tariff_ids(*, client: Client, requested: Iterable[int] | None) -> QuerySet[Tariff]:
    """The tariffs whose channels the guide shows: the requested ones of this operator (enabled), or by
    default every periodic tariff (charged by period) the operator offers."""
    tariffs = Tariff.objects.for_client(client).filter(enabled=True)
    if requested:
        return tariffs.filter(pk__in=sorted(set(requested))).values("id")
    return tariffs.filter(period__gt=0, hidden=False).values("id")


def guide_channels(*, client: Client, tariff_ids: Iterable[int] | None) -> list[dict[str, Any]]:
    """Visible channels of the guide's tariffs, each once, by the operator's order. One query."""
    return list(visible_channels(client=client)
                .filter(tariffs__in=guide_tariff_ids(client=client, requested=tariff_ids))
                .distinct().order_by("sort", "name", "id").values(*CHANNEL_FIELDS))


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The day's start and end in the server's time zone (TIME_ZONE)."""
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), zone)
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), zone)
    return start, end


def guide_day(*, client: Client, channels: list[dict[str, Any]], day: date, now: datetime) -> list[dict[str, Any]]:
    """Each channel with its programmes of `day`: `on_air` (now), `next` (the first after now on that
    channel) and `catchup` (in the channel's archive window) marked. From the guide cache."""
    start, end = day_bounds(day)
    programmes = programmes_by_channel(client_id=client.pk, epg_channel_ids=[c["epg_channel_id"] for c in channels],
                                       time_from=start, time_to=end)
    result = []
    for channel in channels:
        items, next_marked = [], not start <= now < end  # "next" only on the day that holds now
        for row in programmes.get(channel["epg_channel_id"], ()):
            on_air = row["begin_time"] <= now < row["end_time"]
            is_next = not next_marked and row["begin_time"] >= now
            next_marked = next_marked or is_next
            items.append({
                "id": row["id"], "name": row["name"], "description": row["description"],
                "begin": timezone.localtime(row["begin_time"]), "end": timezone.localtime(row["end_time"]),
                "on_air": on_air, "next": is_next,
                "catchup": is_in_archive(row, archive_hours=channel["max_archive_duration"], now=now),
                "past": row["end_time"] <= now,
            })
        result.append({**_channel(channel), "programmes": items})
    return result
