"""Account settings and miscellaneous device methods: settings/save, message/list, message/detail,
content/position/set, portal/settings/list."""
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
    MAX_SECONDS, AssetRequired, ChannelPreference, PositionNotSaved, account_settings_save, content_position_set,
    message_mark_read,
)
from common.errors import NotFound
from tvmiddleware.streaming.access import LocalCache

from apikit.device import Auth, DeviceContext, device_type_by_name, device_method
from common.params import MAX_INT, ParamError, Params
from apikit.device_responses import error, flag, ok

logger = logging.getLogger("apis.device")

CHANNELS_SORT_MAX_ITEMS = 5000
CHANNELS_SORT_MAX_CHARS = 1_000_000
MESSAGE_LIST_MAX = 500  # the newest; the reference has no paging for messages


# --- settings/save --------------------------------------------------------------------------------

def _sort_flag(item: dict, name: str) -> bool | None:
    value = item.get(name)
    if value is None:
        return None
    if value in (0, 1, "0", "1") and not isinstance(value, float):  # True/False compare equal to 1/0
        return bool(int(value))
    raise ParamError("channels_sort", f"invalid ({name})")


def _sort_id(item: dict) -> int:
    value = item.get("id")
    if isinstance(value, bool):
        raise ParamError("channels_sort", "invalid (id)")
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if not isinstance(value, int) or not 1 <= value <= MAX_INT:
        raise ParamError("channels_sort", "invalid (id)")
    return value


def _channels_sort_payload(request: HttpRequest, params: Params) -> Any:
    """The raw `channels_sort` array: a JSON form field, or a JSON request body (`[...]` or
    `{"channels_sort": [...]}`). None when the app did not send one."""
    text = params.str("channels_sort", max_length=CHANNELS_SORT_MAX_CHARS) or None
    if text is None and request.method == "POST" and request.content_type == "application/json" and request.body:
        text = request.body.decode("utf-8", "replace")
        if len(text) > CHANNELS_SORT_MAX_CHARS:
            raise ParamError("channels_sort", "too long")
        payload = _json(text)
        return payload.get("channels_sort") if isinstance(payload, dict) else payload
    return None if text is None else _json(text)


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise ParamError("channels_sort", "not valid JSON") from None


def _channels_sort(request: HttpRequest, params: Params) -> list[ChannelPreference] | None:
    """The subscriber's channel order: [{id, is_parent_control, is_favorited, is_hidden}, ...] in
    order; each channel's place in the array becomes its own sort position (0 = first)."""
    payload = _channels_sort_payload(request, params)
    if payload is None:
        return None
    if not isinstance(payload, list) or len(payload) > CHANNELS_SORT_MAX_ITEMS:
        raise ParamError("channels_sort", "not an array")
    items = []
    for position, item in enumerate(payload):
        if not isinstance(item, dict):
            raise ParamError("channels_sort", "invalid item")
        items.append(ChannelPreference(
            channel_id=_sort_id(item), sort=position, is_favorited=_sort_flag(item, "is_favorited"),
            is_parent_control=_sort_flag(item, "is_parent_control"), is_hidden=_sort_flag(item, "is_hidden"),
        ))
    return items


def _optional_flag(params: Params, name: str) -> bool | None:
    value = params.int(name, min_value=0, max_value=1)
    return None if value is None else bool(value)


@device_method(auth=Auth.SESSION, invalid_param_error=1)
def settings_save(request: HttpRequest, ctx: DeviceContext):
    """Save what the subscriber changed in the app's settings: favourite and PIN-locked channels,
    their own channel order, a new parental PIN, time-shift preferences and data centre.

    Changing a channel's lock needs no PIN here: the reference gives this method no parameter for it
    (`parent_code` is the new PIN)."""
    p = ctx.params
    account_settings_save(
        account=ctx.account,
        favorite_channel=p.int("favorite_channel", min_value=1),
        unfavorite_channel=p.int("unfavorite_channel", min_value=1),
        parent_lock_channel=p.int("parent_lock_channel", min_value=1),
        parent_unlock_channel=p.int("parent_unlock_channel", min_value=1),
        parent_code=p.str("parent_code", max_length=64) or None,
        use_timeshift=_optional_flag(p, "use_timeshift"),
        preferred_timeshift_offset=p.int("preferred_timeshift_offset", min_value=-24, max_value=24),
        data_center=p.int("data_center_id", min_value=0, max_value=2**31 - 1),
        channels_sort=_channels_sort(request, p),
    )
    return ok(error_message="")


# --- message/list, message/detail -----------------------------------------------------------------

def _message_fields(message: Message, was_read: bool) -> dict:
    return {"uuid": str(message.uuid), "subject": message.subject, "created_at": message.created_at.isoformat(),
            "urgent": flag(message.urgent), "was_read": flag(was_read)}


@device_method(auth=Auth.SESSION)
def message_list(request: HttpRequest, ctx: DeviceContext):
    """Operator messages for this account and for everybody, newest first, with the read marks."""
    read = MessageRead.objects.filter(message=OuterRef("pk"), account_id=ctx.session.account_id)
    messages = account_messages(client=ctx.client, account_id=ctx.session.account_id).annotate(was_read=Exists(read)).order_by("-created_at", "-id")
    return ok(messages=[_message_fields(m, m.was_read) for m in messages[:MESSAGE_LIST_MAX]], error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=1)
def message_detail(request: HttpRequest, ctx: DeviceContext):
    """Open a message: its full text; it counts as read from now on."""
    try:
        message_uuid = uuid.UUID(ctx.params.str("uuid", required=True, max_length=64))
    except ValueError:
        return error(1, "Parameter 'uuid' is invalid.")
    message = account_messages(client=ctx.client, account_id=ctx.session.account_id).filter(uuid=message_uuid).first()
    if message is None:
        return error(1, "Message not found.")
    message_mark_read(account=ctx.account, message=message)
    return ok(**_message_fields(message, True), text=message.text, no_confirmation=flag(message.no_confirmation),
              error_message="")


# --- content/position/set -------------------------------------------------------------------------

@device_method(auth=Auth.SESSION, invalid_param_error=1)
def position_set(request: HttpRequest, ctx: DeviceContext):
    """Remember where the subscriber stopped an archived programme or a video (file or episode)."""
    p = ctx.params
    content_type = p.str("content_type", required=True, max_length=16)
    if content_type not in (ContentKind.PROGRAM, ContentKind.VIDEO):
        raise ParamError("content_type")
    try:
        content_position_set(
            account=ctx.account, content_type=content_type,
            content_id=p.int("content_id", required=True, min_value=1),
            asset_id=p.int("asset_id", min_value=1),
            position=p.int("position", required=True, min_value=0, max_value=MAX_SECONDS),
            duration=p.int("duration", min_value=0, max_value=MAX_SECONDS),
            is_viewed=_optional_flag(p, "is_viewed"),
        )
    except AssetRequired as exc:
        return error(3, exc.message)
    except NotFound as exc:
        return error(404, exc.message)
    except PositionNotSaved as exc:
        return error(2, exc.message)
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


@device_method(auth=Auth.API_KEY, invalid_param_error=1)
def portal_settings_list(request: HttpRequest, ctx: DeviceContext):
    """What the app's portal shows for this operator and device type (menu sections, logos,
    timers, statistics switches), before the subscriber logs in."""
    name = str(ctx.params.get("device") or "")
    if not name:
        return error(1, "Parameter 'device' is required.")
    device_type = device_type_by_name(name) if len(name) <= 64 and "\x00" not in name else None
    if device_type is None:
        return error(2, "This device type is not available for this client.")
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
