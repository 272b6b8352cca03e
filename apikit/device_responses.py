"""Device API responses: `{"error": 0, ...fields}` or `{"error": N, "error_message": "..."}`."""
from __future__ import annotations

from typing import Any

from django.http import JsonResponse

from .spec import ErrorCode

# The framework's own codes (`apikit.device.device_method` answers them; every method's document lists them).
NOT_AUTHORIZED = ErrorCode(403, "NOT_AUTHORIZED", "Authorization required: no valid session (authkey).")
SERVICE_ERROR = ErrorCode(1, "SERVICE_ERROR", "The request could not be carried out; error_message tells why.")


def ok(**fields: Any) -> JsonResponse:
    return JsonResponse({**fields, "error": 0}, json_dumps_params={"ensure_ascii": False})


def error(code: int, message: str, **fields: Any) -> JsonResponse:
    # Smarty answers errors with HTTP 200 and the code in the body; apps read the body.
    return JsonResponse({**fields, "error": int(code), "error_message": message}, json_dumps_params={"ensure_ascii": False})


def unixtime(value) -> int | None:
    return int(value.timestamp()) if value is not None else None


def flag(value: Any) -> int:
    return 1 if value else 0
