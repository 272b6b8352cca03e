"""Helpers the device API's payment methods share: how an amount, a merchant type and card data are
read from a request, and how a gateway's refusal becomes each method's documented error code."""
from __future__ import annotations

from decimal import Decimal

from billing.payment_gateway import GatewayRefusal
from common.params import ParamError, Params
from common.money import CENT, MAX_TEXT, MoneyError, read_money

MAX_AMOUNT = Decimal("1e10")  # payments are DecimalField(14, 2); no top-up comes near this
CARD_FIELDS = ("card_number", "card_holder", "card_expire", "card_cvv")
# What the hosted-page gateways (Payture InPay, null) answer to raw card data.
CARD_DATA_REFUSED = ("This merchant does not accept card data through the middleware: the customer enters the "
                     "card on the gateway's payment page (payment/create, payment/merchant_url, payment/qrcode).")

#: PaymentCreate's table (shared by process, preauth, saved_card/pay and qrcode): 1 unknown error,
#: 2 internal gateway error, 3 external gateway error, 4 bad parameters, 5–19 card and issuer
#: refusals, 13 not supported by the merchant. `GatewayRefusal.code` uses the same numbering.
PAYMENT_CODES = frozenset(range(1, 20))


def amount_param(params: Params, name: str = "amount") -> Decimal:
    """A positive amount, a plain ASCII decimal with a dot and at most two decimals
    (`common.money`); anything else is a `ParamError`."""
    value = params.str(name, required=True, max_length=MAX_TEXT)
    try:
        return read_money(value, positive=True, maximum=MAX_AMOUNT - CENT)
    except MoneyError as exc:
        raise ParamError(name, exc.problem) from None


def merchant_type_param(params: Params) -> str:
    """The asked merchant type ("" = the operator's default merchant). Whether it is known and
    configured is the payments services' call (`GatewayNotConfigured`)."""
    return params.str("merchant_type", max_length=32).strip()


def drop_card_data(params: Params, *, required: bool = True) -> None:
    """Check that the card fields are present (the documented required parameters) and forget them:
    the values are never kept in a variable that outlives this call, logged or stored."""
    for name in CARD_FIELDS:
        params.str(name, required=required, max_length=128)


def payment_code(refusal: GatewayRefusal) -> int:
    """A refusal as a code of PaymentCreate's table (unknown numbers become 1, "unknown error")."""
    return refusal.code if refusal.code in PAYMENT_CODES else 1
