"""Strict parsing of device API parameters: bad values become a documented error, never a 500."""
from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timezone as dt_timezone
from typing import Any

from django.http import HttpRequest, QueryDict

from common.text import has_control, is_digits

_CONTROL_SHOWN = re.compile(r"[\x00-\x1f\x7f]")

MAX_STRING = 1000
MAX_INT = 2**63 - 1


class ParamError(Exception):
    """A parameter is missing or malformed. Views answer their method's "invalid parameter" code."""

    def __init__(self, name: str, problem: str = "invalid") -> None:
        super().__init__(f"Parameter {name!r} is {problem}.")
        self.name = name
        self.problem = problem
        self.code: int | None = None  # the parameter's own error code, when its method declares one


def request_pairs(request: HttpRequest) -> list[tuple[str, str]]:
    """Every (name, value) of the query string and, for a POST, of the body, the query's first.

    A pair the body repeats from the query counts once: some clients (Microimpuls' published Billing
    API client among them) send a method's parameters in the query and copy them into the body,
    signing each once. Values repeated within the query or within the body (arrays) all count."""
    pairs = [(name, value) for name in request.GET for value in request.GET.getlist(name)]
    if request.method != "POST":
        return pairs
    from_query = Counter(pairs)
    for name in request.POST:
        for value in request.POST.getlist(name):
            if from_query[(name, value)] > 0:
                from_query[(name, value)] -= 1  # the body's copy of a query parameter
            else:
                pairs.append((name, value))
    return pairs


class Params:
    """GET and POST parameters together (apps use both), with typed accessors."""

    def __init__(self, request: HttpRequest) -> None:
        merged = QueryDict(mutable=True)
        for name, value in request_pairs(request):
            merged.appendlist(name, value)
        self._data = merged

    def check_characters(self) -> None:
        """Refuse the request when a parameter (its name or any value) holds a control character
        (`common.text.has_control`): once here, before a method reads anything, so no NUL ever
        reaches a query (PostgreSQL refuses NUL in text) and no control character is stored."""
        for key in self._data:
            if has_control(key):
                raise ParamError(_CONTROL_SHOWN.sub("?", key)[:64], "contains a control character")
            if any(has_control(value) for value in self._data.getlist(key)):
                raise ParamError(key, "contains a control character")

    def __contains__(self, name: str) -> bool:
        return name in self._data and self._data.get(name, "") != ""

    def raw(self) -> QueryDict:
        return self._data

    def str(self, name: str, default: str = "", *, required: bool = False, max_length: int = MAX_STRING) -> str:
        value = self._data.get(name)
        if value is None or value == "":
            if required:
                raise ParamError(name, "required")
            return default
        if len(value) > max_length or has_control(value):
            raise ParamError(name)
        return value

    def int(self, name: str, default: int | None = None, *, required: bool = False,
            min_value: int | None = None, max_value: int | None = None) -> int | None:
        value = self._data.get(name)
        if value is None or value.strip() == "":
            if required:
                raise ParamError(name, "required")
            return default
        value = value.strip()
        if len(value) > 20 or not (is_digits(value) or (value[0] == "-" and is_digits(value[1:]))):
            raise ParamError(name)
        number = int(value)
        if abs(number) > MAX_INT:
            raise ParamError(name)
        if (min_value is not None and number < min_value) or (max_value is not None and number > max_value):
            raise ParamError(name, "out of range")
        return number

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.int(name, None, min_value=0, max_value=1)
        return default if value is None else bool(value)

    def int_list(self, name: str, *, max_items: int = 200) -> list[int]:
        """Repeated (`a=1&a=2`) and comma separated (`a=1,2`) forms both work."""
        items: list[int] = []
        for chunk in self._data.getlist(name):
            for part in chunk.split(","):
                part = part.strip()
                if not part:
                    continue
                if not is_digits(part) or len(part) > 19 or int(part) > MAX_INT:
                    raise ParamError(name)
                items.append(int(part))
        if len(items) > max_items:
            raise ParamError(name, "too long")
        return items

    def timestamp(self, name: str, default: datetime | None = None, *, required: bool = False) -> datetime | None:
        """Unix seconds (UTC) → aware datetime."""
        seconds = self.int(name, None, required=required, min_value=0, max_value=4_102_444_800)
        if seconds is None:
            return default
        return datetime.fromtimestamp(seconds, tz=dt_timezone.utc)

    def get(self, name: str, default: Any = None) -> Any:
        return self._data.get(name, default)
