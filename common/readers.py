"""Typed readers of request parameters: one per kind of value the APIs take.

Every API method declares its parameters with these (`apikit.spec.Param`), so a kind of value is
parsed, validated and documented in one place: one money reader, one id reader, one date reader.

`read(params, name)` returns None when the parameter is absent (or empty), else the parsed value,
and raises `ParamError` when it is malformed. `schema()` is the value's OpenAPI 3 schema (as it
travels: a query or form string), which the generated API document shows.
"""
from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timezone as dt_timezone
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from .money import CENT, LEDGER_MAX, MAX_TEXT, MoneyError, read_decimal, read_money
from .params import MAX_INT, MAX_STRING, ParamError, Params
from .text import has_control, is_digits, json_has_nul

LONG_TEXT = 20_000
MAX_TIMESTAMP = 4_102_444_800  # 2100-01-01


class Reader:
    """How one kind of parameter value is read and documented."""

    def read(self, params: Params, name: str) -> Any:
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:
        return {"type": "string"}

    def jsonable(self, value: Any) -> Any:
        """How the value is kept in an object's extra data."""
        return value


@dataclass(frozen=True)
class Text(Reader):
    """Text without control characters, at most `max_length` characters; `strip`: without the
    surrounding white space (blank text is then absent)."""

    max_length: int = MAX_STRING
    strip: bool = False

    def read(self, params: Params, name: str) -> str | None:
        value = params.str(name, max_length=self.max_length)
        if self.strip:
            value = value.strip()
        return value if value != "" else None

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "maxLength": self.max_length}

    @classmethod
    def of(cls, model: Any, field: str) -> "Text":
        """As long as the model column allows."""
        return cls(model._meta.get_field(field).max_length or LONG_TEXT)


@dataclass(frozen=True)
class Int(Reader):
    """A decimal integer within [min_value, max_value]."""

    min_value: int | None = 0
    max_value: int | None = MAX_INT

    def read(self, params: Params, name: str) -> int | None:
        return params.int(name, min_value=self.min_value, max_value=self.max_value)

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "integer"}
        if self.min_value is not None:
            schema["minimum"] = self.min_value
        if self.max_value is not None:
            schema["maximum"] = self.max_value
        return schema


@dataclass(frozen=True)
class Id(Int):
    """A row id: a positive integer."""

    min_value: int | None = 1


@dataclass(frozen=True)
class Digits(Reader):
    """A string of ASCII digits kept as text (an abonement, a PIN, a phone number: leading zeros
    count); `plus` allows a leading '+'."""

    max_length: int = 32
    plus: bool = False

    def read(self, params: Params, name: str) -> str | None:
        value = Text(self.max_length).read(params, name)
        if value is not None and not is_digits(value.lstrip("+") if self.plus else value):
            raise ParamError(name, "not digits")
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": "^\\+*[0-9]+$" if self.plus else "^[0-9]+$", "maxLength": self.max_length}


@dataclass(frozen=True)
class Uuid(Reader):
    """A UUID in any of its usual spellings (with or without hyphens, braces, a `urn:uuid:` prefix)."""

    def read(self, params: Params, name: str) -> uuid.UUID | None:
        raw = Text(64).read(params, name)
        if raw is None:
            return None
        try:
            return uuid.UUID(raw)
        except ValueError:
            raise ParamError(name, "not a UUID") from None

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "uuid"}

    def jsonable(self, value: Any) -> str:
        return str(value)


@dataclass(frozen=True)
class Flag(Reader):
    """0 or 1; absent, empty or blank is absent (the method's default applies)."""

    def read(self, params: Params, name: str) -> bool | None:
        value = params.int(name, None, min_value=0, max_value=1)
        return None if value is None else bool(value)

    def schema(self) -> dict[str, Any]:
        return {"type": "integer", "enum": [0, 1]}

    def jsonable(self, value: Any) -> int:
        return int(bool(value))


@dataclass(frozen=True)
class Choice(Reader):
    """One of a fixed set of values (all ints or all strings)."""

    allowed: tuple[Any, ...]

    def read(self, params: Params, name: str) -> Any:
        kind = type(self.allowed[0])
        raw = params.int(name) if kind is int else Text(64).read(params, name)
        if raw is not None and raw not in self.allowed:
            raise ParamError(name, f"not one of {', '.join(map(str, self.allowed))}")
        return raw

    def schema(self) -> dict[str, Any]:
        kind = "integer" if isinstance(self.allowed[0], int) else "string"
        return {"type": kind, "enum": list(self.allowed)}


@dataclass(frozen=True)
class Dec(Reader):
    """A plain ASCII decimal with a dot (a rating, seconds with milliseconds): `common.money` rules."""

    places: int = 3
    min_value: Decimal = Decimal(0)
    max_value: Decimal = Decimal("9999999")

    def read(self, params: Params, name: str) -> Decimal | None:
        raw = Text(MAX_TEXT).read(params, name)
        if raw is None:
            return None
        try:
            return read_decimal(raw, places=self.places, minimum=self.min_value, maximum=self.max_value)
        except MoneyError as exc:
            raise ParamError(name, exc.problem) from None

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "maxLength": MAX_TEXT,
                "description": f"decimal, at most {self.places} places, {self.min_value}..{self.max_value}"}

    def jsonable(self, value: Any) -> str:
        return str(value)


@dataclass(frozen=True)
class Money(Reader):
    """An amount of money: a plain ASCII decimal with a dot and at most two places (`common.money`).

    Negative amounts only when `negative`; `positive` refuses zero; the magnitude stays below
    `maximum` (default: what the ledger holds)."""

    negative: bool = False
    positive: bool = False
    maximum: Decimal | None = None

    def read(self, params: Params, name: str) -> Decimal | None:
        raw = params.str(name, max_length=MAX_TEXT)
        if not raw:
            return None
        limit = LEDGER_MAX if self.maximum is None else min(LEDGER_MAX, self.maximum - CENT)
        try:
            return read_money(raw, negative=self.negative, positive=self.positive, maximum=limit)
        except MoneyError as exc:
            raise ParamError(name, exc.problem) from None

    def schema(self) -> dict[str, Any]:
        sign = "-?" if self.negative else ""
        return {"type": "string", "pattern": f"^{sign}[0-9]+(\\.[0-9]{{1,2}})?$", "maxLength": MAX_TEXT,
                "description": "amount of money, a decimal with a dot and at most 2 places"}


_url_validator = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class Url(Reader):
    """An image or stream address; only http(s), nothing is fetched from it."""

    max_length: int = 500

    def read(self, params: Params, name: str) -> str | None:
        value = Text(self.max_length).read(params, name)
        if value is None:
            return None
        try:
            _url_validator(value)
        except ValidationError:
            raise ParamError(name, "not an http(s) URL") from None
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "uri", "maxLength": self.max_length}


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DOTTED_DAY = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")
ISO = "YYYY-MM-DD"
DOTTED = "DD.MM.YYYY"  # the device API's guide days: 31.12.2024


@dataclass(frozen=True)
class Day(Reader):
    """A calendar date, YYYY-MM-DD; with `fmt=DOTTED` DD.MM.YYYY (days and months may lack the zero;
    years 1900..2100)."""

    fmt: str = ISO

    def read(self, params: Params, name: str) -> date | None:
        raw = Text(10).read(params, name)
        if raw is None:
            return None
        raw = raw.strip()
        try:
            if self.fmt == DOTTED:
                if not (match := _DOTTED_DAY.fullmatch(raw)) or not 1900 <= int(match[3]) <= 2100:
                    raise ValueError(raw)
                return date(int(match[3]), int(match[2]), int(match[1]))
            if not _DAY.fullmatch(raw):
                raise ValueError(raw)
            return date.fromisoformat(raw)
        except ValueError:
            raise ParamError(name, f"not a {self.fmt} date") from None

    def schema(self) -> dict[str, Any]:
        if self.fmt == DOTTED:
            return {"type": "string", "pattern": r"^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}$", "description": "DD.MM.YYYY"}
        return {"type": "string", "format": "date"}

    def jsonable(self, value: Any) -> str:
        return value.isoformat()


@dataclass(frozen=True)
class Moment(Reader):
    """ISO-8601 (`YYYY-MM-DDThh:mm:ss.sTZD`); a date alone means its midnight, no offset the server's zone."""

    def read(self, params: Params, name: str) -> datetime | None:
        raw = Text(64).read(params, name)
        return None if raw is None else parse_moment(raw, name)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date-time"}

    def jsonable(self, value: Any) -> str:
        return value.isoformat()


def parse_moment(raw: str, name: str) -> datetime:
    # An unencoded '+' of the offset arrives as a space.
    raw = re.sub(r"([T ]\d\d:\d\d(:\d\d(\.\d+)?)?) (\d\d(:?\d\d)?)$", r"\1+\4", raw.strip())
    try:
        value = parse_datetime(raw)
        if value is None and (day := parse_date(raw)) is not None:
            value = datetime.combine(day, time.min)
    except ValueError:
        value = None
    if value is None or not 1900 <= value.year <= 2100:
        raise ParamError(name, "not an ISO-8601 date and time")
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@dataclass(frozen=True)
class Timestamp(Reader):
    """Unix seconds (UTC) → an aware datetime."""

    def read(self, params: Params, name: str) -> datetime | None:
        seconds = params.int(name, min_value=0, max_value=MAX_TIMESTAMP)
        return None if seconds is None else datetime.fromtimestamp(seconds, tz=dt_timezone.utc)

    def schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": 0, "maximum": MAX_TIMESTAMP, "description": "Unix time, seconds"}


@dataclass(frozen=True)
class IntList(Reader):
    """Integers, repeated (`a=1&a=2`) or comma separated (`a=1,2`); duplicates dropped, order kept.
    An empty list when the parameter is given empty, None when it is absent. Each within
    [min_value, max_value]; `nonempty`: a value without any number (`a=,`) is refused, a blank one
    is as if absent."""

    max_items: int = 200
    min_value: int = 0
    max_value: int = MAX_INT
    nonempty: bool = False

    def read(self, params: Params, name: str) -> list[int] | None:
        if name not in params.raw():
            return None
        items = list(dict.fromkeys(params.int_list(name, max_items=self.max_items)))
        if any(not self.min_value <= item <= self.max_value for item in items):
            raise ParamError(name, "out of range")
        if self.nonempty and not items:
            if name not in params:
                return None
            raise ParamError(name, "empty")
        return items

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": r"^[0-9]*(,[0-9]+)*$",
                "description": f"comma separated integers, {self.min_value}..{self.max_value}, "
                               f"at most {self.max_items}"}


@dataclass(frozen=True)
class TextList(Reader):
    """Texts, repeated (`a=x&a=y`) or comma separated (`a=x,y`), each without the surrounding white
    space; blank items are dropped. None when the parameter is absent."""

    max_items: int = 50
    max_length: int = 100

    def read(self, params: Params, name: str) -> list[str] | None:
        if name not in params.raw():
            return None
        items = [part.strip() for chunk in params.raw().getlist(name) for part in chunk.split(",") if part.strip()]
        if len(items) > self.max_items or any(len(item) > self.max_length or has_control(item) for item in items):
            raise ParamError(name)
        return items

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "description": f"comma separated texts, at most {self.max_items} "
                                                 f"of at most {self.max_length} characters"}


@dataclass(frozen=True)
class Json(Reader):
    """Free JSON text the caller keeps with the object (`meta`)."""

    max_length: int = LONG_TEXT

    def read(self, params: Params, name: str) -> Any:
        raw = Text(self.max_length).read(params, name)
        if raw is None:
            return None
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError):
            raise ParamError(name, "not JSON") from None
        if json_has_nul(value):  # "\u0000" is JSON, but PostgreSQL's jsonb cannot store it
            raise ParamError(name, "contains a NUL character")
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "maxLength": self.max_length, "description": "JSON text"}


_XMLTV = re.compile(r"^(\d{14})(?:\s*([+-]\d{4}))?$", re.ASCII)


@dataclass(frozen=True)
class AirTime(Reader):
    """A broadcast time as guides give it: unix seconds, XMLTV (`YYYYMMDDhhmmss +zzzz`) or ISO-8601."""

    def read(self, params: Params, name: str) -> datetime | None:
        raw = Text(64).read(params, name)
        if raw is None:
            return None
        raw = raw.strip()
        if is_digits(raw) and len(raw) <= 10:
            return datetime.fromtimestamp(int(raw), tz=dt_timezone.utc)
        if match := _XMLTV.match(raw):
            stamp, offset = match.groups()
            try:
                return datetime.strptime(stamp + (offset or "+0000"), "%Y%m%d%H%M%S%z")
            except ValueError:
                raise ParamError(name, "not a valid time") from None
        return parse_moment(raw, name)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "maxLength": 64,
                "description": "unix seconds, XMLTV time (YYYYMMDDhhmmss +zzzz) or ISO-8601 date-time"}


_UTC_MOMENT = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ ,T](\d{2}:\d{2}(?::\d{2})?))?", re.ASCII)


@dataclass(frozen=True)
class UtcMoment(Reader):
    """A moment in UTC as billings write it: `YYYY-MM-DD hh:mm[:ss]` (a space, `T` or `,` between), or a
    date alone, meaning the end (23:59:59) of that day."""

    def read(self, params: Params, name: str) -> datetime | None:
        raw = Text(32).read(params, name)
        if raw is None or not raw.strip():
            return None
        match = _UTC_MOMENT.fullmatch(raw.strip())
        try:
            if match is None:
                raise ValueError(raw)
            day = date.fromisoformat(match.group(1))
            clock = time.fromisoformat(match.group(2)) if match.group(2) else time(23, 59, 59)
        except ValueError:
            raise ParamError(name, "not YYYY-MM-DD hh:mm:ss (UTC)") from None
        return datetime.combine(day, clock, tzinfo=dt_timezone.utc)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}([ ,T]\d{2}:\d{2}(:\d{2})?)?$",
                "description": "UTC; a date alone means the end of that day"}

    def jsonable(self, value: Any) -> str:
        return value.isoformat()
