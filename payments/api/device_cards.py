"""Device API methods that carry raw card data: `payment/process`, `payment/preauth`,
`payment/pares/process`.

They exist in Smarty for gateways that take the card number from the app (host-to-host). The
gateways installed here (Payture InPay, null) work through the gateway's own payment page: the card
never passes through the middleware, which keeps it out of PCI DSS scope. So these methods check
their parameters as documented and then refuse with the documented "not supported by the merchant"
code (13; `payment/pares/process`, which has no such code, answers 2 "payment gateway error").
The card fields are read only to check they are present (`CardField` answers True, never the value),
never kept, logged or stored, and are masked in Django's error reports (`sensitive_post_parameters`,
outermost, so it covers the parameter parsing too).
"""
from __future__ import annotations

from django.views.decorators.debug import sensitive_post_parameters

from billing.payment_gateway import GatewayRefusal
from payments import selectors, services
from apikit.device import Auth, DeviceContext, device_method
from apikit.device_responses import error
from apikit.spec import Obj, Param
from common.readers import Flag, Id, Int, Text

from .common import CARD_DATA_REFUSED, CARD_FIELDS, CARD_PARAMS, MERCHANT_TYPE, CardField, merchant_type, payment_code
from .errors import (
    BAD_PARAMETERS, INVALID_PARAM, NOT_SUPPORTED, PARES_REFUSED, PAYMENT_ERRORS, PREAUTH_TRANSACTION_NOT_FOUND,
    TRANSACTION_NOT_FOUND,
)

MAX_PARES = 20_000  # a base64 PaRes is a few kilobytes
BROWSER_SIZE = Int(0, 100_000)


def _merchant_refusal(ctx: DeviceContext) -> GatewayRefusal | None:
    """Why the asked merchant cannot take the payment at all (not configured), or None."""
    try:
        services.merchant_for(client=ctx.client, merchant_type=merchant_type(ctx))
    except GatewayRefusal as refusal:
        return refusal
    return None


@sensitive_post_parameters(*CARD_FIELDS)
@device_method(auth=Auth.SESSION, invalid_param_error=BAD_PARAMETERS, params=(
    Param("payment_id", Text(128), required=True, description="The payment's order id (from payment/create)."),
    Param("transaction_id", Id(), description="The payment's id."),
    MERCHANT_TYPE, *CARD_PARAMS,
), errors=PAYMENT_ERRORS, response=Obj())
def payment_process(request, ctx: DeviceContext):
    """PaymentProcess: card data for a started payment. Refused with 13: the installed gateways take no card data.

    The card fields are only checked for presence, never kept (see the module doc)."""
    refusal = _merchant_refusal(ctx)
    if refusal is not None:
        return error(payment_code(refusal), refusal.message)
    return error(NOT_SUPPORTED, CARD_DATA_REFUSED)


@sensitive_post_parameters(*CARD_FIELDS)
@device_method(auth=Auth.SESSION, invalid_param_error=BAD_PARAMETERS, params=(
    Param("transaction_id", Id(), required=True, description="The payment's id."),
    MERCHANT_TYPE, *CARD_PARAMS,
    *(Param(name, BROWSER_SIZE, required=True, description="The browser's property (3-D Secure 2).")
      for name in ("color_depth", "screen_height", "screen_width", "window_height", "window_width")),
    Param("timezone", Int(-24 * 60, 24 * 60), required=True, description="The browser's UTC offset, minutes."),
    Param("lang", Text(35), required=True, description="The browser's language (BCP 47)."),
    Param("java_enabled", Flag(), required=True, description="Whether the browser runs Java."),
), errors=(*PAYMENT_ERRORS, PREAUTH_TRANSACTION_NOT_FOUND), response=Obj())
def payment_preauth(request, ctx: DeviceContext):
    """PaymentPreAuth: 3-D Secure 2 pre-authentication with card data and the browser's properties.

    Refused with 13 (see the module doc); the payment page runs 3-D Secure itself. Answers carry
    `success: 0`."""
    if selectors.payment_of_customer(customer=ctx.customer, transaction_id=ctx.args.transaction_id) is None:
        return error(PREAUTH_TRANSACTION_NOT_FOUND, "Transaction not found.", success=0,
                     error_fields={"transaction_id": "not found"})
    refusal = _merchant_refusal(ctx)
    if refusal is not None:
        return error(payment_code(refusal), refusal.message, success=0)
    return error(NOT_SUPPORTED, CARD_DATA_REFUSED, success=0)


@sensitive_post_parameters(*CARD_FIELDS, "pares")
@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("session_id", Text(128), required=True, description="The payment's session id."),
    Param("transaction_id", Id(), required=True, description="The payment's id."),
    Param("merchant_type", Text(32), description="Accepted; the payment knows its merchant."),
    *CARD_PARAMS,
    Param("pares", CardField(MAX_PARES), required=True, description="The 3-D Secure result (PaRes)."),
), errors=(TRANSACTION_NOT_FOUND, PARES_REFUSED), response=Obj())
def payment_pares_process(request, ctx: DeviceContext):
    """PaymentPAResProcess: the 3-D Secure result with the card data.

    Codes: 1 no such transaction of the subscriber (also malformed parameters), 2 payment gateway
    error — the answer for the installed gateways (see the module doc)."""
    payment = selectors.payment_of_customer(customer=ctx.customer, transaction_id=ctx.args.transaction_id,
                                            session_id=ctx.args.session_id)
    if payment is None:
        return error(TRANSACTION_NOT_FOUND, "Transaction not found.")
    return error(PARES_REFUSED, CARD_DATA_REFUSED)
