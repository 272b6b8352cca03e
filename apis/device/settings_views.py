"""Account settings and miscellaneous device methods: settings/save, message/list, message/detail,
message/delete, content/position/set, content/position/delete, portal/settings/list."""
from __future__ import annotations

import copy
import json
import logging
import uuid
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest

from tvmiddleware.models import ContentKind, Message, MessageRead, PortalSetting
from tvmiddleware.selectors import account_messages
from tvmiddleware.services.account_settings import (
    MAX_SECONDS, AssetRequired, ChannelPreference, PositionNotSaved, account_settings_save, content_position_delete,
    content_position_set, message_delete, message_mark_read,
)
from common.errors import NotFound
from tvmiddleware.streaming.access import LocalCache

from apikit.device import Auth, DeviceContext, device_type_by_name, device_method
from apikit.device_responses import error, flag, ok
from apikit.spec import ANY, FLAG, INT, STR, ListOf, Obj, Param
from common.params import MAX_INT, ParamError, Params
from common.readers import Flag, Id, Int, Reader, Text, Uuid, Choice

from .errors import (
    ASSET_REQUIRED, CONTENT_NOT_FOUND, DEVICE_TYPE_UNAVAILABLE, INVALID_PARAM, MESSAGE_NOT_FOUND, POSITION_NOT_SAVED,
)

logger = logging.getLogger("apis.device")

CHANNELS_SORT_MAX_ITEMS = 5000
CHANNELS_SORT_MAX_CHARS = 1_000_000
MESSAGE_LIST_MAX = 500  # the newest; the reference has no paging for messages


# --- settings/save --------------------------------------------------------------------------------

class ChannelsSort(Reader):
    """The subscriber's channel order, a JSON array: [{id, is_parent_control, is_favorited,
    is_hidden}, ...] in order; each channel's place in the array becomes its own sort position
    (0 = first). The flags are 0/1 or absent (unchanged)."""

    def read(self, params: Params, name: str) -> list[ChannelPreference] | None:
        text = params.str(name, max_length=CHANNELS_SORT_MAX_CHARS)
        return None if text == "" else self.parse(text, name)

    def parse(self, text: str, name: str) -> list[ChannelPreference]:
        return self.items(_json(text, name), name)

    def items(self, payload: Any, name: str) -> list[ChannelPreference]:
        if not isinstance(payload, list) or len(payload) > CHANNELS_SORT_MAX_ITEMS:
            raise ParamError(name, "not an array")
        items = []
        for position, item in enumerate(payload):
            if not isinstance(item, dict):
                raise ParamError(name, "invalid item")
            items.append(ChannelPreference(
                channel_id=_sort_id(item, name), sort=position, is_favorited=_sort_flag(item, "is_favorited", name),
                is_parent_control=_sort_flag(item, "is_parent_control", name),
                is_hidden=_sort_flag(item, "is_hidden", name),
            ))
        return items

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "maxLength": CHANNELS_SORT_MAX_CHARS,
                "description": "JSON array of {id, is_parent_control, is_favorited, is_hidden}"}


def _json(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise ParamError(name, "not valid JSON") from None


def _sort_flag(item: dict, field: str, name: str) -> bool | None:
    value = item.get(field)
    if value is None:
        return None
    if value in (0, 1, "0", "1") and not isinstance(value, float):  # True/False compare equal to 1/0
        return bool(int(value))
    raise ParamError(name, f"invalid ({field})")


def _sort_id(item: dict, name: str) -> int:
    value = item.get("id")
    if isinstance(value, bool):
        raise ParamError(name, "invalid (id)")
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if not isinstance(value, int) or not 1 <= value <= MAX_INT:
        raise ParamError(name, "invalid (id)")
    return value


def _channels_sort_body(request: HttpRequest) -> list[ChannelPreference] | None:
    """The order sent as a JSON request body (`[...]` or `{"channels_sort": [...]}`), or None."""
    if request.method == "POST" and request.content_type == "application/json" and request.body:
        text = request.body.decode("utf-8", "replace")
        if len(text) > CHANNELS_SORT_MAX_CHARS:
            raise ParamError("channels_sort", "too long")
        payload = _json(text, "channels_sort")
        if isinstance(payload, dict):
            payload = payload.get("channels_sort")
        return None if payload is None else ChannelsSort().items(payload, "channels_sort")
    return None


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("favorite_channel", Id(), description="Mark this channel a favourite."),
    Param("unfavorite_channel", Id(), description="Unmark this favourite channel."),
    Param("parent_lock_channel", Id(), description="Lock this channel with the parental PIN."),
    Param("parent_unlock_channel", Id(), description="Unlock this channel."),
    Param("parent_code", Text(64), description="A new parental-control PIN."),
    Param("use_timeshift", Flag(), description="1: play live channels time-shifted."),
    Param("preferred_timeshift_offset", Int(-24, 24), description="The time-shift offset, hours."),
    Param("data_center_id", Int(0, 2**31 - 1), description="The preferred data centre."),
    Param("channels_sort", ChannelsSort(), description="The subscriber's channel order with per-channel flags "
                                                       "(also accepted as a JSON request body)."),
), response=Obj())
def settings_save(request: HttpRequest, ctx: DeviceContext):
    """Save what the subscriber changed in the app's settings.

    Favourite and PIN-locked channels, their own channel order, a new parental PIN, time-shift
    preferences and data centre. Changing a channel's lock needs no PIN here: the reference gives
    this method no parameter for it (`parent_code` is the new PIN)."""
    args = ctx.args
    account_settings_save(
        account=ctx.account,
        favorite_channel=args.favorite_channel,
        unfavorite_channel=args.unfavorite_channel,
        parent_lock_channel=args.parent_lock_channel,
        parent_unlock_channel=args.parent_unlock_channel,
        parent_code=args.parent_code,
        use_timeshift=args.use_timeshift,
        preferred_timeshift_offset=args.preferred_timeshift_offset,
        data_center=args.data_center_id,
        channels_sort=args.channels_sort if "channels_sort" in args else _channels_sort_body(request),
    )
    return ok(error_message="")


# --- message/list, message/detail -----------------------------------------------------------------

def _message_fields(message: Message, was_read: bool) -> dict:
    return {"uuid": str(message.uuid), "subject": message.subject, "created_at": message.created_at.isoformat(),
            "urgent": flag(message.urgent), "was_read": flag(was_read)}


MESSAGE_ROW = dict(uuid=STR, subject=STR, created_at=STR, urgent=FLAG, was_read=FLAG)


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, response=Obj(messages=ListOf(Obj(**MESSAGE_ROW))))
def message_list(request: HttpRequest, ctx: DeviceContext):
    """Operator messages for this account and for everybody, newest first, with the read marks."""
    read = MessageRead.objects.filter(message=OuterRef("pk"), account_id=ctx.session.account_id)
    messages = account_messages(client=ctx.client, account_id=ctx.session.account_id).annotate(was_read=Exists(read)).order_by("-created_at", "-id")
    return ok(messages=[_message_fields(m, m.was_read) for m in messages[:MESSAGE_LIST_MAX]], error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("uuid", Uuid(), required=True, description="The message's uuid (from message/list)."),
), errors=(MESSAGE_NOT_FOUND,), response=Obj(**MESSAGE_ROW, text=STR, no_confirmation=FLAG))
def message_detail(request: HttpRequest, ctx: DeviceContext):
    """Open a message: its full text; it counts as read from now on."""
    message = account_messages(client=ctx.client, account_id=ctx.session.account_id).filter(uuid=ctx.args.uuid).first()
    if message is None:
        return error(MESSAGE_NOT_FOUND, "Message not found.")
    message_mark_read(account=ctx.account, message=message)
    return ok(**_message_fields(message, True), text=message.text, no_confirmation=flag(message.no_confirmation),
              error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("uuid", Text(64), required=True, description='The message\'s uuid (from message/list), or "all" for '
                                                        "every message of the account."),
), errors=(MESSAGE_NOT_FOUND,), response=Obj())
def message_delete_view(request: HttpRequest, ctx: DeviceContext):
    """Remove a message (or all) from the subscriber's list; the operator's message itself stays."""
    wanted = ctx.args.uuid.strip()
    if wanted.lower() == "all":
        message_delete(account=ctx.account, message=None)
        return ok(error_message="")
    try:
        key = uuid.UUID(wanted)
    except ValueError:
        return error(MESSAGE_NOT_FOUND, "The uuid is malformed.", error_fields={"uuid": "invalid"})
    message = account_messages(client=ctx.client, account_id=ctx.session.account_id).filter(uuid=key).first()
    if message is None:
        return error(MESSAGE_NOT_FOUND, "Message not found.")
    message_delete(account=ctx.account, message=message)
    return ok(error_message="")


# --- content/position/set -------------------------------------------------------------------------

@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("content_type", Choice((ContentKind.PROGRAM.value, ContentKind.VIDEO.value)), required=True,
          description="What was watched: an archived programme or a video."),
    Param("content_id", Id(), required=True, description="The programme's or the video's id."),
    Param("asset_id", Id(), description="The video's file or episode."),
    Param("position", Int(0, MAX_SECONDS), required=True, description="Where the subscriber stopped, seconds."),
    Param("duration", Int(0, MAX_SECONDS), description="The content's length, seconds."),
    Param("is_viewed", Flag(), description="1: watched to the end."),
), errors=(ASSET_REQUIRED, CONTENT_NOT_FOUND, POSITION_NOT_SAVED), response=Obj())
def position_set(request: HttpRequest, ctx: DeviceContext):
    """Remember where the subscriber stopped an archived programme or a video (file or episode)."""
    args = ctx.args
    try:
        content_position_set(account=ctx.account, content_type=args.content_type, content_id=args.content_id,
                             asset_id=args.asset_id, position=args.position, duration=args.duration,
                             is_viewed=args.is_viewed)
    except AssetRequired as exc:
        return error(ASSET_REQUIRED, exc.message)
    except NotFound as exc:
        return error(CONTENT_NOT_FOUND, exc.message)
    except PositionNotSaved as exc:
        return error(POSITION_NOT_SAVED, exc.message)
    return ok(error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("content_type", Choice((ContentKind.PROGRAM.value, ContentKind.VIDEO.value)), required=True,
          description="An archived programme or a video."),
    Param("content_id", Id(), required=True, description="The programme's or the video's id."),
    Param("asset_id", Id(), description="One file or episode of the video; absent: every one of them."),
), errors=(POSITION_NOT_SAVED,), response=Obj())
def position_delete(request: HttpRequest, ctx: DeviceContext):
    """Forget where the subscriber stopped a programme or a video (one asset, or all of a video's)."""
    args = ctx.args
    try:
        content_position_delete(account=ctx.account, content_type=args.content_type, content_id=args.content_id,
                                asset_id=args.asset_id)
    except PositionNotSaved as exc:
        return error(POSITION_NOT_SAVED, exc.message)
    return ok(error_message="")


# --- portal/settings/list -------------------------------------------------------------------------

# The documented fields with their defaults; an operator's PortalSetting rows (key = field name)
# override them, cast to the field's type.
PORTAL_DEFAULTS: dict[str, Any] = {
    "show_tvchannels": 1, "show_categorizedtv": 0, "show_archive": 1, "show_videocatalog": 1, "show_cctv": 0,
    "show_radio": 0, "show_games": 0, "show_balance": 1, "show_payment": 0, "show_info": 1, "show_settings": 1,
    "show_exit": 1, "template": "", "custom_api_url": "", "custom_css_url": "", "client_logo_url": "",
    "client_logo_login_url": "", "client_logo_loading_url": "", "login_text": "", "reports_enabled": 0,
    "data_autorefresh_enabled": 1, "standby_timer": 0, "pvr_standby_timer": 0, "has_child_clients": 0,
    "redirect_to_portal_url": "", "auth_mode": "", "mediascope_enabled": 0, "start_stat_enabled": 0,
    "mvision_stat_enabled": 0, "mvision_server_url": "", "premier_stat_enabled": 0,
    "premier_stat_start_event_url": "", "premier_stat_heartbeat_event_url": "", "use_new_billing_logic": 0,
    "portal_config": {}, "available_country_phone_codes": [],
    "banner_video": {"video_id": None, "image_url": "", "video_id_for_child_mode": None,
                     "image_url_for_child_mode": ""},
}
_TRUE_WORDS = {"true": 1, "yes": 1, "on": 1, "false": 0, "no": 0, "off": 0}


def _cast(default: Any, value: str) -> Any:
    """An operator's text value as the field's documented type; ValueError when it does not fit."""
    if isinstance(default, bool) or default is None:
        raise ValueError("not overridable")
    if isinstance(default, int):
        text = value.strip().lower()
        return _TRUE_WORDS[text] if text in _TRUE_WORDS else int(text)
    if isinstance(default, str):
        return value
    parsed = json.loads(value)
    if isinstance(default, dict) and isinstance(parsed, dict):
        return {**default, **parsed}
    if isinstance(default, list) and isinstance(parsed, list):
        return parsed
    raise ValueError("wrong JSON type")


def _portal_overrides(ctx: DeviceContext, device_type_id: int) -> dict[str, str]:
    """The operator's values: general rows first, then this device type's rows over them."""
    rows = (PortalSetting.objects.for_client(ctx.client)
            .filter(Q(device_type__isnull=True) | Q(device_type_id=device_type_id))
            .values_list("key", "value", "device_type_id"))
    values: dict[str, str] = {}
    for key, value, row_device_type in sorted(rows, key=lambda r: r[2] is not None):
        values[key] = value
    return values


def _shape(default: Any) -> Any:
    """A portal field's shape in the answer: JSON fields take whatever the operator stored."""
    return INT if isinstance(default, int) else STR if isinstance(default, str) else ListOf(ANY) \
        if isinstance(default, list) else ANY


@device_method(auth=Auth.API_KEY, invalid_param_error=INVALID_PARAM, params=(
    # Any length a request carries (Django's body limit): a long name is an unknown device type (2).
    Param("device", Text(2_621_440), required=True, description="The device type's system name, e.g. `mag`."),
), errors=(DEVICE_TYPE_UNAVAILABLE,), response=Obj(
    random_uuid4=STR, client_uid=STR, backend_version=STR, **{name: _shape(value) for name, value in PORTAL_DEFAULTS.items()},
))
def portal_settings_list(request: HttpRequest, ctx: DeviceContext):
    """What the app's portal shows for this operator and device type, before the subscriber logs in.

    Menu sections, logos, timers, statistics switches: the documented defaults with the operator's
    values for this device type over them."""
    name = ctx.args.device
    device_type = device_type_by_name(name) if len(name) <= 64 else None  # longer names are never system names
    if device_type is None:
        return error(DEVICE_TYPE_UNAVAILABLE, "This device type is not available for this client.")
    fields = _portal_fields(ctx, device_type.pk)
    return ok(random_uuid4=str(uuid.uuid4()), **fields, client_uid=str(ctx.client.pk),
              backend_version=str(settings.SPECTACULAR_SETTINGS.get("VERSION", "")), error_message="")


# Apps ask for the portal settings at every start, before login: the operator's values are kept per
# process for a few seconds (and dropped at once in this process when a PortalSetting is saved).
PORTAL_SETTINGS_LOCAL_SECONDS = 10
_portal_cache = LocalCache(2000)


def _portal_fields(ctx: DeviceContext, device_type_id: int) -> dict[str, Any]:
    """The documented fields with the operator's values for this device type (never mutated)."""
    key = (ctx.client.pk, device_type_id)
    fields = _portal_cache.get(key)
    if fields is None:
        fields = copy.deepcopy(PORTAL_DEFAULTS)
        for name, value in _portal_overrides(ctx, device_type_id).items():
            if name not in fields:
                continue
            try:
                fields[name] = _cast(fields[name], value)
            except (ValueError, RecursionError):
                logger.warning("portal setting %s of client %s has a value of the wrong type", name, ctx.client.pk)
        _portal_cache.set(key, fields, PORTAL_SETTINGS_LOCAL_SECONDS)
    return fields


def _forget_portal_settings(**kwargs: Any) -> None:
    _portal_cache.clear()


post_save.connect(_forget_portal_settings, sender=PortalSetting, dispatch_uid="tvmw-portal-settings-save")
post_delete.connect(_forget_portal_settings, sender=PortalSetting, dispatch_uid="tvmw-portal-settings-delete")
