"""Small text checks shared by services and APIs."""
import re
from typing import Any

_DIGITS = re.compile(r"[0-9]+")
# C0 control characters and DEL, except TAB, LF and CR (which free text such as descriptions may hold).
# NUL matters most: PostgreSQL text columns cannot store it ("A string literal cannot contain NUL").
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def is_digits(value: object) -> bool:
    """ASCII digits only. (`str.isdigit()` also accepts '²' and other Unicode digits `int()` rejects.)"""
    return isinstance(value, str) and _DIGITS.fullmatch(value) is not None


def has_control(value: str) -> bool:
    """Whether text holds a control character no parameter may carry (NUL, other C0 controls but TAB,
    LF and CR, DEL)."""
    return _CONTROL.search(value) is not None


def json_has_nul(value: Any) -> bool:
    """Whether decoded JSON holds a NUL in any string, key or value (`"\\u0000"` is valid JSON, but
    PostgreSQL's jsonb refuses it)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def without_control(value: str) -> str:
    """Text from a header (not a parameter, which is refused instead) with its control characters
    dropped before it is stored."""
    return _CONTROL.sub("", value)
