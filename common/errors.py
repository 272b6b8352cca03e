"""Errors services raise; API layers translate them into their documented codes."""
from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A business rule refused the operation. `code` is stable for API layers to map."""

    code = "error"

    def __init__(self, message: str, *, fields: dict[str, Any] | None = None, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.context = context


class NotFound(ServiceError):
    code = "not_found"


class Invalid(ServiceError):
    code = "invalid"


class Conflict(ServiceError):
    """The row already exists or the state forbids the change (duplicate ext_id, tariff held...)."""

    code = "conflict"


class LimitReached(ServiceError):
    code = "limit_reached"


class DeviceBoundElsewhere(Conflict):
    code = "device_bound_elsewhere"
