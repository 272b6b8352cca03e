"""The v2 account methods: v2/account/channels/accountsettingsinfo, v2/account/channels/sort,
v2/account/channels/update and v2/account/video/update.

The lists are JSON: in the named parameter (query or form), or as a JSON request body holding the
parameter (`{"channel_ids": [...]}`) or the list itself. What they save is what channel/list answers
(`is_favorited`, `is_hidden`, `is_parent_control`, its order and `channel_sort`) and video/list's
`is_favorited`.
"""
from __future__ import annotations

import json
from typing import Any, Callable

from django.http import HttpRequest, HttpResponse

from common.errors import Invalid, NotFound
from tvmiddleware.selectors import channel_extras as extras
from tvmiddleware.services.channel_settings import (
    ChannelFlagsChange, VideoFlagsChange, account_channels_order, account_channels_update, account_videos_update,
)

from apikit.device import Auth, DeviceContext, device_method
from apikit.device_responses import error, ok
from apikit.spec import INT, ListOf, Obj, Param
from common.params import MAX_INT, ParamError, Params
from common.readers import Reader

from .channels import visible_rows_by_id
from .errors import ACCOUNT_LIST_NOT_FOUND, INVALID_PARAM, V2_BAD_REQUEST

MAX_ITEMS = 5000
MAX_CHARS = 1_000_000


def _parse_json(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise ParamError(name, "not valid JSON") from None


def _id(value: Any, name: str, field: str) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_INT:
        raise ParamError(name, f"invalid ({field})")
    return value


def _flag(item: dict, field: str, name: str, default: bool | None) -> bool | None:
    value = item.get(field)
    if value is None:
        return default
    if value in (0, 1, "0", "1") and not isinstance(value, float):  # True/False compare equal to 1/0
        return bool(int(value))
    raise ParamError(name, f"invalid ({field})")


class JsonList(Reader):
    """A JSON array, each item read by `item(value, name)`; at most `MAX_ITEMS`. Plain ids may also
    come comma separated or repeated (`channel_ids=1,2&channel_ids=3`) when `ids_too`."""

    def __init__(self, item: Callable[[Any, str], Any], *, ids_too: bool = False, description: str = "") -> None:
        self.item = item
        self.ids_too = ids_too
        self.description = description

    def read(self, params: Params, name: str) -> list | None:
        values = [v for v in params.raw().getlist(name) if v.strip()] if name in params.raw() else []
        if not values:
            return None
        text = values[0].strip()
        if self.ids_too and not text.startswith("["):
            payload: Any = [part.strip() for value in values for part in value.split(",") if part.strip()]
        elif len(values) > 1 or len(text) > MAX_CHARS:
            raise ParamError(name, "invalid")
        else:
            payload = _parse_json(text, name)
        return self.items(payload, name)

    def items(self, payload: Any, name: str) -> list:
        if not isinstance(payload, list) or len(payload) > MAX_ITEMS:
            raise ParamError(name, "not an array")
        return [self.item(value, name) for value in payload]

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "description": self.description}


def _body_list(request: HttpRequest, name: str, reader: JsonList) -> list | None:
    """The list sent as a JSON request body: `{"<name>": [...]}` or the array itself; None without one."""
    if request.method != "POST" or request.content_type != "application/json" or not request.body:
        return None
    if len(request.body) > MAX_CHARS:
        raise ParamError(name, "too long")
    payload = _parse_json(request.body.decode("utf-8", "replace"), name)
    if isinstance(payload, dict):
        payload = payload.get(name)
    return None if payload is None else reader.items(payload, name)


def _the_list(request: HttpRequest, ctx: DeviceContext, param: Param) -> list:
    found = ctx.args[param.name] if param.name in ctx.args else _body_list(request, param.name, param.reader)
    if found is None:
        raise ParamError(param.name, "required")
    return found


def _refusal(exc: Invalid | NotFound) -> HttpResponse:
    code = ACCOUNT_LIST_NOT_FOUND if isinstance(exc, NotFound) else V2_BAD_REQUEST
    return error(code, exc.message, error_fields=exc.fields or {})


# --- v2/account/channels/accountsettingsinfo ----------------------------------------------------------

@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, response=Obj(
    is_favorited=ListOf(INT), is_hidden=ListOf(INT), is_parent_control=ListOf(INT)))
def channels_settings_info(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """Ids of the line-up's channels the subscriber marked favourite, hid, and those locked for them by
    PIN (their own lock, else the channel's), in the operator's order. No query when warm."""
    assert ctx.session is not None
    info = extras.account_settings_info(client=ctx.client, account_id=ctx.session.account_id,
                                        visible=visible_rows_by_id(ctx.client))
    return ok(is_favorited=info.is_favorited, is_hidden=info.is_hidden, is_parent_control=info.is_parent_control,
              error_message="")


# --- v2/account/channels/sort ---------------------------------------------------------------------------

CHANNEL_IDS = Param("channel_ids", JsonList(lambda value, name: _id(value, name, "id"), ids_too=True,
                                            description="JSON array of channel ids (also comma separated)"),
                    description="The channels in the subscriber's order, the first first (a JSON array; also "
                                "comma separated, or in a JSON body): the whole line-up, as channels left out "
                                "keep the operator's position number among them.")


@device_method(auth=Auth.SESSION, invalid_param_error=V2_BAD_REQUEST, params=(CHANNEL_IDS,),
               errors=(ACCOUNT_LIST_NOT_FOUND,), response=Obj())
def channels_sort(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """Save the subscriber's own channel order: channel/list (with `account_sort=1`, the default)
    answers it. A channel listed twice answers 400; a channel not of the operator 404 (nothing saved)."""
    try:
        account_channels_order(account=ctx.account, channel_ids=_the_list(request, ctx, CHANNEL_IDS))
    except (Invalid, NotFound) as exc:
        return _refusal(exc)
    return ok(error_message="")


# --- v2/account/channels/update -------------------------------------------------------------------------

def _channel_change(value: Any, name: str) -> ChannelFlagsChange:
    if not isinstance(value, dict):
        raise ParamError(name, "invalid item")
    return ChannelFlagsChange(
        channel_id=_id(value.get("channel_id"), name, "channel_id"),
        is_favorited=_flag(value, "is_favorited", name, False),
        is_hidden=_flag(value, "is_hidden", name, False),
        is_parent_control=_flag(value, "is_parent_control", name, None),
    )


ACCOUNT_CHANNELS = Param("account_channels", JsonList(
    _channel_change, description="JSON array of {channel_id, is_favorited, is_hidden, is_parent_control}"),
    description="The subscriber's settings of channels: `channel_id`; `is_favorited`, `is_hidden` (0/1, 0 when "
                "absent); `is_parent_control` (0/1; unchanged when absent). A JSON array (or a JSON body).")


@device_method(auth=Auth.SESSION, invalid_param_error=V2_BAD_REQUEST, params=(ACCOUNT_CHANNELS,),
               errors=(ACCOUNT_LIST_NOT_FOUND,), response=Obj())
def channels_update(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """Set the subscriber's favourite, hidden and PIN-locked flags of many channels at once (all or
    nothing); channel/list answers them at once."""
    try:
        account_channels_update(account=ctx.account, items=_the_list(request, ctx, ACCOUNT_CHANNELS))
    except (Invalid, NotFound) as exc:
        return _refusal(exc)
    return ok(error_message="")


# --- v2/account/video/update ----------------------------------------------------------------------------

def _video_change(value: Any, name: str) -> VideoFlagsChange:
    if not isinstance(value, dict):
        raise ParamError(name, "invalid item")
    return VideoFlagsChange(video_id=_id(value.get("id"), name, "id"),
                            is_favorited=bool(_flag(value, "is_favorited", name, False)))


ACCOUNT_VIDEO = Param("account_video", JsonList(_video_change, description="JSON array of {id, is_favorited}"),
                      description="The subscriber's settings of videos: `id`, `is_favorited` (0/1, 0 when absent). "
                                  "A JSON array (or a JSON body).")


@device_method(auth=Auth.SESSION, invalid_param_error=V2_BAD_REQUEST, params=(ACCOUNT_VIDEO,),
               errors=(ACCOUNT_LIST_NOT_FOUND,), response=Obj())
def video_update(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """Mark or unmark many videos as the subscriber's favourites at once (all or nothing); video/list
    and video/detail answer `is_favorited` from them."""
    try:
        account_videos_update(account=ctx.account, items=_the_list(request, ctx, ACCOUNT_VIDEO))
    except (Invalid, NotFound) as exc:
        return _refusal(exc)
    return ok(error_message="")
