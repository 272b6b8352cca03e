"""Channel and programme-guide methods of the device API.

category/list, channel/list, channel/list/search, channel/list/programs, channel/detail,
program/list, program/detail, program/list/search. Stream URLs are not handed out here
(`url` is ""): apps ask channel/url and program/url for them.

channel/list and program/list answer HTTP validators (`ETag`, `Last-Modified`) and `304 Not Modified`
to a matching `If-None-Match` / `If-Modified-Since`, so a box that polls its line-up does not
download it again while nothing changed. See `conditional_response`.
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.encoding import filepath_to_uri
from django.utils.http import http_date, parse_etags, parse_http_date_safe, quote_etag

from tvmiddleware.selectors import channels as sel
from tvmiddleware.selectors import guide_cache as guide
from tvmiddleware.selectors.channel_extras import channel_sort_positions, order_by_channel_sort
from tvmiddleware.selectors.stream_details import operator_details
from tvmiddleware.models import Channel, ChannelCategory, EpgChannel, EpgProgram, EpgSource
from tvmiddleware.streaming.access import LocalCache

from apikit.device import Auth, DeviceContext, SessionGone, device_method
from apikit.device_responses import error, flag, ok, unixtime
from apikit.spec import INT, STR, ListOf, Obj, Param
from common.readers import DOTTED, Day, Flag, Id, Int, IntList, Text, Timestamp

from . import channel_shapes as shapes
from .errors import (
    BAD_GUIDE_WINDOW, CHANNEL_NOT_FOUND, CHANNEL_NOT_FOUND_1, INVALID_CHANNEL_LIST, INVALID_PARAM, NO_PROGRAMME_FROM,
    NOT_SUPPORTED, PROGRAMME_NOT_FOUND_1, SORT_NOT_FOUND,
)

MAX_CHANNEL_LIMIT = 1000
MAX_SEARCH_LIMIT = 100
MAX_SEARCH_LENGTH = 200
MAX_GUIDE_WINDOW = timedelta(days=14)
DEFAULT_GUIDE_WINDOW = timedelta(hours=24)
# How long a Last-Modified date is remembered for a validator (see conditional_response).
VALIDATOR_MEMORY_SECONDS = 7 * 86400


# --- HTTP validators -------------------------------------------------------------------------------

def _digest(value: Any) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:40]


def _last_modified(scope_key: str, digest: str, data_time: datetime | None) -> tuple[int, bool]:
    """Unix seconds of the last change of what `scope_key` answers, and whether that date is ambiguous.

    Not every input carries a timestamp (an account's channel flags, tariff contents), so the date
    the current validator was first answered is remembered in the shared cache and moved forward
    whenever the validator changes: Last-Modified never goes back, even when data returns to an
    earlier state. Timestamps the data does carry are taken when later.

    HTTP dates have whole seconds: when the answer changes again within the second of the previous
    change, two versions share one date, and that date can no longer prove a copy current
    (ambiguous: If-Modified-Since then gets a full answer; If-None-Match stays exact).
    """
    now = int(time.time())
    key = f"tvmw:last-modified:{scope_key}"
    try:
        stored = cache.get(key)
        if not stored or stored[0] != digest:
            stored = (digest, now, bool(stored) and int(stored[1]) >= now)
            cache.set(key, stored, VALIDATOR_MEMORY_SECONDS)
        since, ambiguous = int(stored[1]), bool(stored[2])
    except Exception:  # a cache outage costs a full answer, never an error
        since, ambiguous = now, True
    data_seconds = int(data_time.timestamp()) if data_time else 0
    return min(max(since, data_seconds), now), ambiguous


def _is_fresh(request: HttpRequest, etag: str, last_modified: int, ambiguous: bool) -> bool:
    """RFC 9110 §13.2.2: If-None-Match (weak comparison) wins; else If-Modified-Since."""
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH", "")
    if if_none_match:
        tags = parse_etags(if_none_match)
        return "*" in tags or etag.removeprefix("W/") in {tag.removeprefix("W/") for tag in tags}
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    return since is not None and not ambiguous and last_modified <= since


def conditional_response(request: HttpRequest, *, scope: tuple, state: tuple, data_time: datetime | None,
                         build: Callable[[], HttpResponse]) -> HttpResponse:
    """Answer 304 when the client's copy is current, else `build()`; both carry the validators.

    `scope` says what is asked (method, account, parameters, host); `state` holds cheap facts that
    change whenever the answer would (ids, counts, max timestamps) — the ETag is a hash of both.
    The answer depends on the session, which may come in a cookie: `Vary: Cookie`, and private.
    """
    scope_key = _digest(scope)
    digest = _digest((scope_key, state))
    etag = "W/" + quote_etag(digest)
    last_modified, ambiguous = _last_modified(scope_key, digest, data_time)
    if request.method in ("GET", "HEAD") and _is_fresh(request, etag, last_modified, ambiguous):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = build()
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ("Cookie",))
    return response


def _latest(*values: datetime | None) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


# --- parameters several methods share ---------------------------------------------------------------

PAGE = Param("page", Int(1, 1_000_000), default=1, description="Page number, from 1 (with `limit`).")
ICON_SIZES = tuple(Param(name, Int(1, 10_000), description="Accepted; icons are served as uploaded.")
                   for name in ("icon_width", "icon_height"))
CHANNEL_SORT = Param("channel_sort_id", Int(0), description="One of the operator's channel sorts "
                                                            "(channel/sort/list): its channels first, in its order; "
                                                            "wins over the account's own order. Unknown: "
                                                            "SORT_NOT_FOUND.")
ACCOUNT_SORT = Param("account_sort", Flag(), default=True, description="1 (default): in the account's own order.")


def _list_params(*, search_required: bool) -> tuple[Param, ...]:
    """The parameters of channel/list and channel/list/search."""
    return (
        Param("search", Text(MAX_SEARCH_LENGTH, strip=True), required=search_required, default="",
              description="Only channels whose name contains this (case-insensitive)."),
        PAGE, Param("limit", Int(1, MAX_CHANNEL_LIMIT), description="Channels per page; all when absent."),
        *ICON_SIZES, Param("reject_multicast", Flag(), description="Accepted; channel lists carry no stream URLs."),
        CHANNEL_SORT, Param("compact", Flag(), default=False, description="1: without the programmes on now."),
        ACCOUNT_SORT,
    )


# --- rendering -------------------------------------------------------------------------------------

class IconUrls:
    """Absolute URLs of uploaded icons for one request ("" when there is none).

    For files kept by Django's file-system storage the base URL is made absolute once per request
    (a line-up has a thousand icons); other storages (a CDN, S3) are asked for each URL.
    """

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.storage = Channel._meta.get_field("icon").storage
        self.base = (request.build_absolute_uri(self.storage.base_url)
                     if isinstance(self.storage, FileSystemStorage) else None)

    def __call__(self, name: str | None) -> str:
        if not name:
            return ""
        if self.base is not None:
            return self.base + (filepath_to_uri(name) or "").lstrip("/")
        return self.request.build_absolute_uri(self.storage.url(name))


def programme_fields(row: dict[str, Any] | None) -> dict[str, Any]:
    """A guide entry in the names channel lists use (prefixed by the caller)."""
    if row is None:
        return {"id": None, "name": "", "begin_time": None, "end_time": None, "category_id": None, "category": "",
                "description": "", "preview_url": "", "rating": None, "meta": {}, "genres": []}
    return {"id": row["id"], "name": row["name"], "begin_time": unixtime(row["begin_time"]),
            "end_time": unixtime(row["end_time"]), "category_id": None, "category": row["category"],
            "description": row["description"], "preview_url": row["preview_url"], "rating": row["rating"],
            "meta": row["meta"] or {}, "genres": []}


def prefixed_programme(prefix: str, row: dict[str, Any] | None) -> dict[str, Any]:
    return {prefix + name: value for name, value in programme_fields(row).items()}


def guide_entry(row: dict[str, Any], *, channel: dict[str, Any], subscribed: bool, now: datetime) -> dict[str, Any]:
    """A programme as program/list and program/detail answer it."""
    return {
        "id": row["id"], "begin_time": unixtime(row["begin_time"]), "end_time": unixtime(row["end_time"]),
        "name": row["name"], "short_name": row["name"], "description": row["description"],
        "category": row["category"], "preview": row["preview_url"], "rating": row["rating"],
        "meta": row["meta"] or {}, "url": "",
        "has_record": flag(sel.is_in_archive(row, archive_hours=channel["max_archive_duration"], now=now)),
        "has_subscription": flag(subscribed), "ads_available": 0, "position": row.get("position") or 0,
        "blocked": flag(row["is_blocked"]),
    }


@dataclass(frozen=True)
class ListOptions:
    search: str
    compact: bool
    use_account_sort: bool
    offset: int
    limit: int | None
    # (channel id, position) of the operator's channel sort asked for (`channel_sort_id`), in its order.
    sort_positions: tuple[tuple[int, int], ...] | None = None


def _list_options(ctx: DeviceContext) -> ListOptions | HttpResponse:
    """The parameters (`_list_params`) of channel/list and channel/list/search."""
    args = ctx.args
    positions = None
    if args.channel_sort_id is not None:
        positions = channel_sort_positions(client=ctx.client, channel_sort_id=args.channel_sort_id)
        if positions is None:
            return error(SORT_NOT_FOUND, "The requested channel sort does not exist.")
    return ListOptions(search=args.search, compact=args.compact, use_account_sort=args.account_sort,
                       offset=(args.page - 1) * args.limit if args.limit else 0, limit=args.limit,
                       sort_positions=positions)


def channel_item(icon_url: IconUrls, row: dict[str, Any], *, flags: sel.ChannelFlags, subscribed: bool,
                  categories: list[dict[str, Any]], guide: sel.NowNext | None, drm: bool = False) -> dict[str, Any]:
    item = {
        "id": row["id"], "name": row["name"], "icon": icon_url(row["icon"]),
        "category_id": row["category_id"], "url": "", "has_record": flag(row["max_archive_duration"] > 0),
        "max_archive_duration": row["max_archive_duration"], "is_hidden": flag(flags.is_hidden),
        "is_favorited": flag(flags.is_favorited), "has_subscription": flag(subscribed),
        "is_parent_control": flag(sel.channel_is_locked(row["is_parent_control"], flags)),
        "timeshift_offset": row["timeshift_offset"], "channel_sort": row["channel_sort"],
        "lcn_number": row["lcn_number"], "additional_categories": categories, "show_in_all": 1,
        "ads_available": 0, "drm_available": drm, "hbb": [],
        **{name: row[name] for name in sel.CHANNEL_PLAIN_FIELDS}, "telemeter": sel.telemeter_text(row["telemeter"]),
    }
    if guide is not None:
        item.update(prefixed_programme("program_", guide.current))
        item.update(prefixed_programme("next_program_", guide.next))
        item.update(option1=row["option1"], option2=row["option2"], option3=row["option3"])
    return item


# --- category/list ---------------------------------------------------------------------------------

@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM,
               response=Obj(categories=ListOf(shapes.CATEGORY)))
def category_list(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The operator's channel categories, with how many visible channels each holds."""
    icon_url = IconUrls(request)
    categories = [
        {"id": c.pk, "name": c.name, "description": "", "color": "", "channels_count": c.channels_count,
         "icon_url": icon_url(c.icon.name), "icon_tv_url": icon_url(c.icon.name), "dashboard_icon_url": ""}
        for c in sel.categories_with_counts(client=ctx.client)
    ]
    return ok(categories=categories, error_message="")


# --- channel/list, channel/list/search --------------------------------------------------------------

def _entitlements(ctx: DeviceContext) -> sel.Entitlements:
    """The session's open tariffs and the channels they open (no query: the access snapshot)."""
    assert ctx.session is not None
    found = sel.account_lineup_entitlements(client=ctx.client, account_id=ctx.session.account_id)
    if found is None:  # the account was removed while its session was cached
        raise SessionGone()
    return found


def _channel_list(request: HttpRequest, ctx: DeviceContext, options: ListOptions) -> HttpResponse:
    """The line-up as this account sees it; a fixed number of queries for any number of channels."""
    client, session = ctx.client, ctx.session
    assert session is not None
    now = timezone.now()
    entitlements = _entitlements(ctx)
    flags = sel.account_channel_flags(client=client, account_id=session.account_id)
    lineup, guide_state = _lineup_and_guide_state(client, now=now, compact=options.compact)

    def build() -> HttpResponse:
        if options.search:
            return _channel_list_searched(request, ctx, options, entitlements=entitlements, flags=flags, now=now)
        base = _lineup_base(request, client, compact=options.compact, lineup=lineup, guide_state=guide_state,
                            now=now)
        return _account_lineup(base, options, entitlements=entitlements, flags=flags)

    return conditional_response(
        request,
        scope=("channel/list", session.account_id, request.get_host(), request.is_secure(), options),
        state=(sorted(entitlements.tariff_ids), sorted(entitlements.channel_ids), sorted(flags.items()),
               lineup, guide_state, operator_details(client_id=client.pk).fingerprint),
        data_time=_latest(lineup.last_updated, *((guide_state.last_begin, guide_state.last_end,
                                                  guide_state.last_import) if guide_state else ())),
        build=build,
    )


def _channel_list_searched(request: HttpRequest, ctx: DeviceContext, options: ListOptions, *,
                           entitlements: sel.Entitlements, flags: dict[int, sel.ChannelFlags],
                           now: datetime) -> HttpResponse:
    """channel/list/search: the matching channels, read and rendered for this request."""
    client, session = ctx.client, ctx.session
    assert session is not None
    if options.sort_positions is None:
        rows = sel.account_channel_rows(client=client, account_id=session.account_id,
                                        use_account_sort=options.use_account_sort, search=options.search,
                                        offset=options.offset, limit=options.limit)
    else:  # the operator's sort asked for: ordered here, then the page taken
        rows = order_by_channel_sort(sel.account_channel_rows(client=client, account_id=session.account_id,
                                                              use_account_sort=False, search=options.search),
                                     options.sort_positions)
        rows = rows[options.offset:options.offset + options.limit if options.limit is not None else None]
    categories = sel.additional_categories(channel_ids=[row["id"] for row in rows])
    guide = None if options.compact else sel.now_and_next(
        client=client, epg_channel_ids=[row["epg_channel_id"] for row in rows], now=now)
    icon_url = IconUrls(request)
    details = operator_details(client_id=client.pk)
    channels = [
        channel_item(icon_url, row, flags=flags.get(row["id"], sel.NO_FLAGS),
                      subscribed=row["id"] in entitlements.channel_ids, categories=categories.get(row["id"], []),
                      guide=None if guide is None else guide.get(row["epg_channel_id"], sel.NowNext()),
                      drm=details.drm_available(row["id"]))
        for row in rows
    ]
    return ok(channels=channels, error_message="")


# --- channel/list: the line-up rendered once, the account's fields filled in per request -------------
#
# What channel/list answers is the same for every subscriber of an operator except five fields of each
# channel (is_hidden, is_favorited, has_subscription, is_parent_control, channel_sort) and the order.
# The rest (channels, categories, icons, "now and next") is rendered to JSON once per line-up and guide
# state — the facts the validators hash, so a cached rendering answers exactly what a fresh one would
# for the same ETag — and kept per process (LINEUP_BASE_SECONDS at most; dropped at once in this
# process when a channel, category or guide row is saved). Each channel's JSON keeps `%s` slots for
# the account's five fields: a request fills them in and joins the channels in the account's order.

LINEUP_BASE_SECONDS = 60
# The operator's line-up and guide state (`sel.lineup_and_guide_state`) is the same for all its
# subscribers: read once a second per process (at once again after a save in this process). HTTP dates
# have whole seconds; a change shows in the validators within that second.
LINEUP_STATE_SECONDS = 1.0
_ACCOUNT_FIELDS = ("is_hidden", "is_favorited", "has_subscription", "is_parent_control", "channel_sort")
_SLOT_MARK = f"tvmw-slot-{secrets.token_hex(8)}"  # unguessable: no channel data can contain it
_SLOT_RE = re.compile(f'"{_SLOT_MARK}:([a-z_]+)"')
# Bounded for memory: a rendered line-up is ~1.5 KB per channel, and each kept answer as much again.
_lineup_bases = LocalCache(16)
_lineup_states = LocalCache(1000)
_visible_rows = LocalCache(64)
# program/list answers without viewing positions, by channel, window and schedule facts (program/list).
_schedule_bodies = LocalCache(2000)
_lineup_lock = threading.Lock()


def _lineup_and_guide_state(client, *, now: datetime,
                            compact: bool) -> tuple[sel.LineupState, sel.GuideState | None]:
    key = (client.pk, compact)
    state = _lineup_states.get(key)
    if state is None:
        generation = _lineup_generation[0]
        state = sel.lineup_and_guide_state(client=client, now=now, with_guide=not compact)
        if generation == _lineup_generation[0]:
            _lineup_states.set(key, state, LINEUP_STATE_SECONDS)
    return state


@dataclass(frozen=True)
class _ChannelTemplate:
    id: int
    sort: int
    is_parent_control: bool
    json: str  # the channel's JSON with `%s` where the account's fields go (in `_ACCOUNT_FIELDS` order)


def _channel_template(icon_url: IconUrls, row: dict[str, Any], *, categories: list[dict[str, Any]],
                      guide: sel.NowNext | None, drm: bool) -> _ChannelTemplate:
    item = channel_item(icon_url, {**row, "channel_sort": 0}, flags=sel.NO_FLAGS, subscribed=False,
                         categories=categories, guide=guide, drm=drm)
    for name in _ACCOUNT_FIELDS:
        item[name] = f"{_SLOT_MARK}:{name}"
    text = json.dumps(item, ensure_ascii=False, cls=DjangoJSONEncoder).replace("%", "%%")
    order = _SLOT_RE.findall(text)
    assert tuple(order) == _ACCOUNT_FIELDS, order
    return _ChannelTemplate(id=row["id"], sort=row["sort"], is_parent_control=row["is_parent_control"],
                            json=_SLOT_RE.sub("%s", text))


def visible_rows_by_id(client) -> dict[int, dict[str, Any]]:
    """`sel.lineup_rows` (operator order) by channel id, from a per-process copy kept under the line-up
    state, which changes whenever a visible channel is saved, hidden, shown, added or removed."""
    lineup, _ = _lineup_and_guide_state(client, now=timezone.now(), compact=False)
    key = (client.pk, lineup)
    rows = _visible_rows.get(key)
    if rows is None:
        generation = _lineup_generation[0]
        rows = {row["id"]: row for row in sel.lineup_rows(client=client)}
        if generation == _lineup_generation[0]:
            _visible_rows.set(key, rows, LINEUP_BASE_SECONDS)
    return rows


def _visible_channel(client, channel_id: int) -> dict[str, Any] | None:
    """`sel.channel_row`, from the per-process copy of the visible line-up."""
    return visible_rows_by_id(client).get(channel_id)


def _account_channels(ctx: DeviceContext, *, channel_ids: list[int] | None,
                      use_account_sort: bool) -> list[dict[str, Any]]:
    """`sel.account_channel_rows` (without `channel_sort`): the visible channels asked for (None: all) in
    the account's order, from the per-process line-up and the account's own sort (one query)."""
    assert ctx.session is not None
    visible = visible_rows_by_id(ctx.client)
    if channel_ids is None:
        rows = list(visible.values())
    else:
        wanted = set(channel_ids)
        rows = [row for row in visible.values() if row["id"] in wanted]
    if not use_account_sort or not rows:
        return rows
    flags = sel.account_channel_flags(client=ctx.client, account_id=ctx.session.account_id)
    if not flags:
        return rows

    def position(row: dict[str, Any]) -> tuple[int, int, int]:
        own = flags.get(row["id"], sel.NO_FLAGS).sort
        return (row["sort"] if own is None else own, row["sort"], row["id"])

    return sorted(rows, key=position)


class _LineupBase:
    """The rendered line-up, and the answers already joined from it for accounts without own flags
    (the same bytes for everyone who holds the same channels: most subscribers)."""

    MAX_PLAIN_BODIES = 8

    def __init__(self, channels: tuple[_ChannelTemplate, ...]) -> None:
        self.channels = channels
        self.plain_bodies: dict[tuple, bytes] = {}


def _lineup_base(request: HttpRequest, client, *, compact: bool, lineup: sel.LineupState,
                 guide_state: sel.GuideState | None, now: datetime) -> _LineupBase:
    """The visible line-up in the operator's order, rendered for this host (icons) and guide state."""
    details = operator_details(client_id=client.pk)  # which channels may come DRM-protected
    key = (client.pk, request.get_host(), request.is_secure(), compact, lineup, guide_state, details.fingerprint)
    base = _lineup_bases.get(key)
    if base is not None:
        return base
    with _lineup_lock:  # one thread renders, the others of this process wait for its result
        base = _lineup_bases.get(key)
        if base is None:
            generation = _lineup_generation[0]
            rows = sel.lineup_rows(client=client)
            categories = sel.additional_categories(channel_ids=[row["id"] for row in rows])
            guide = None if compact else sel.now_and_next(
                client=client, epg_channel_ids=[row["epg_channel_id"] for row in rows], now=now)
            icon_url = IconUrls(request)
            base = _LineupBase(tuple(
                _channel_template(icon_url, row, categories=categories.get(row["id"], []),
                                  guide=None if guide is None else guide.get(row["epg_channel_id"], sel.NowNext()),
                                  drm=details.drm_available(row["id"]))
                for row in rows))
            if generation == _lineup_generation[0]:  # nothing was saved meanwhile
                _lineup_bases.set(key, base, LINEUP_BASE_SECONDS)
    return base


def _account_lineup(base: _LineupBase, options: ListOptions, *, entitlements: sel.Entitlements,
                    flags: dict[int, sel.ChannelFlags]) -> HttpResponse:
    """The account's channel/list answer from the rendered line-up: its order, page and fields."""
    plain_key = None if flags else (entitlements.channel_ids, options.offset, options.limit, options.sort_positions)
    body = base.plain_bodies.get(plain_key) if plain_key else None
    if body is None:
        body = _join_lineup(base, options, entitlements=entitlements, flags=flags)
        if plain_key:
            if len(base.plain_bodies) >= base.MAX_PLAIN_BODIES:
                base.plain_bodies.clear()
            base.plain_bodies[plain_key] = body
    return HttpResponse(body, content_type="application/json")


def _join_lineup(base: _LineupBase, options: ListOptions, *, entitlements: sel.Entitlements,
                 flags: dict[int, sel.ChannelFlags]) -> bytes:
    subscribed = entitlements.channel_ids
    entries = []
    for channel in base.channels:
        own = flags.get(channel.id, sel.NO_FLAGS)
        position = own.sort if options.use_account_sort and own.sort is not None else channel.sort
        entries.append((position, channel.sort, channel.id, channel, own))
    if options.sort_positions is not None:  # the operator's sort asked for: as order_by_channel_sort orders
        place = {channel_id: index for index, (channel_id, _) in enumerate(options.sort_positions)}
        entries.sort(key=lambda entry: (place.get(entry[2], len(place)), entry[1], entry[2]))
        entries = [(index, *entry[1:]) for index, entry in enumerate(entries)]
    elif flags and options.use_account_sort:
        entries.sort(key=lambda entry: entry[:3])  # as account_channel_rows orders: channel_sort, sort, id
    if options.limit is not None:
        entries = entries[options.offset:options.offset + options.limit]
    elif options.offset:
        entries = entries[options.offset:]
    items = [
        channel.json % (flag(own.is_hidden), flag(own.is_favorited), flag(channel.id in subscribed),
                        flag(sel.channel_is_locked(channel.is_parent_control, own)), position)
        for position, _, _, channel, own in entries
    ]
    return ('{"channels": [' + ", ".join(items) + '], "error_message": "", "error": 0}').encode()


_lineup_generation = [0]


def _forget_lineups(**kwargs: Any) -> None:
    with _lineup_lock:
        _lineup_generation[0] += 1
        _lineup_bases.clear()
        _lineup_states.clear()
        _visible_rows.clear()
        _schedule_bodies.clear()


for _model in (Channel, ChannelCategory, EpgChannel, EpgProgram, EpgSource):
    post_save.connect(_forget_lineups, sender=_model, dispatch_uid=f"tvmw-lineup-save-{_model.__name__}")
    post_delete.connect(_forget_lineups, sender=_model, dispatch_uid=f"tvmw-lineup-delete-{_model.__name__}")
m2m_changed.connect(_forget_lineups, sender=Channel.additional_categories.through, dispatch_uid="tvmw-lineup-m2m")


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=_list_params(search_required=False),
               errors=(SORT_NOT_FOUND,), response=Obj(channels=ListOf(shapes.CHANNEL)))
def channel_list(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The operator's visible channels in the account's order, with flags and the programme on now.

    Answers `ETag` / `Last-Modified`, and 304 to a matching `If-None-Match` / `If-Modified-Since`."""
    options = _list_options(ctx)
    return options if isinstance(options, HttpResponse) else _channel_list(request, ctx, options)


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=_list_params(search_required=True),
               errors=(SORT_NOT_FOUND,), response=Obj(channels=ListOf(shapes.CHANNEL)))
def channel_list_search(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """channel/list restricted to channels whose name contains `search` (case-insensitive)."""
    options = _list_options(ctx)
    return options if isinstance(options, HttpResponse) else _channel_list(request, ctx, options)


# --- channel/list/programs --------------------------------------------------------------------------

def _requested_channel_ids(ctx: DeviceContext) -> list[int] | None:
    """`channel_ids` and `channel_ids[]` together; None (every channel) when neither is given."""
    if "channel_ids" not in ctx.args and "channel_ids[]" not in ctx.args:
        return None
    return list(dict.fromkeys((ctx.args["channel_ids"] or []) + (ctx.args["channel_ids[]"] or [])))


_CHANNEL_IDS = "Channel ids, repeated or comma separated (also as `channel_ids[]`); all channels when absent."


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("channel_ids", IntList(MAX_CHANNEL_LIMIT), error=INVALID_CHANNEL_LIST, description=_CHANNEL_IDS),
    Param("channel_ids[]", IntList(MAX_CHANNEL_LIMIT), error=INVALID_CHANNEL_LIST, description=_CHANNEL_IDS),
    Param("programs_from_ts", Timestamp(), required=True, description="Start of the window."),
    Param("programs_to_ts", Timestamp(), required=True,
          description=f"End of the window, at most {MAX_GUIDE_WINDOW.days} days after its start."),
    CHANNEL_SORT, ACCOUNT_SORT,
), errors=(BAD_GUIDE_WINDOW, SORT_NOT_FOUND), response=Obj(channels=ListOf(shapes.GRID_CHANNEL)))
def channel_list_programs(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The guide of many channels for a time window (an EPG grid), in one programme query."""
    args = ctx.args
    channel_ids = _requested_channel_ids(ctx)
    if channel_ids is not None and len(channel_ids) > MAX_CHANNEL_LIMIT:
        return error(INVALID_CHANNEL_LIST, f"The channel list is invalid: more than {MAX_CHANNEL_LIMIT} channels.")
    time_from, time_to = args.programs_from_ts, args.programs_to_ts
    if time_to <= time_from or time_to - time_from > MAX_GUIDE_WINDOW:
        return error(BAD_GUIDE_WINDOW,
                     f"programs_to_ts must follow programs_from_ts by at most {MAX_GUIDE_WINDOW.days} days.")
    positions = None
    if args.channel_sort_id is not None:
        positions = channel_sort_positions(client=ctx.client, channel_sort_id=args.channel_sort_id)
        if positions is None:
            return error(SORT_NOT_FOUND, "The requested channel sort does not exist.")
    session = ctx.session
    assert session is not None
    if positions is None:
        rows = _account_channels(ctx, channel_ids=channel_ids, use_account_sort=args.account_sort)
    else:
        rows = order_by_channel_sort(_account_channels(ctx, channel_ids=channel_ids, use_account_sort=False),
                                     positions)
    epg_ids = [row["epg_channel_id"] for row in rows if row["epg_channel_id"]]
    programmes = guide.programmes_by_channel(client_id=ctx.client.pk, epg_channel_ids=epg_ids, time_from=time_from,
                                             time_to=time_to)
    now = timezone.now()
    if time_from <= now < time_to:  # the usual grid around now holds the programmes on air
        on_air = sel.current_in_window(programmes, now=now)
    else:
        on_air = {epg: guide.current for epg, guide in sel.now_and_next(client=ctx.client, epg_channel_ids=epg_ids,
                                                                         now=now).items()}
    channels = []
    for row in rows:
        current = on_air.get(row["epg_channel_id"])
        entries = []
        for programme in programmes.get(row["epg_channel_id"], []):
            fields = programme_fields(programme)
            fields["program_meta"] = fields.pop("meta")
            fields["program_genres"] = fields.pop("genres")
            entries.append(fields)
        channels.append({"id": row["id"], "current_program_id": current["id"] if current else None,
                         "programs": entries})
    return ok(channels=channels, error_message="")


# --- channel/detail ---------------------------------------------------------------------------------

@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("cid", Id(), required=True, description="The channel."),
    Param("show_virtual_tariffs", Flag(), description="Accepted; there are no virtual tariffs here."),
), errors=(CHANNEL_NOT_FOUND,), response=Obj(id=INT, name=STR, actions=ListOf(shapes.TARIFF_OFFER)))
def channel_detail(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """A channel and the tariffs the subscriber could take to watch it (`actions`)."""
    assert ctx.session is not None
    channel = sel.channel_get_visible(client=ctx.client, channel_id=ctx.args.cid)
    if channel is None:
        return error(CHANNEL_NOT_FOUND, "Channel not found.")
    held = sel.customer_entitlements(client=ctx.client, customer_id=ctx.session.customer_id).tariff_ids
    offers = sel.channel_offers(client=ctx.client, channel=channel, exclude_tariff_ids=held)
    actions = [
        {"action": "subscribe", "tariff_id": t.pk, "is_virtual": False, "caption": t.name, "price": float(t.price),
         "periodical": t.period > 0, "activation_price": float(t.activation_price)}
        for t in offers
    ]
    return ok(id=channel.pk, name=channel.name, actions=actions, error_message="")


# --- program/list -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class GuideWindow:
    time_from: datetime
    time_to: datetime
    begins_in_window: bool  # a day of the guide: programmes that start in it


def _day_window(day: date) -> GuideWindow:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()), tz)
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), datetime.min.time()), tz)
    return GuideWindow(start, end, True)


def channel_guide_window(ctx: DeviceContext, channel: dict[str, Any]) -> GuideWindow | HttpResponse:
    """program/list's window of `channel` (`guide_window`, from the programme `pid_from` when given, which
    must be one of the channel's), or the error answer: code 2 (no such programme), 4 (a bad window)."""
    pid_begin = None
    if ctx.args.pid_from is not None:
        anchor = sel.programme_get(client=ctx.client, programme_id=ctx.args.pid_from)
        if anchor is None or anchor["epg_channel_id"] != channel["epg_channel_id"]:
            return error(NO_PROGRAMME_FROM, "No programme matches pid_from.")
        pid_begin = anchor["begin_time"]
    window = guide_window(ctx, pid_begin=pid_begin)
    return error(BAD_GUIDE_WINDOW, window) if isinstance(window, str) else window


def guide_window(ctx: DeviceContext, *, pid_begin: datetime | None) -> GuideWindow | str:
    """The window program/list asks for: `date` (a local day), or `time_from`/`time_to`, or from the
    programme `pid_from`; today when none is given. A message string when the request is invalid."""
    day, time_from, time_to = ctx.args.date, ctx.args.time_from, ctx.args.time_to
    if day is not None:
        if time_from or time_to or pid_begin:
            return "Use either date, or time_from/time_to (with pid_from)."
        return _day_window(day)
    if pid_begin is not None:
        if time_from is not None:
            return "Use either pid_from or time_from."
        time_from = pid_begin
        window = GuideWindow(time_from, time_to or time_from + DEFAULT_GUIDE_WINDOW, True)
    elif time_from is None and time_to is None:
        return _day_window(timezone.localdate())
    else:
        start = time_from or time_to - DEFAULT_GUIDE_WINDOW  # type: ignore[operator]
        window = GuideWindow(start, time_to or start + DEFAULT_GUIDE_WINDOW, False)
    if window.time_to <= window.time_from or window.time_to - window.time_from > MAX_GUIDE_WINDOW:
        return f"time_to must follow time_from by at most {MAX_GUIDE_WINDOW.days} days."
    return window


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("cid", Id(), required=True, description="The channel."),
    Param("pid_from", Id(), description="From this programme of the channel (with `time_to`, else 24 hours)."),
    Param("is_camera", Flag(), default=False, description="Cameras are not supported: 1 answers NOT_SUPPORTED."),
    Param("date", Day(DOTTED), description="A day of the guide (the server's time zone): programmes that "
                                            "start in it. Today when no window is given."),
    Param("time_from", Timestamp(), description="Start of a window (24 hours before `time_to` when absent)."),
    Param("time_to", Timestamp(), description=f"End of a window, at most {MAX_GUIDE_WINDOW.days} days long "
                                              "(24 hours after its start when absent)."),
), errors=(NOT_SUPPORTED, CHANNEL_NOT_FOUND_1, NO_PROGRAMME_FROM, BAD_GUIDE_WINDOW),
   response=Obj(programs=ListOf(Obj(**shapes.GUIDE_ENTRY))))
def program_list(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The guide of one channel for a day or a time window, with archive and viewing flags.

    Answers `ETag` / `Last-Modified`, and 304 to a matching `If-None-Match` / `If-Modified-Since`."""
    cid = ctx.args.cid
    if ctx.args.is_camera:
        return error(NOT_SUPPORTED, "Cameras are not supported.")
    assert ctx.session is not None
    client, account_id = ctx.client, ctx.session.account_id
    channel = _visible_channel(client, cid)
    if channel is None:
        return error(CHANNEL_NOT_FOUND_1, "Channel not found.")
    window = channel_guide_window(ctx, channel)
    if isinstance(window, HttpResponse):
        return window
    subscribed = cid in _entitlements(ctx).channel_ids
    now = timezone.now()
    epg_channel_id = channel["epg_channel_id"]
    state = None if epg_channel_id is None else guide.schedule_state(
        client_id=client.pk, account_id=account_id, epg_channel_id=epg_channel_id, time_from=window.time_from,
        time_to=window.time_to, begins_in_window=window.begins_in_window, now=now,
        archive_hours=channel["max_archive_duration"])

    def render() -> HttpResponse:
        if epg_channel_id is None:
            rows = []
        elif state is not None and state.positions_count:  # with the account's viewing positions
            rows = sel.channel_programmes(
                client=client, account_id=account_id, epg_channel_id=epg_channel_id, time_from=window.time_from,
                time_to=window.time_to, begins_in_window=window.begins_in_window)
        else:
            rows = guide.programmes_by_channel(
                client_id=client.pk, epg_channel_ids=[epg_channel_id], time_from=window.time_from,
                time_to=window.time_to, begins_in_window=window.begins_in_window).get(epg_channel_id, [])
        return ok(programs=[guide_entry(row, channel=channel, subscribed=subscribed, now=now) for row in rows],
                  error_message="")

    def build() -> HttpResponse:
        if state is not None and state.positions_count:
            return render()  # the account's viewing positions are in the answer: its own
        # Without positions the answer is the same for every subscriber who holds (or does not hold) the
        # channel: kept per process under the facts the validators hash (see `_schedule_bodies`).
        key = (client.pk, cid, window, epg_channel_id, channel["max_archive_duration"], channel["updated_at"],
               subscribed, state.programmes if state else None, state.last_import if state else None)
        body = _schedule_bodies.get(key)
        if body is None:
            generation = _lineup_generation[0]
            body = render().content
            if generation == _lineup_generation[0]:
                _schedule_bodies.set(key, body, LINEUP_BASE_SECONDS)
        return HttpResponse(body, content_type="application/json")

    return conditional_response(
        request,
        scope=("program/list", account_id, cid, window),
        state=(channel["epg_channel_id"], channel["max_archive_duration"], channel["updated_at"], subscribed, state),
        data_time=_latest(channel["updated_at"], *(state.data_times() if state else ())),
        build=build,
    )


# --- program/detail ---------------------------------------------------------------------------------

@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("pid", Id(), required=True, description="The programme."),
    Param("cid", Int(0), default=0, description="The channel it is seen on; 0 or absent: the first visible "
                                                "channel that shows it."),
), errors=(PROGRAMME_NOT_FOUND_1,), response=Obj(**shapes.GUIDE_ENTRY))
def program_detail(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """One programme, seen on the channel `cid` (or the first visible channel that shows it)."""
    pid, cid = ctx.args.pid, ctx.args.cid
    assert ctx.session is not None
    programme = sel.programme_with_position(client=ctx.client, account_id=ctx.session.account_id, programme_id=pid)
    if programme is None:
        return error(PROGRAMME_NOT_FOUND_1, "Programme not found.")
    channel = sel.channel_showing(client=ctx.client, epg_channel_id=programme["epg_channel_id"],
                                  channel_id=cid or None)
    if channel is None:
        return error(PROGRAMME_NOT_FOUND_1, "Programme not found on this channel." if cid else "Programme not found.")
    subscribed = channel["id"] in _entitlements(ctx).channel_ids
    return ok(**guide_entry(programme, channel=channel, subscribed=subscribed, now=timezone.now()),
              error_message="")


# --- program/list/search ----------------------------------------------------------------------------

def search_days() -> int:
    return int(getattr(settings, "TVMIDDLEWARE_PROGRAM_LIST_SEARCH_DAYS", 7))


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("search", Text(MAX_SEARCH_LENGTH, strip=True), required=True,
          description="Part of the programme's name (case-insensitive)."),
    Param("limit", Int(1, MAX_SEARCH_LIMIT), default=20, description="Results per page."), PAGE,
    Param("only_archive", Flag(), default=False, description="1: only programmes in the archive."),
    Param("skip_unavailable", Flag(), default=False,
          description="1: only channels the subscriber's tariffs open."),
    *ICON_SIZES,
), response=Obj(results=ListOf(shapes.SEARCH_RESULT)))
def program_list_search(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """Programmes whose name contains `search`, that can still be watched: upcoming ones and those in
    the archive.

    Each result is the channel with the programme's fields (`program_*`)."""
    args = ctx.args
    assert ctx.session is not None
    entitlements = sel.customer_entitlements(client=ctx.client, customer_id=ctx.session.customer_id)
    now = timezone.now()
    hits = sel.programme_search(client=ctx.client, search=args.search, now=now, days=search_days(),
                                only_archive=args.only_archive,
                                only_channel_ids=entitlements.channel_ids if args.skip_unavailable else None,
                                offset=(args.page - 1) * args.limit, limit=args.limit)
    icon_url = IconUrls(request)
    return ok(results=[_search_result(icon_url, hit, entitlements.channel_ids, now) for hit in hits],
              error_message="")


def _search_result(icon_url: IconUrls, hit: sel.ProgrammeHit, subscribed: Iterable[int],
                   now: datetime) -> dict[str, Any]:
    channel, programme = hit.channel, hit.programme
    return {
        "id": channel["id"], "name": channel["name"], "icon": icon_url(channel["icon"]),
        "category_id": channel["category_id"],
        "has_record": flag(sel.is_in_archive(programme, archive_hours=channel["max_archive_duration"], now=now)),
        "blocked": flag(programme["is_blocked"]), "has_subscription": flag(channel["id"] in subscribed), "url": "",
        "program_id": programme["id"], "program_begin_time": unixtime(programme["begin_time"]),
        "program_end_time": unixtime(programme["end_time"]), "program_name": programme["name"],
        "program_short_name": programme["name"], "program_description": programme["description"],
        "program_category": programme["category"], "program_rating": programme["rating"],
        "program_preview_url": programme["preview_url"], "program_meta": programme["meta"] or {},
    }
