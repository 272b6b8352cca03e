"""Channel methods beside the line-up: channel/action, channel/icon/list, channel/programs,
channel/sort/list and premiere/list."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from billing.subscriptions import BasicTariffTaken, InsufficientFunds, TariffUnavailable, tariffs_subscribe
from common.errors import Conflict
from tvmiddleware.models import Tariff
from tvmiddleware.selectors import channel_extras as extras
from tvmiddleware.selectors import channels as sel
from tvmiddleware.selectors import guide_cache

from apikit.device import Auth, DeviceContext, SessionGone, device_method
from apikit.device_responses import error, ok, unixtime
from apikit.spec import INT, STR, TIMESTAMP, ListOf, Obj, Param, nullable
from common.readers import Flag, Id, Int, Text

from .channel_shapes import PROGRAMME_META
from .channels import IconUrls, visible_rows_by_id
from .errors import (
    CHANNEL_ACTION_FAILED, CHANNEL_ACTION_FUNDS, CHANNEL_ACTION_NEEDLESS, CHANNEL_ACTION_NEEDS_TARIFF,
    CHANNEL_ACTION_UNAVAILABLE, INVALID_PARAM,
)

SUBSCRIBE = "subscribe"
MAX_TIMESHIFT = 7 * 86400
MAX_UPCOMING = 100
ICON_SIZES = tuple(Param(name, Int(1, 10_000), description="Accepted; icons are served as uploaded.")
                   for name in ("icon_width", "icon_height"))
TIMESHIFT = Param("timeshift_offset", Int(-MAX_TIMESHIFT, MAX_TIMESHIFT), default=0,
                  description="Seconds the subscriber watches the channel behind (ahead of, when negative) its "
                              "air time: programmes are taken at now minus this, and their times are answered "
                              "shifted by it.")


# --- channel/action ---------------------------------------------------------------------------------

@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("cid", Id(), required=True, description="The channel."),
    Param("action", Text(32, strip=True), required=True,
          description="`subscribe`: the action channel/detail lists (`actions`) for this channel."),
    Param("tariff_id", Id(), required=True, description="The tariff of that action: one that opens the channel."),
), errors=(CHANNEL_ACTION_FAILED, CHANNEL_ACTION_FUNDS, CHANNEL_ACTION_NEEDLESS, CHANNEL_ACTION_UNAVAILABLE,
           CHANNEL_ACTION_NEEDS_TARIFF), response=Obj(result=STR))
def channel_action(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """Do an action channel/detail offered for a channel: `subscribe` takes the tariff `tariff_id`,
    which opens the channel, paying its activation price and first period from the balance (as
    customer/tariff/subscribe does). `result` is `subscribed`."""
    args = ctx.args
    assert ctx.session is not None
    if args.cid not in visible_rows_by_id(ctx.client):
        return error(CHANNEL_ACTION_UNAVAILABLE, "The channel is not available.")
    if args.action != SUBSCRIBE:
        return error(CHANNEL_ACTION_FAILED, f"Unknown action {args.action!r}: channel/detail lists the actions.")
    entitlements = sel.account_lineup_entitlements(client=ctx.client, account_id=ctx.session.account_id)
    if entitlements is None:
        raise SessionGone()
    if args.cid in entitlements.channel_ids:
        return error(CHANNEL_ACTION_NEEDLESS, "The subscriber's tariffs already open this channel.")
    tariff = Tariff.objects.for_client(ctx.client).filter(pk=args.tariff_id).values("pk").first()
    if tariff is None:
        return error(CHANNEL_ACTION_FAILED, "Tariff not found.")
    if not Tariff.objects.for_client(ctx.client).filter(pk=args.tariff_id, channels=args.cid).exists():
        return error(CHANNEL_ACTION_NEEDS_TARIFF, "This tariff does not open the channel: a subscription to one "
                                                  "of the tariffs channel/detail lists is required.")
    try:
        tariffs_subscribe(customer=ctx.customer, tariff_ids=[args.tariff_id], account=ctx.account)
    except TariffUnavailable as exc:
        return error(CHANNEL_ACTION_FAILED, exc.message)
    except BasicTariffTaken as exc:
        return error(CHANNEL_ACTION_FAILED, exc.message)
    except InsufficientFunds:
        return error(CHANNEL_ACTION_FUNDS, "Insufficient funds.")
    except Conflict:
        return error(CHANNEL_ACTION_NEEDLESS, "The tariff is already connected.")
    return ok(result="subscribed", error_message="")


# --- channel/icon/list ------------------------------------------------------------------------------

@device_method(auth=Auth.API_KEY, invalid_param_error=INVALID_PARAM, params=ICON_SIZES,
               response=Obj(icons=ListOf(Obj(id=INT, icon=STR))))
def channel_icon_list(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The icon of every channel the operator shows, in its order (with the API key: apps load them
    before login). Channels without an icon have an empty `icon`."""
    icon_url = IconUrls(request)
    icons = [{"id": row["id"], "icon": icon_url(row["icon"])} for row in visible_rows_by_id(ctx.client).values()]
    return ok(icons=icons)


# --- channel/programs -------------------------------------------------------------------------------

UPCOMING_ROW = Obj(
    id=INT, program_name=STR, program_begin_time=TIMESTAMP, program_end_time=TIMESTAMP, program_preview_url=STR,
    program_rating=nullable(INT), program_category=STR, program_description=STR, datetime_begin=TIMESTAMP,
    datetime_end=TIMESTAMP, optional=("program_description",),
)


def _shifted(moment: datetime, offset: int) -> int | None:
    return unixtime(moment + timedelta(seconds=offset))


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("cid", Id(), required=True, description="The channel."),
    Param("limit", Int(1, MAX_UPCOMING), default=6, description="How many programmes, the current one included."),
    TIMESHIFT,
    Param("compact", Flag(), default=False, description="1: without the programmes' descriptions."),
), response=Obj(programs=ListOf(UPCOMING_ROW)))
def channel_programs(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The programme on air on a channel and the next ones (`limit` in all), from the guide.

    `program_begin_time`/`program_end_time` are as the subscriber sees them (shifted by
    `timeshift_offset`), `datetime_begin`/`datetime_end` as the guide has them. An unknown channel
    answers 1. `Cache-Control` lets the app keep the answer until the programme on air ends (a minute
    at most)."""
    args = ctx.args
    channel = visible_rows_by_id(ctx.client).get(args.cid)
    if channel is None:
        return error(INVALID_PARAM, "Channel not found.", error_fields={"cid": "not found"})
    now = timezone.now()
    at = now - timedelta(seconds=args.timeshift_offset)
    rows: list[dict[str, Any]] = []
    if channel["epg_channel_id"] is not None:
        window = guide_cache.programmes_by_channel(
            client_id=ctx.client.pk, epg_channel_ids=[channel["epg_channel_id"]],
            time_from=at - sel.LONGEST_PROGRAMME, time_to=at + extras.UPCOMING_WINDOW)
        rows = extras.programmes_from(window.get(channel["epg_channel_id"], []), at=at, limit=args.limit)
    offset = args.timeshift_offset
    programs = []
    for row in rows:
        item = {"id": row["id"], "program_name": row["name"], "program_begin_time": _shifted(row["begin_time"], offset),
                "program_end_time": _shifted(row["end_time"], offset), "program_preview_url": row["preview_url"],
                "program_rating": row["rating"], "program_category": row["category"],
                "datetime_begin": unixtime(row["begin_time"]), "datetime_end": unixtime(row["end_time"])}
        if not args.compact:
            item["program_description"] = row["description"]
        programs.append(item)
    response = ok(programs=programs, error_message="")
    until = (rows[0]["end_time"] - at).total_seconds() if rows else 60
    response["Cache-Control"] = f"private, max-age={max(0, min(60, int(until)))}"
    return response


# --- channel/sort/list ------------------------------------------------------------------------------

@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM,
               response=Obj(channel_sort=ListOf(Obj(id=INT, name=STR))))
def channel_sort_list(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The channel orders the operator offers (the panel's Channel sorts): an app passes one's `id` as
    `channel_sort_id` to channel/list, channel/list/search and channel/list/programs."""
    return ok(channel_sort=extras.channel_sorts(client=ctx.client), error_message="")


# --- premiere/list ----------------------------------------------------------------------------------

PREMIERE_ROW = Obj(
    id=INT, name=STR, icon=STR, program_id=INT, program_name=STR, program_short_name=STR,
    program_begin_time=TIMESTAMP, program_preview_url=STR, program_rating=nullable(INT), program_description=STR,
    program_meta=PROGRAMME_META, optional=("program_description", "program_meta"),
)


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("cid", Id(), description="Only this channel's premieres; every channel's when absent."),
    Param("limit", Int(0, 10_000), default=0, description="Premieres per channel; 0: all."),
    TIMESHIFT,
    Param("compact", Flag(), default=False, description="1: without the programmes' descriptions and details."),
    *ICON_SIZES,
), response=Obj(premieres=ListOf(PREMIERE_ROW)))
def premiere_list(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """Premieres still to come (or on air) on the channels the operator shows, the soonest first, each
    with its channel (`id`, `name`, `icon`). The operator marks premieres in the guide (the panel's EPG
    programmes). An unknown channel `cid` answers 1. Two queries at most, whatever the number."""
    args = ctx.args
    visible = visible_rows_by_id(ctx.client)
    if args.cid is not None:
        if args.cid not in visible:
            return error(INVALID_PARAM, "Channel not found.", error_fields={"cid": "not found"})
        channels = [visible[args.cid]]
    else:
        channels = list(visible.values())
    by_epg: dict[int, list[dict[str, Any]]] = {}
    for channel in channels:  # in the operator's order: a programme shown on two channels is listed on both
        if channel["epg_channel_id"] is not None:
            by_epg.setdefault(channel["epg_channel_id"], []).append(channel)
    offset = args.timeshift_offset
    rows = extras.premieres(client=ctx.client, epg_channel_ids=by_epg,
                            now=timezone.now() - timedelta(seconds=offset))
    icon_url = IconUrls(request)
    counts: dict[int, int] = {}
    premieres = []
    for row in rows:
        for channel in by_epg.get(row["epg_channel_id"], ()):
            if args.limit and counts.get(channel["id"], 0) >= args.limit:
                continue
            counts[channel["id"]] = counts.get(channel["id"], 0) + 1
            item = {"id": channel["id"], "name": channel["name"], "icon": icon_url(channel["icon"]),
                    "program_id": row["id"], "program_name": row["name"], "program_short_name": row["name"],
                    "program_begin_time": _shifted(row["begin_time"], offset),
                    "program_preview_url": row["preview_url"], "program_rating": row["rating"]}
            if not args.compact:
                item.update(program_description=row["description"], program_meta=row["meta"] or {})
            premieres.append(item)
    return ok(premieres=premieres, error_message="")
