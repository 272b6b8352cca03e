"""Small text checks shared by services and APIs."""
import re

_DIGITS = re.compile(r"[0-9]+")


def is_digits(value: object) -> bool:
    """ASCII digits only. (`str.isdigit()` also accepts '²' and other Unicode digits `int()` rejects.)"""
    return isinstance(value, str) and _DIGITS.fullmatch(value) is not None
