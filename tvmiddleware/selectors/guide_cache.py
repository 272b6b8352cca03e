"""The programme guide and the enabled line-up, kept per process between changes.

The guide changes when EPG is imported or edited, not as time passes: what time changes (which
programme is on air, which have ended, which are in the archive) is computed per request from the
rows. So the rows are kept per process, by EPG channel and UTC day (each day holds the programmes
that overlap it, a programme spanning midnight in both), and any window is answered from its days
with the same rows, order and bounds as the SQL it replaces (`channels.programmes_by_channel`,
`channels.channel_programmes`, `channels.schedule_state`). Missing days of one request are read in
one query, whatever the number of channels.

Freshness: every save or delete of a channel, category, EPG source, channel or programme, and every
EPG import (`guide_changed`, called by the import's bulk writes), renews a `SharedGeneration` when
its transaction commits; entries are keyed by it. The writing process drops its copies at once,
other processes and nodes within `REFRESH_SECONDS` (1 s). Entries also expire after
`KEEP_SECONDS` whatever happens (a write that bypassed both signals and the import service).
"""
from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any, Iterable

from django.db.models.signals import m2m_changed, post_delete, post_save

from common.generations import SharedGeneration
from common.prepared import PreparedQuery

from ..models import Channel, ChannelCategory, EpgChannel, EpgProgram, EpgSource
from ..streaming.access import LocalCache
from .channels import PROGRAMME_COLUMNS, ScheduleState, programmes_overlapping

DAY_SECONDS = 86400
KEEP_SECONDS = 600
REFRESH_SECONDS = 1.0
# About 24 rows a day per channel: 6,000 days hold a fortnight of 400 channels (≈ 150k rows).
MAX_DAYS = 6000

GUIDE = SharedGeneration("guide", refresh_seconds=REFRESH_SECONDS)
LINEUP = SharedGeneration("lineup", refresh_seconds=REFRESH_SECONDS)

_days = LocalCache(MAX_DAYS)
_imports = LocalCache(1000)
_enabled = LocalCache(1000)


def _day(moment: datetime) -> int:
    return math.floor(moment.timestamp() / DAY_SECONDS)


def _day_start(day: int) -> datetime:
    return datetime.fromtimestamp(day * DAY_SECONDS, UTC)


# --- the guide ---------------------------------------------------------------------------------------

def _load_days(client_id: int, epg_channel_ids: list[int], first: int, last: int) -> dict[tuple[int, int], tuple]:
    """(epg channel, day) → rows overlapping that day, for every pair in the ranges (one query)."""
    found: dict[tuple[int, int], list[dict[str, Any]]] = {(e, d): [] for e in epg_channel_ids
                                                          for d in range(first, last + 1)}
    rows = _overlapping(client_id=client_id, epg_channel_ids=sorted(epg_channel_ids),
                        time_from=_day_start(first), time_to=_day_start(last + 1))
    for row in rows:  # by channel, begin, id: each day's list keeps that order
        for day in range(max(first, _day(row["begin_time"])), min(last, _last_day(row["end_time"])) + 1):
            found[(row["epg_channel_id"], day)].append(row)
    return {key: tuple(value) for key, value in found.items()}


def _last_day(end: datetime) -> int:
    """The last day a programme ending at `end` overlaps (an end at midnight does not reach the new day)."""
    return math.ceil(end.timestamp() / DAY_SECONDS) - 1


_overlapping = PreparedQuery(lambda client_id, epg_channel_ids, time_from, time_to: (
    programmes_overlapping(client=client_id, epg_channel_ids=epg_channel_ids, time_from=time_from,
                           time_to=time_to).values(*PROGRAMME_COLUMNS)
))


def _rows_by_day(client_id: int, epg_channel_ids: list[int], first: int, last: int) -> dict[tuple[int, int], tuple]:
    generation = GUIDE.current()
    result: dict[tuple[int, int], tuple] = {}
    missing: set[int] = set()
    for epg in epg_channel_ids:
        for day in range(first, last + 1):
            rows = _days.get((client_id, epg, day, generation))
            if rows is None:
                missing.add(epg)
            else:
                result[(epg, day)] = rows
    if missing:
        loaded = _load_days(client_id, sorted(missing), first, last)
        if GUIDE.current() == generation:  # nothing changed while reading
            for (epg, day), rows in loaded.items():
                _days.set((client_id, epg, day, generation), rows, KEEP_SECONDS)
        result.update(loaded)
    return result


def programmes_by_channel(*, client_id: int, epg_channel_ids: Iterable[int], time_from: datetime,
                          time_to: datetime, begins_in_window: bool = False) -> dict[int, list[dict[str, Any]]]:
    """epg channel id → programmes overlapping [time_from, time_to) (or, `begins_in_window`, beginning in
    it), by begin time and id; channels without any are left out. The rows are shared: do not change them."""
    ids = sorted({i for i in epg_channel_ids if i is not None})
    if not ids or time_to <= time_from:
        return {}
    first, last = _day(time_from), _day(time_to - timedelta(microseconds=1))
    days = _rows_by_day(client_id, ids, first, last)
    result: dict[int, list[dict[str, Any]]] = {}
    for epg in ids:
        seen: set[int] = set()
        picked = []
        for day in range(first, last + 1):
            for row in days[(epg, day)]:
                if row["id"] in seen:
                    continue
                if begins_in_window:
                    inside = time_from <= row["begin_time"] < time_to
                else:
                    inside = row["end_time"] > time_from and row["begin_time"] < time_to
                if inside:
                    seen.add(row["id"])
                    picked.append(row)
        if picked:
            if last > first:  # rows of several days: one order, as the query's
                picked.sort(key=lambda row: (row["begin_time"], row["id"]))
            result[epg] = picked
    return result


def source_imports(*, client_id: int) -> dict[int, datetime | None]:
    """epg channel id → the last import of its source, for the operator's EPG channels."""
    key = (client_id, GUIDE.current())
    found = _imports.get(key)
    if found is None:
        found = dict(EpgChannel.objects.for_client(client_id).values_list("id", "source__last_import_at"))
        _imports.set(key, found, KEEP_SECONDS)
    return found


def schedule_facts(*, client_id: int, epg_channel_id: int, time_from: datetime, time_to: datetime,
                   begins_in_window: bool, now: datetime, archive_hours: int) -> dict[str, Any]:
    """What `channels.schedule_state` aggregates over one channel's window, from the kept rows: count,
    max_id, last_begin, ended, imported (and archived when the channel keeps an archive)."""
    rows = programmes_by_channel(client_id=client_id, epg_channel_ids=[epg_channel_id], time_from=time_from,
                                 time_to=time_to, begins_in_window=begins_in_window).get(epg_channel_id, [])
    facts: dict[str, Any] = {"count": len(rows), "max_id": None, "last_begin": None, "ended": 0, "imported": None}
    if archive_hours > 0:
        facts["archived"] = 0
    if not rows:
        return facts
    archive_since = now - timedelta(hours=archive_hours)
    facts["max_id"] = max(row["id"] for row in rows)
    facts["last_begin"] = max(row["begin_time"] for row in rows)
    facts["ended"] = sum(1 for row in rows if row["end_time"] <= now)
    facts["imported"] = source_imports(client_id=client_id).get(epg_channel_id)
    if archive_hours > 0:
        facts["archived"] = sum(1 for row in rows if row["end_time"] <= now and row["begin_time"] >= archive_since
                                and not row["is_blocked"])
    return facts


def schedule_state(*, client_id: int, account_id: int, epg_channel_id: int, time_from: datetime,
                   time_to: datetime, begins_in_window: bool, now: datetime, archive_hours: int) -> ScheduleState:
    """The facts program/list's validators hash, without a query when warm: the window's rows from the
    kept guide, the account's catch-up positions from `account_facts`."""
    from .account_facts import programme_positions

    facts = schedule_facts(client_id=client_id, epg_channel_id=epg_channel_id, time_from=time_from,
                           time_to=time_to, begins_in_window=begins_in_window, now=now, archive_hours=archive_hours)
    count, updated = programme_positions(client_id=client_id, account_id=account_id)
    return ScheduleState(programmes=tuple(sorted(facts.items())), last_import=facts["imported"],
                         positions_count=count, positions_updated=updated)


# Catch-up requests name programmes of the last days: those days are kept anyway for the guide.
ARCHIVE_LOOKBACK = timedelta(days=7)


def programme_times(*, client_id: int, epg_channel_id: int, programme_id: int,
                    around: datetime | None = None) -> dict[str, Any] | None:
    """One programme of an EPG channel from the kept days around `around` (default now: the archive and
    the coming days), else from the database. A dict of `PROGRAMME_COLUMNS`, or None."""
    now = around or datetime.now(UTC)
    first, last = _day(now - ARCHIVE_LOOKBACK), _day(now + timedelta(days=1))
    days = _rows_by_day(client_id, [epg_channel_id], first, last)
    for day in range(last, first - 1, -1):  # the recent days first: catch-up is mostly of them
        for row in days[(epg_channel_id, day)]:
            if row["id"] == programme_id:
                return row
    return (EpgProgram.objects.for_client(client_id).filter(epg_channel_id=epg_channel_id, pk=programme_id)
            .values(*PROGRAMME_COLUMNS).first())


# --- enabled channels ----------------------------------------------------------------------------------

def enabled_channels(*, client_id: int) -> dict[int, Channel]:
    """channel id → the operator's enabled channels (hidden ones too: a stream URL may be asked for
    them), as model instances shared by the process's threads: read them, never change or save them."""
    key = (client_id, LINEUP.current())
    found = _enabled.get(key)
    if found is None:
        found = {channel.pk: channel for channel in Channel.objects.for_client(client_id).filter(enabled=True)}
        if LINEUP.current() == key[1]:
            _enabled.set(key, found, KEEP_SECONDS)
    return found


# --- changes -------------------------------------------------------------------------------------------

def guide_changed() -> None:
    """Call inside a transaction that wrote programmes in bulk (no signals are sent then)."""
    GUIDE.bump_on_commit()


def _on_guide(**kwargs: Any) -> None:
    GUIDE.bump_on_commit()


def _on_lineup(**kwargs: Any) -> None:
    LINEUP.bump_on_commit()
    GUIDE.bump_on_commit()  # EPG bindings and archive lengths live on the channel


for _model in (EpgProgram, EpgChannel, EpgSource):
    post_save.connect(_on_guide, sender=_model, dispatch_uid=f"tvmw-guide-cache-save-{_model.__name__}")
    post_delete.connect(_on_guide, sender=_model, dispatch_uid=f"tvmw-guide-cache-delete-{_model.__name__}")
for _model in (Channel, ChannelCategory):
    post_save.connect(_on_lineup, sender=_model, dispatch_uid=f"tvmw-lineup-cache-save-{_model.__name__}")
    post_delete.connect(_on_lineup, sender=_model, dispatch_uid=f"tvmw-lineup-cache-delete-{_model.__name__}")
m2m_changed.connect(_on_lineup, sender=Channel.additional_categories.through, dispatch_uid="tvmw-lineup-cache-m2m")
