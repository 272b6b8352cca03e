"""What the device API's payment methods share: their common parameters (amount, merchant type,
card data) and how a gateway's refusal becomes PaymentCreate's code."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from billing.payment_gateway import GatewayRefusal
from common.params import Params
from common.readers import Money, Reader, Text
from apikit.device import DeviceContext
from apikit.spec import ErrorCode, Param

from .errors import payment_error

MAX_AMOUNT = Decimal("1e10")  # payments are DecimalField(14, 2); no top-up comes near this
CARD_FIELDS = ("card_number", "card_holder", "card_expire", "card_cvv")
# What the hosted-page gateways (Payture InPay, null) answer to raw card data.
CARD_DATA_REFUSED = ("This merchant does not accept card data through the middleware: the customer enters the "
                     "card on the gateway's payment page (payment/create, payment/merchant_url, payment/qrcode).")

AMOUNT = Param("amount", Money(positive=True, maximum=MAX_AMOUNT), required=True,
               description="The amount to pay, a decimal with a dot and at most 2 places.")
MERCHANT_TYPE = Param("merchant_type", Text(32), default="",
                      description="The merchant to pay through; empty: the operator's default merchant.")


class CardField(Reader):
    """Card data (or a 3-D Secure result): checked for presence and length, then dropped. The value
    is never returned (read as True), so it is not kept in a variable, logged or stored."""

    def __init__(self, max_length: int = 128) -> None:
        self.max_length = max_length

    def read(self, params: Params, name: str) -> bool | None:
        return True if params.str(name, max_length=self.max_length) else None

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "maxLength": self.max_length, "description": "send by POST"}


CARD_PARAMS = tuple(Param(name, CardField(), required=True, description="Card data: checked, never kept.")
                    for name in CARD_FIELDS)


def merchant_type(ctx: DeviceContext) -> str:
    """The asked merchant type ("" = the operator's default merchant). Whether it is known and
    configured is the payments services' call (`GatewayNotConfigured`)."""
    return ctx.args.merchant_type.strip()


def payment_code(refusal: GatewayRefusal) -> ErrorCode:
    """A refusal as a code of PaymentCreate's table (unknown numbers become 1, "unknown error")."""
    return payment_error(refusal.code)

