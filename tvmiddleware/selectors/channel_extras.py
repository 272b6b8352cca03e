"""Reads behind the channel methods beyond the line-up itself: the operator's named channel sorts,
premieres, a channel's programmes from now on, and an account's own channel settings.

Every query starts from `<Model>.objects.for_client(client)`; each read is one query whatever the
number of rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable

from ..models import ChannelSort, Client, EpgProgram
from .channels import PROGRAMME_COLUMNS, ChannelFlags, account_channel_flags, channel_is_locked

# premiere/list answers at most this many premieres, the soonest first.
MAX_PREMIERES = 1000
# channel/programs looks this far ahead for the programmes after the current one.
UPCOMING_WINDOW = timedelta(days=3)


# --- channel sorts -----------------------------------------------------------------------------------

def channel_sorts(*, client: Client) -> list[dict[str, Any]]:
    """The channel sorts the operator offers apps ({id, name}), in its order."""
    return list(ChannelSort.objects.for_client(client).filter(enabled=True).order_by("sort", "name", "id")
                .values("id", "name"))


def channel_sort_positions(*, client: Client, channel_sort_id: int) -> tuple[tuple[int, int], ...] | None:
    """((channel id, position), ...) of an offered channel sort, in its order; None when the operator
    offers no such sort (unknown, another operator's, or switched off). One query."""
    rows = list(ChannelSort.objects.for_client(client).filter(pk=channel_sort_id, enabled=True)
                .values_list("items__channel_id", "items__position").order_by("items__position", "items__id"))
    if not rows:
        return None
    return tuple((channel_id, position) for channel_id, position in rows if channel_id is not None)


def order_by_channel_sort(rows: Iterable[dict[str, Any]],
                          positions: tuple[tuple[int, int], ...]) -> list[dict[str, Any]]:
    """Channel rows (with `id` and `sort`) in a channel sort's order: its channels first in their
    positions, the others after them in the operator's order. Each row's `channel_sort` becomes its
    place in that order (0 = first)."""
    place = {channel_id: index for index, (channel_id, _) in enumerate(positions)}
    last = len(place)
    ordered = sorted(rows, key=lambda row: (place.get(row["id"], last), row["sort"], row["id"]))
    return [{**row, "channel_sort": index} for index, row in enumerate(ordered)]


# --- the guide -----------------------------------------------------------------------------------------

def premieres(*, client: Client, epg_channel_ids: Iterable[int], now: datetime,
              limit: int = MAX_PREMIERES) -> list[dict[str, Any]]:
    """The operator's premieres that have not ended on these EPG channels, the soonest first (dicts of
    `PROGRAMME_COLUMNS`). One query."""
    ids = sorted({i for i in epg_channel_ids if i is not None})
    if not ids:
        return []
    return list(EpgProgram.objects.for_client(client)
                .filter(is_premiere=True, end_time__gt=now, epg_channel_id__in=ids)
                .order_by("begin_time", "id").values(*PROGRAMME_COLUMNS)[:limit])


def programmes_from(rows: Iterable[dict[str, Any]], *, at: datetime, limit: int) -> list[dict[str, Any]]:
    """Of one channel's programmes by start (`guide_cache.programmes_by_channel`), the one on air at
    `at` (when there is one) and those after it: at most `limit`."""
    return [row for row in rows if row["end_time"] > at][:limit]


# --- the account's own settings ------------------------------------------------------------------------

@dataclass(frozen=True)
class SettingsInfo:
    """Channel ids of the line-up the account marked favourite or hidden, and those it sees locked."""

    is_favorited: list[int]
    is_hidden: list[int]
    is_parent_control: list[int]


def account_settings_info(*, client: Client, account_id: int,
                          visible: dict[int, dict[str, Any]]) -> SettingsInfo:
    """Of the visible line-up (`visible`: id → row with `is_parent_control`, in the operator's order),
    the channels the account marked favourite or hidden, and those locked for it (its own lock, else
    the channel's). No query when the account's flags are cached."""
    flags = account_channel_flags(client=client, account_id=account_id)
    no_flags = ChannelFlags()
    favourites, hidden, locked = [], [], []
    for channel_id, row in visible.items():
        own = flags.get(channel_id, no_flags)
        if own.is_favorited:
            favourites.append(channel_id)
        if own.is_hidden:
            hidden.append(channel_id)
        if channel_is_locked(row["is_parent_control"], own):
            locked.append(channel_id)
    return SettingsInfo(is_favorited=favourites, is_hidden=hidden, is_parent_control=locked)
