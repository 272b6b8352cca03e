"""Reading amounts of money (and other plain decimals) that come from outside, in one place.

Every API, service and plugin that takes an amount reads it here, so all of them accept the same
thing: plain ASCII decimals — an optional `-`, ASCII digits, optionally a `.` and at most the
column's decimal places. Refused: other Unicode digits (`Decimal("١٠٠")` is 100), `1_000`, `1e2`,
`NaN`, `Infinity`, `0x10`, `+100`, surrounding spaces, `.5` and `5.`, and anything past the range of
the column the value ends up in.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

CENT = Decimal("0.01")
MONEY_PLACES = 2
#: Ledger amounts, balances and payments are `DecimalField(max_digits=14, decimal_places=2)`.
LEDGER_MAX = Decimal("999999999999.99")
#: Prices of tariffs and titles are `DecimalField(max_digits=12, decimal_places=2)`.
PRICE_MAX = Decimal("9999999999.99")
#: Longer text is refused before it is looked at (no column holds more than 14 digits).
MAX_TEXT = 40

_PLAIN = re.compile(r"-?[0-9]+(?:\.([0-9]+))?", re.ASCII)


class MoneyError(ValueError):
    """The value is not an acceptable amount. `problem` is what the APIs show in `error_fields`:
    "invalid" (not a plain decimal), "too many decimal places" or "out of range"."""

    def __init__(self, problem: str = "invalid") -> None:
        super().__init__(f"not an acceptable amount: {problem}")
        self.problem = problem


def is_plain_decimal(text: str) -> bool:
    """Whether text is written as this module accepts decimals (any number of places)."""
    return len(text) <= MAX_TEXT and _PLAIN.fullmatch(text) is not None


def read_decimal(value: Any, *, places: int, minimum: Decimal | None = None,
                 maximum: Decimal | None = None) -> Decimal:
    """A plain decimal with at most `places` decimals within [`minimum`, `maximum`] (both optional
    and inclusive). Takes the text of a request, a `Decimal` or an `int` (internal callers); anything
    else, and any text but a plain ASCII decimal, raises `MoneyError` — never another exception."""
    if isinstance(value, str):
        match = _PLAIN.fullmatch(value) if len(value) <= MAX_TEXT else None
        if match is None:
            raise MoneyError("invalid")
        if match.group(1) is not None and len(match.group(1)) > places:
            raise MoneyError("too many decimal places")
        number = Decimal(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise MoneyError("invalid")
        number = value
        exponent = number.as_tuple().exponent
        # Trailing zeros are fine (Decimal("1.500") is 1.50); a digit past `places` is not.
        if isinstance(exponent, int) and exponent < -places and number != _round_down(number, places):
            raise MoneyError("too many decimal places")
    elif isinstance(value, int) and not isinstance(value, bool):
        number = Decimal(value)
    else:
        raise MoneyError("invalid")
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise MoneyError("out of range")
    if number.is_zero():
        number = abs(number)  # "-0" is 0
    return number


def _round_down(number: Decimal, places: int) -> Decimal:
    """`number` cut to `places` decimals without the decimal context's precision limit (the
    magnitude of a Decimal handed in by code may exceed it)."""
    sign, digits, exponent = number.as_tuple()
    cut = -places - exponent  # type: ignore[operator]
    kept = digits[:-cut] if cut < len(digits) else ()
    return Decimal((sign, kept or (0,), -places))


def read_money(value: Any, *, negative: bool = False, positive: bool = False,
               maximum: Decimal = LEDGER_MAX) -> Decimal:
    """An amount of money with two decimals (`Decimal("100.00")`). Negative amounts only where
    `negative` (ledger rows: charges); `positive` also refuses zero. The magnitude is at most
    `maximum` (by default what a ledger or balance column holds)."""
    minimum = -maximum if negative else (CENT if positive else Decimal(0))
    amount = read_decimal(value, places=MONEY_PLACES, minimum=minimum, maximum=maximum)
    return amount.quantize(CENT)


def within_ledger(value: Decimal) -> bool:
    """Whether a ledger column (amount, balance) can hold `value`."""
    return -LEDGER_MAX <= value <= LEDGER_MAX
