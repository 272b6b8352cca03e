"""Device API responses: `{"error": 0, ...fields}` or `{"error": N, "error_message": "..."}`."""
from __future__ import annotations

from typing import Any

from django.http import JsonResponse

NOT_AUTHORIZED = 403


def ok(**fields: Any) -> JsonResponse:
    return JsonResponse({**fields, "error": 0}, json_dumps_params={"ensure_ascii": False})


def error(code: int, message: str, **fields: Any) -> JsonResponse:
    # Smarty answers errors with HTTP 200 and the code in the body; apps read the body.
    return JsonResponse({**fields, "error": code, "error_message": message}, json_dumps_params={"ensure_ascii": False})


def unixtime(value) -> int | None:
    return int(value.timestamp()) if value is not None else None


def flag(value: Any) -> int:
    return 1 if value else 0
