"""Device API responses: `{"error": 0, ...fields}` or `{"error": N, "error_message": "..."}`."""
from __future__ import annotations

import json
from typing import Any

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse

from .spec import ErrorCode

# The framework's own codes (`apikit.device.device_method` answers them; every method's document lists them).
NOT_AUTHORIZED = ErrorCode(403, "NOT_AUTHORIZED", "Authorization required: no valid session (authkey).")
SERVICE_ERROR = ErrorCode(1, "SERVICE_ERROR", "The request could not be carried out; error_message tells why.")


_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
_django_encoder = DjangoJSONEncoder()


def _default(value: Any) -> Any:
    """What orjson leaves to us, encoded as Django's encoder would (dates, times, decimals, lazy text)."""
    return _django_encoder.default(value)


def json_bytes(data: Any) -> bytes:
    """UTF-8 JSON of an answer, with orjson (several times faster than the json module on large
    answers); values as DjangoJSONEncoder writes them, so the answers do not change."""
    try:
        return orjson.dumps(data, default=_default, option=_JSON_OPTIONS)
    except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits: the json module copes
        return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).encode()


class DeviceAnswer(HttpResponse):
    """A JSON answer of the device API (`JsonResponse`'s content type; its body written by orjson)."""

    def __init__(self, data: dict[str, Any], **kwargs: Any) -> None:
        kwargs.setdefault("content_type", "application/json")
        super().__init__(content=json_bytes(data), **kwargs)


def ok(**fields: Any) -> HttpResponse:
    return DeviceAnswer({**fields, "error": 0})


def error(code: int, message: str, **fields: Any) -> HttpResponse:
    # Smarty answers errors with HTTP 200 and the code in the body; apps read the body.
    return DeviceAnswer({**fields, "error": int(code), "error_message": message})


def unixtime(value) -> int | None:
    return int(value.timestamp()) if value is not None else None


def flag(value: Any) -> int:
    return 1 if value else 0
