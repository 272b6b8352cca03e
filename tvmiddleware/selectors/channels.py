"""Reads of the line-up and the programme guide as one subscriber (account) sees them.

Every query starts from `<Model>.objects.for_client(client)`; list reads run a fixed number of
queries whatever the number of channels or programmes (no per-row queries).

Words used here:
- a *visible* channel is enabled and not hidden by the operator (an account may still hide it for
  itself: that is only a flag in its rows);
- the *account sort* is the account's own position of a channel (`AccountChannelSetting.sort`),
  used before the operator's `Channel.sort`;
- a programme is *in the archive* (catch-up can be played) when it has ended, began at most
  `max_archive_duration` hours ago on that channel, and is not blocked.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable

from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber

from ..models import (
    AccountChannelSetting, Channel, ChannelCategory, Client, ContentKind, ContentPosition, EpgProgram, EpgSource,
    Tariff, TariffSubscription,
)
from common.prepared import PreparedQuery

# "Now and next" looks this far ahead for the next programme.
NEXT_PROGRAMME_LOOKAHEAD = timedelta(hours=6)
# A programme that began longer ago than this is not looked for as the current one: the bound lets
# the (epg_channel, begin_time) index cut the scan. Longer programmes show as "no current programme".
LONGEST_PROGRAMME = timedelta(hours=24)
# How far back `guide_state` looks for programmes that began or ended. Any programme start is seen;
# an end is seen when its programme began within this window — a programme longer than this that ends
# into a gap of the guide (no programme follows at once) is noticed at the next start instead.
GUIDE_STATE_WINDOW = timedelta(hours=6)

CHANNEL_COLUMNS = (
    "id", "name", "icon", "category_id", "max_archive_duration", "is_parent_control", "timeshift_offset", "sort",
    "lcn_number", "epg_channel_id", "option1", "option2", "option3", "updated_at", "pause_live_tv_shift",
    "aspect_ratio", "telemeter", "telemeter_account_name", "telemeter_tmsec_name", "telemeter_cat_id",
    "telemeter_vc_id", "telemeter_vc_version",
)
# The channel's own fields channel/list and channel/list/search answer as they are (`telemeter` as text).
CHANNEL_PLAIN_FIELDS = (
    "pause_live_tv_shift", "aspect_ratio", "telemeter_account_name", "telemeter_tmsec_name", "telemeter_cat_id",
    "telemeter_vc_id", "telemeter_vc_version",
)


def telemeter_text(value: int | None) -> str:
    """channel/list's `telemeter` (a string there): the system's number (0 Mediascope), "" when not measured."""
    return "" if value is None else str(value)
PROGRAMME_COLUMNS = (
    "id", "epg_channel_id", "begin_time", "end_time", "name", "description", "category", "preview_url", "rating",
    "is_blocked", "meta",
)


# --- what the account holds ------------------------------------------------------------------------

@dataclass(frozen=True)
class Entitlements:
    """The customer's open tariffs (enabled ones) and the channels they open."""

    tariff_ids: frozenset[int]
    channel_ids: frozenset[int]


def customer_entitlements(*, client: Client, customer_id: int) -> Entitlements:
    """Open, enabled tariffs of the customer and the channels they open, in one query."""
    rows = (TariffSubscription.objects.for_client(client)
            .filter(customer_id=customer_id, is_closed=False, tariff__enabled=True)
            .order_by().values_list("tariff_id", "tariff__channels"))
    tariffs: set[int] = set()
    channels: set[int] = set()
    for tariff_id, channel_id in rows:
        tariffs.add(tariff_id)
        if channel_id is not None:
            channels.add(channel_id)
    return Entitlements(tariff_ids=frozenset(tariffs), channel_ids=frozenset(channels))


def account_lineup_entitlements(*, client: Client, account_id: int) -> Entitlements | None:
    """`customer_entitlements` for the line-up, without a query: the open, enabled tariffs from the
    account's access snapshot (`streaming.access`, renewed when a service changes its tariffs or
    status) and the operator's *enabled* channels they open from the per-process copy of tariff
    contents (`streaming.reference.tariff_channels`, seconds old at most). None: no such account."""
    from tvmiddleware.streaming.access import account_state
    from tvmiddleware.streaming.reference import tariff_channels

    state = account_state(account_id, for_device_api=True)
    if not state.exists:
        return None
    contents = tariff_channels(client.pk)
    return Entitlements(tariff_ids=state.open_tariff_ids,
                        channel_ids=frozenset().union(*(contents.get(t, ()) for t in state.open_tariff_ids)))


def channel_offers(*, client: Client, channel: Channel, exclude_tariff_ids: Iterable[int] = ()) -> QuerySet[Tariff]:
    """Tariffs a subscriber could take to watch a channel: enabled, offered in apps, opening it;
    cheapest first."""
    return (Tariff.objects.for_client(client).filter(channels=channel, enabled=True, hidden=False)
            .exclude(pk__in=list(exclude_tariff_ids)).order_by("price", "name", "id"))


@dataclass(frozen=True)
class ChannelFlags:
    """An account's own flags for one channel; `is_parent_control`/`sort` None = not overridden."""

    is_favorited: bool = False
    is_parent_control: bool | None = None
    is_hidden: bool = False
    sort: int | None = None


NO_FLAGS = ChannelFlags()


def account_channel_flags(*, client: Client, account_id: int) -> dict[int, ChannelFlags]:
    """channel id → the account's flags, for every channel the account has touched (kept in the shared
    cache between changes: `account_facts.channel_flags`)."""
    from .account_facts import channel_flags

    return channel_flags(client_id=client.pk, account_id=account_id)


def channel_is_locked(channel_locked: bool, flags: ChannelFlags) -> bool:
    """Parental lock: the account's own setting wins over the channel's flag when it is set."""
    return channel_locked if flags.is_parent_control is None else flags.is_parent_control


# --- the line-up -------------------------------------------------------------------------------------

def visible_channels(*, client: Client) -> QuerySet[Channel]:
    return Channel.objects.for_client(client).filter(enabled=True, is_hidden=False)


def channel_get_visible(*, client: Client, channel_id: int) -> Channel | None:
    """A channel the operator shows, or None (unknown, another operator's, disabled or hidden)."""
    return visible_channels(client=client).filter(pk=channel_id).first()


def channel_row(*, client: Client, channel_id: int) -> dict[str, Any] | None:
    """`channel_get_visible` as a dict of `CHANNEL_COLUMNS`."""
    return visible_channels(client=client).filter(pk=channel_id).values(*CHANNEL_COLUMNS).first()


@dataclass(frozen=True)
class LineupState:
    """Cheap facts that change whenever the visible line-up changes (for HTTP validators)."""

    count: int
    last_updated: datetime | None


def lineup_state(*, client: Client) -> LineupState:
    row = visible_channels(client=client).aggregate(count=Count("id"), last_updated=Max("updated_at"))
    return LineupState(count=row["count"], last_updated=row["last_updated"])


def account_channel_rows(*, client: Client, account_id: int, use_account_sort: bool = True, search: str = "",
                         channel_ids: Iterable[int] | None = None, offset: int = 0,
                         limit: int | None = None) -> list[dict[str, Any]]:
    """Visible channels in the account's order (its own sort first, then the operator's), as dicts of
    `CHANNEL_COLUMNS` plus `channel_sort` (the effective position). One query."""
    queryset = visible_channels(client=client)
    if search:
        queryset = queryset.filter(name__icontains=search)
    if channel_ids is not None:
        queryset = queryset.filter(pk__in=list(channel_ids))
    if use_account_sort:
        own_sort = (AccountChannelSetting.objects.filter(account_id=account_id, channel_id=OuterRef("pk"))
                    .values("sort")[:1])
        queryset = queryset.annotate(channel_sort=Coalesce(Subquery(own_sort), F("sort")))
    else:
        queryset = queryset.annotate(channel_sort=F("sort"))
    queryset = queryset.order_by("channel_sort", "sort", "id").values(*CHANNEL_COLUMNS, "channel_sort")
    if limit is not None:
        return list(queryset[offset:offset + limit])
    return list(queryset[offset:] if offset else queryset)


def additional_categories(*, channel_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """channel id → [{id, name}] of its additional categories (one query)."""
    through = Channel.additional_categories.through
    result: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = (through.objects.filter(channel_id__in=list(channel_ids))
            .order_by("channelcategory__sort", "channelcategory__name")
            .values_list("channel_id", "channelcategory_id", "channelcategory__name"))
    for channel_id, category_id, name in rows:
        result[channel_id].append({"id": category_id, "name": name})
    return result


def categories_with_counts(*, client: Client) -> QuerySet[ChannelCategory]:
    """The operator's channel categories with `channels_count`: visible channels whose main category it is."""
    return (ChannelCategory.objects.for_client(client)
            .annotate(channels_count=Count("channels", filter=Q(channels__enabled=True, channels__is_hidden=False)))
            .order_by("sort", "name", "id"))


# --- the guide ---------------------------------------------------------------------------------------

@dataclass
class NowNext:
    """The programme on air on an EPG channel and the one after it (dicts of `PROGRAMME_COLUMNS`)."""

    current: dict[str, Any] | None = None
    next: dict[str, Any] | None = None


def now_and_next(*, client: Client, epg_channel_ids: Iterable[int], now: datetime) -> dict[int, NowNext]:
    """epg channel id → current and next programme, for any number of EPG channels in one query.

    Takes, per EPG channel, the first two programmes that have not ended and begin within
    `NEXT_PROGRAMME_LOOKAHEAD`; the first is current when it has begun.
    """
    ids = sorted({i for i in epg_channel_ids if i is not None})
    if not ids:
        return {}
    rows = (EpgProgram.objects.for_client(client)
            .filter(epg_channel_id__in=ids, end_time__gt=now, begin_time__gt=now - LONGEST_PROGRAMME,
                    begin_time__lt=now + NEXT_PROGRAMME_LOOKAHEAD)
            .annotate(rank=Window(RowNumber(), partition_by=[F("epg_channel_id")],
                                  order_by=[F("begin_time").asc(), F("id").asc()]))
            .filter(rank__lte=2)
            .order_by("epg_channel_id", "begin_time", "id")
            .values(*PROGRAMME_COLUMNS))
    result: dict[int, NowNext] = {}
    for row in rows:
        slot = result.setdefault(row["epg_channel_id"], NowNext())
        if slot.current is None and slot.next is None and row["begin_time"] <= now:
            slot.current = row
        elif slot.next is None:
            slot.next = row
    return result


def current_in_window(programmes: dict[int, list[dict[str, Any]]], *, now: datetime) -> dict[int, dict[str, Any]]:
    """epg channel id → the programme on air at `now`, as `now_and_next` finds it, taken from
    `programmes_by_channel` of a window that contains `now` (no query).

    Exact for such a window: the programme `now_and_next` calls current has begun and not ended, so
    it overlaps the window, and so does every programme before it in (begin_time, id) order that could
    have been taken instead. Channels without one are left out.
    """
    result: dict[int, dict[str, Any]] = {}
    for epg_channel_id, rows in programmes.items():
        for row in rows:  # by begin_time, id
            if row["end_time"] > now and now - LONGEST_PROGRAMME < row["begin_time"] < now + NEXT_PROGRAMME_LOOKAHEAD:
                if row["begin_time"] <= now:
                    result[epg_channel_id] = row
                break
    return result


@dataclass(frozen=True)
class GuideState:
    """Cheap facts that change whenever "now and next" of the line-up can change (for HTTP validators):
    the latest programme start and end that have passed, and the latest EPG import."""

    last_begin: datetime | None
    last_end: datetime | None
    last_import: datetime | None


def guide_state(*, client: Client, now: datetime) -> GuideState:
    """Two aggregate queries, whatever the size of the line-up.

    Over all of the operator's EPG channels, not only those of visible channels: a superset only
    costs an extra full answer now and then, and keeps the plan a plain range scan.
    """
    row = (EpgProgram.objects.for_client(client)
           .filter(begin_time__gt=now - GUIDE_STATE_WINDOW, begin_time__lte=now)
           .aggregate(last_begin=Max("begin_time"), last_end=Max("end_time", filter=Q(end_time__lte=now))))
    last_import = EpgSource.objects.for_client(client).aggregate(at=Max("last_import_at"))["at"]
    return GuideState(last_begin=row["last_begin"], last_end=row["last_end"], last_import=last_import)


def lineup_and_guide_state(*, client: Client, now: datetime,
                           with_guide: bool = True) -> tuple[LineupState, GuideState | None]:
    """`lineup_state` and (`with_guide`) `guide_state` in one query: each fact is a subquery that an
    index answers (the latest programme start by (client, begin_time), the latest end by
    (client, end_time)), so its cost does not grow with the guide."""
    visible = visible_channels(client=client).order_by()
    facts: dict[str, Any] = {
        "count": Coalesce(Subquery(visible.values("client_id").annotate(n=Count("id")).values("n")[:1]), 0),
        "last_updated": Subquery(visible.order_by("-updated_at").values("updated_at")[:1]),
    }
    if with_guide:
        recent = EpgProgram.objects.for_client(client).filter(begin_time__gt=now - GUIDE_STATE_WINDOW)
        facts["last_begin"] = Subquery(recent.filter(begin_time__lte=now).order_by("-begin_time")
                                       .values("begin_time")[:1])
        facts["last_end"] = Subquery(recent.filter(end_time__lte=now).order_by("-end_time").values("end_time")[:1])
        facts["last_import"] = Subquery(EpgSource.objects.for_client(client)
                                        .order_by(F("last_import_at").desc(nulls_last=True))
                                        .values("last_import_at")[:1])
    # Client is only the carrier of the row: every fact is read from the operator's own rows.
    row = Client.objects.filter(pk=client.pk).values(**facts).first() or {"count": 0, "last_updated": None}
    lineup = LineupState(count=row["count"], last_updated=row["last_updated"])
    if not with_guide:
        return lineup, None
    return lineup, GuideState(last_begin=row.get("last_begin"), last_end=row.get("last_end"),
                              last_import=row.get("last_import"))


def lineup_rows(*, client: Client) -> list[dict[str, Any]]:
    """Visible channels in the operator's order (`sort`, id), as dicts of `CHANNEL_COLUMNS`. One query."""
    return list(visible_channels(client=client).order_by("sort", "id").values(*CHANNEL_COLUMNS))


def programmes_overlapping(*, client: Client, epg_channel_ids: Iterable[int], time_from: datetime,
                           time_to: datetime) -> QuerySet[EpgProgram]:
    """Programmes of these EPG channels that overlap [time_from, time_to), by channel and start."""
    return (EpgProgram.objects.for_client(client)
            .filter(epg_channel_id__in=sorted(set(epg_channel_ids)), end_time__gt=time_from, begin_time__lt=time_to)
            .order_by("epg_channel_id", "begin_time", "id"))


def _position_subquery(account_id: int) -> Subquery:
    return Subquery(ContentPosition.objects.filter(account_id=account_id, content_type=ContentKind.PROGRAM,
                                                   content_id=OuterRef("pk"), asset_id__isnull=True)
                    .values("position")[:1])


def channel_programmes(*, client: Client, account_id: int, epg_channel_id: int, time_from: datetime,
                       time_to: datetime, begins_in_window: bool = False) -> list[dict[str, Any]]:
    """Programmes of one EPG channel in a window, with the account's viewing `position` (one query).

    `begins_in_window`: only programmes that begin inside the window (a day of the guide);
    otherwise every programme that overlaps it.
    """
    return _CHANNEL_PROGRAMMES[begins_in_window](client_id=client.pk, account_id=account_id,
                                                 epg_channel_id=epg_channel_id, time_from=time_from, time_to=time_to)


def _channel_programmes(*, begins_in_window: bool) -> PreparedQuery:
    def build(client_id: int, account_id: int, epg_channel_id: int, time_from: datetime,
              time_to: datetime) -> QuerySet:
        queryset = EpgProgram.objects.for_client(client_id).filter(epg_channel_id=epg_channel_id)
        if begins_in_window:
            queryset = queryset.filter(begin_time__gte=time_from, begin_time__lt=time_to)
        else:
            queryset = queryset.filter(end_time__gt=time_from, begin_time__lt=time_to)
        return (queryset.annotate(position=_position_subquery(account_id))
                .order_by("begin_time", "id").values(*PROGRAMME_COLUMNS, "position"))
    return PreparedQuery(build)


_CHANNEL_PROGRAMMES = {window: _channel_programmes(begins_in_window=window) for window in (False, True)}


@dataclass(frozen=True)
class ScheduleState:
    """Cheap facts that change whenever a channel's programme list for a window can change:
    rows added, removed or re-imported, programmes ending or leaving the archive as time passes,
    and the account's viewing positions."""

    programmes: tuple
    last_import: datetime | None
    positions_count: int
    positions_updated: datetime | None

    def data_times(self) -> tuple[datetime | None, ...]:
        return (self.last_import, self.positions_updated)


def archive_q(*, now: datetime, hours: int, prefix: str = "") -> Q | None:
    """Programmes in the archive of a channel keeping `hours` of catch-up; None when it keeps none."""
    if hours <= 0:
        return None
    return Q(**{f"{prefix}end_time__lte": now, f"{prefix}begin_time__gte": now - timedelta(hours=hours),
                f"{prefix}is_blocked": False})


def is_in_archive(programme: dict[str, Any], *, archive_hours: int, now: datetime) -> bool:
    return (archive_hours > 0 and not programme["is_blocked"] and programme["end_time"] <= now
            and programme["begin_time"] >= now - timedelta(hours=archive_hours))


def programme_get(*, client: Client, programme_id: int) -> dict[str, Any] | None:
    return (EpgProgram.objects.for_client(client).filter(pk=programme_id)
            .values(*PROGRAMME_COLUMNS).first())


def programme_with_position(*, client: Client, account_id: int, programme_id: int) -> dict[str, Any] | None:
    return (EpgProgram.objects.for_client(client).filter(pk=programme_id)
            .annotate(position=_position_subquery(account_id)).values(*PROGRAMME_COLUMNS, "position").first())


def channel_showing(*, client: Client, epg_channel_id: int, channel_id: int | None = None) -> dict[str, Any] | None:
    """The visible channel that shows an EPG channel's programmes: the given one if it does, else the
    first in the operator's order."""
    queryset = visible_channels(client=client).filter(epg_channel_id=epg_channel_id)
    if channel_id is not None:
        queryset = queryset.filter(pk=channel_id)
    return queryset.order_by("sort", "id").values(*CHANNEL_COLUMNS).first()


@dataclass
class ProgrammeHit:
    """A programme found by search, on one of the line-up channels that show it."""

    programme: dict[str, Any]
    channel: dict[str, Any] = field(default_factory=dict)


def programme_search(*, client: Client, search: str, now: datetime, days: int, only_archive: bool = False,
                     only_channel_ids: Iterable[int] | None = None, offset: int = 0,
                     limit: int = 20) -> list[ProgrammeHit]:
    """Programmes whose name contains `search` (case-insensitive) on visible channels, within `days`
    ahead, that can still be watched: not yet ended, or in the channel's archive (only the latter
    with `only_archive`). Ordered by start, then channel order. Two queries.

    A programme shown on two line-up channels is found once per channel.
    """
    channels = {row["id"]: row for row in visible_channels(client=client).exclude(epg_channel=None)
                .values(*CHANNEL_COLUMNS)}
    if only_channel_ids is not None:
        wanted = set(only_channel_ids)
        channels = {pk: row for pk, row in channels.items() if pk in wanted}
    if not channels:
        return []
    by_archive_depth: dict[int, list[int]] = defaultdict(list)
    for row in channels.values():
        by_archive_depth[row["max_archive_duration"]].append(row["id"])
    # The archive depth differs per channel: one condition per distinct depth keeps it portable SQL.
    watchable = Q(pk__in=[])
    for hours, channel_ids in by_archive_depth.items():
        archived = archive_q(now=now, hours=hours)
        if archived is not None:
            watchable |= archived & Q(epg_channel__channels__in=channel_ids)
    if not only_archive:
        watchable |= Q(end_time__gt=now)
    rows = (EpgProgram.objects.for_client(client)
            .filter(Q(name__icontains=search, begin_time__lt=now + timedelta(days=days),
                      epg_channel__channels__in=list(channels)) & watchable)
            .annotate(channel_id=F("epg_channel__channels__id"))
            .order_by("begin_time", "epg_channel__channels__sort", "channel_id", "id")
            .values(*PROGRAMME_COLUMNS, "channel_id")[offset:offset + limit])
    return [ProgrammeHit(programme=row, channel=channels[row["channel_id"]]) for row in rows]
