"""Response helpers of the Smarty-compatible APIs: `{"error": 0, ...}` or `{"error": N, "error_message": ...}`."""
from __future__ import annotations

from typing import Any

from django.http import JsonResponse


def api_ok(**fields: Any) -> JsonResponse:
    return JsonResponse({"error": 0, **fields}, json_dumps_params={"ensure_ascii": False})


def api_error(code: int, message: str, *, status: int = 200, **fields: Any) -> JsonResponse:
    return JsonResponse({"error": code, "error_message": message, **fields}, status=status,
                        json_dumps_params={"ensure_ascii": False})
