"""The v2 channel methods: v2/channel/list and v2/channel/info (with a session), and their guest twins
v2/noauth/channel/list and v2/noauth/channel/info (`client_id` + `api_key`, while the operator's guest
browsing is on; see `guest`).

v2/channel/list is the light line-up (one short row per channel, `V2_ROW`): the app then asks
v2/channel/info for the channels it shows, with the programme on now and the next one (the rows of
channel/list, under `programs`). A guest's rows are those of a non-subscriber: without the account's
flags in the list, `has_subscription` 0 in the details. Neither carries a stream URL.
"""
from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from common.readers import Flag, IntList
from tvmiddleware.models import ChannelExtra
from tvmiddleware.selectors import channels as sel
from tvmiddleware.selectors import guest
from tvmiddleware.streaming.access import LocalCache

from apikit.device import Auth, DeviceContext, SessionGone, device_method
from apikit.device_responses import error, flag, json_bytes, ok
from apikit.spec import ANY, FLAG, INT, STR, ListOf, Obj, Param, nullable

from . import channel_shapes as shapes
from .channels import ICON_SIZES, MAX_CHANNEL_LIMIT, IconUrls, channel_item, visible_rows_by_id
from .errors import V2_BAD_REQUEST, V2_CHANNELS_UNAVAILABLE, V2_NOT_FOUND
from .guest import guest_method, guest_rows

V2_GUEST_FIELDS = dict(id=INT, name=STR, category_id=nullable(INT), sort=INT, lcn_number=nullable(INT),
                       is_parent_control=FLAG, show_in_all=FLAG, icon=STR)
V2_GUEST_ROW = Obj(**V2_GUEST_FIELDS)
V2_ROW = Obj(**V2_GUEST_FIELDS, has_subscription=FLAG, is_hidden=FLAG, is_favorited=FLAG)
V2_INFO = Obj(**shapes.CHANNEL.fields, meta=ANY, optional=shapes.CHANNEL.optional)
# The guests' line-up, rendered: the same bytes for every guest of an operator while its line-up, the
# guest tariffs' channels and the asked filters stay (`noauth_channel_list`).
GUEST_LIST_SECONDS = 60
_guest_lists = LocalCache(64)


def v2_row(icon_url: IconUrls, row: dict[str, Any], *, sort: int, flags: sel.ChannelFlags | None = None,
           subscribed: bool = False) -> dict[str, Any]:
    """A channel of the v2 line-up; with `flags` (a subscriber's list) also the account's fields."""
    item = {"id": row["id"], "name": row["name"], "category_id": row["category_id"], "sort": sort,
            "lcn_number": row["lcn_number"], "is_parent_control": flag(row["is_parent_control"]), "show_in_all": 1,
            "icon": icon_url(row["icon"])}
    if flags is not None:
        item.update(is_parent_control=flag(sel.channel_is_locked(row["is_parent_control"], flags)),
                    has_subscription=flag(subscribed), is_hidden=flag(flags.is_hidden),
                    is_favorited=flag(flags.is_favorited))
    return item


def _account_view(ctx: DeviceContext) -> tuple[sel.Entitlements, dict[int, sel.ChannelFlags]]:
    """The session's channels and own flags (from the access snapshot and the shared cache)."""
    assert ctx.session is not None
    entitlements = sel.account_lineup_entitlements(client=ctx.client, account_id=ctx.session.account_id)
    if entitlements is None:
        raise SessionGone()
    return entitlements, sel.account_channel_flags(client=ctx.client, account_id=ctx.session.account_id)


def _in_account_order(rows: list[dict[str, Any]], flags: dict[int, sel.ChannelFlags]) -> list[tuple[int, dict]]:
    """(position, row) in the account's order: its own position of a channel, else the operator's."""
    placed = []
    for row in rows:
        own = flags.get(row["id"], sel.NO_FLAGS).sort
        placed.append((row["sort"] if own is None else own, row["sort"], row["id"], row))
    placed.sort(key=lambda entry: entry[:3])
    return [(position, row) for position, _, _, row in placed]


# --- lists -----------------------------------------------------------------------------------------

@device_method(auth=Auth.SESSION, invalid_param_error=V2_BAD_REQUEST, params=ICON_SIZES,
               response=Obj(channels=ListOf(V2_ROW)))
def channel_list(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The operator's visible channels in the account's order, one short row each, with the account's
    flags. No query when warm (the line-up, the access snapshot and the flags are kept)."""
    entitlements, flags = _account_view(ctx)
    icon_url = IconUrls(request)
    rows = _in_account_order(list(visible_rows_by_id(ctx.client).values()), flags)
    return ok(channels=[v2_row(icon_url, row, sort=position, flags=flags.get(row["id"], sel.NO_FLAGS),
                               subscribed=row["id"] in entitlements.channel_ids) for position, row in rows],
              error_message="")


@guest_method(invalid_param_error=V2_BAD_REQUEST, params=(
    *ICON_SIZES,
    Param("tariff_id", IntList(50), description="Only the channels of these tariffs (comma separated)."),
    Param("exclude_tariff_id", IntList(50), description="Not the channels of these tariffs (comma separated)."),
), response=Obj(channels=ListOf(V2_GUEST_ROW)))
def noauth_channel_list(request: HttpRequest, ctx: DeviceContext, shown: guest.GuestView) -> HttpResponse:
    """The channels guests are shown, in the operator's order (narrowed by `tariff_id`, `exclude_tariff_id`).
    No query when warm."""
    visible = visible_rows_by_id(ctx.client)  # the same object while the line-up stays
    shown_ids = guest.guest_channel_ids(shown)
    if ctx.args.tariff_id:
        shown_ids &= guest.channels_of_tariffs(client=ctx.client, tariff_ids=ctx.args.tariff_id)
    if ctx.args.exclude_tariff_id:
        shown_ids -= guest.channels_of_tariffs(client=ctx.client, tariff_ids=ctx.args.exclude_tariff_id)
    key = (ctx.client.pk, request.get_host(), request.is_secure(), shown_ids)
    kept = _guest_lists.get(key)
    if kept is None or kept[0] is not visible:
        icon_url = IconUrls(request)
        body = json_bytes({"channels": [v2_row(icon_url, row, sort=row["sort"]) for row in visible.values()
                                        if row["id"] in shown_ids], "error_message": "", "error": 0})
        kept = (visible, body)
        _guest_lists.set(key, kept, GUEST_LIST_SECONDS)
    return HttpResponse(kept[1], content_type="application/json")


# --- details ---------------------------------------------------------------------------------------

INFO_PARAMS = (
    Param("channel_ids", IntList(MAX_CHANNEL_LIMIT, nonempty=True), required=True,
          description="The channels, comma separated or repeated."),
    *ICON_SIZES,
    Param("compact", Flag(), default=False, description="1: without the programme on now and the next one."),
    Param("reject_multicast", Flag(), description="Accepted; these rows carry no stream URLs."),
)


def info_rows(request: HttpRequest, ctx: DeviceContext, rows: list[tuple[int, dict[str, Any]]], *,
              flags: dict[int, sel.ChannelFlags], subscribed: frozenset[int]) -> list[dict[str, Any]]:
    """channel/list's rows of these channels (with the programmes on now and next unless `compact`) and
    the channel's `meta` (the Content API's): four queries whatever the number of channels."""
    ids = [row["id"] for _, row in rows]
    categories = sel.additional_categories(channel_ids=ids)
    guide = None if ctx.args.compact else sel.now_and_next(
        client=ctx.client, epg_channel_ids=[row["epg_channel_id"] for _, row in rows], now=timezone.now())
    metas = dict(ChannelExtra.objects.for_client(ctx.client).filter(channel_id__in=ids)
                 .values_list("channel_id", "data__meta"))
    icon_url = IconUrls(request)
    items = []
    for position, row in rows:
        item = channel_item(icon_url, {**row, "channel_sort": position}, flags=flags.get(row["id"], sel.NO_FLAGS),
                            subscribed=row["id"] in subscribed, categories=categories.get(row["id"], []),
                            guide=None if guide is None else guide.get(row["epg_channel_id"], sel.NowNext()))
        item["meta"] = metas.get(row["id"]) or ""
        items.append(item)
    return items


@device_method(auth=Auth.SESSION, invalid_param_error=V2_BAD_REQUEST, params=INFO_PARAMS,
               errors=(V2_CHANNELS_UNAVAILABLE,), response=Obj(programs=ListOf(V2_INFO)))
def channel_info(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The channels asked for, as channel/list shows them to the account (with the programme on now and
    the next one), in the account's order. Code 1: one of them is not in the line-up."""
    entitlements, flags = _account_view(ctx)
    visible = visible_rows_by_id(ctx.client)
    missing = [i for i in ctx.args.channel_ids if i not in visible]
    if missing:
        return error(V2_CHANNELS_UNAVAILABLE, "The requested channels are not available to the user.",
                     channel_ids=missing)
    rows = _in_account_order([visible[i] for i in ctx.args.channel_ids], flags)
    return ok(programs=info_rows(request, ctx, rows, flags=flags, subscribed=entitlements.channel_ids),
              error_message="")


@guest_method(invalid_param_error=V2_BAD_REQUEST, params=INFO_PARAMS, errors=(V2_NOT_FOUND,),
              response=Obj(programs=ListOf(V2_INFO)))
def noauth_channel_info(request: HttpRequest, ctx: DeviceContext, shown: guest.GuestView) -> HttpResponse:
    """The channels asked for, among those guests are shown, as a non-subscriber sees them (with the
    programme on now and the next one), in the operator's order. Code 404: one is not shown to guests."""
    shown_rows = {row["id"]: row for row in guest_rows(ctx, shown)}
    missing = [i for i in ctx.args.channel_ids if i not in shown_rows]
    if missing:
        return error(V2_NOT_FOUND, "The requested channels are not among those guests are shown.",
                     channel_ids=missing)
    rows = sorted((shown_rows[i] for i in ctx.args.channel_ids), key=lambda row: (row["sort"], row["id"]))
    return ok(programs=info_rows(request, ctx, [(row["sort"], row) for row in rows], flags={},
                                 subscribed=frozenset()), error_message="")
