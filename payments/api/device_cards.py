"""Device API methods that carry raw card data: `payment/process`, `payment/preauth`,
`payment/pares/process`.

They exist in Smarty for gateways that take the card number from the app (host-to-host). The
gateways installed here (Payture InPay, null) work through the gateway's own payment page: the card
never passes through the middleware, which keeps it out of PCI DSS scope. So these methods check
their parameters as documented and then refuse with the documented "not supported by the merchant"
code (13; `payment/pares/process`, which has no such code, answers 2 "payment gateway error").
The card fields are read only to check they are present, never kept, logged or stored, and are
masked in Django's error reports (`sensitive_post_parameters`).
"""
from __future__ import annotations

from django.views.decorators.debug import sensitive_post_parameters

from billing.payment_gateway import GatewayRefusal
from payments import selectors, services
from apikit.device import Auth, DeviceContext, device_method
from apikit.device_responses import error

from .common import CARD_DATA_REFUSED, CARD_FIELDS, drop_card_data, merchant_type_param, payment_code

MAX_PARES = 20_000  # a base64 PaRes is a few kilobytes


def _merchant_refusal(ctx: DeviceContext, merchant_type: str) -> GatewayRefusal | None:
    """Why the asked merchant cannot take the payment at all (not configured), or None."""
    try:
        services.merchant_for(client=ctx.client, merchant_type=merchant_type)
    except GatewayRefusal as refusal:
        return refusal
    return None


@device_method(auth=Auth.SESSION, invalid_param_error=4)
@sensitive_post_parameters(*CARD_FIELDS)
def payment_process(request, ctx: DeviceContext):
    """PaymentProcess: card data for a started payment. Refused with 13 (see the module doc)."""
    ctx.params.str("payment_id", required=True, max_length=128)
    ctx.params.int("transaction_id", min_value=1)
    merchant_type = merchant_type_param(ctx.params)
    drop_card_data(ctx.params)
    refusal = _merchant_refusal(ctx, merchant_type)
    if refusal is not None:
        return error(payment_code(refusal), refusal.message)
    return error(13, CARD_DATA_REFUSED)


@device_method(auth=Auth.SESSION, invalid_param_error=4)
@sensitive_post_parameters(*CARD_FIELDS)
def payment_preauth(request, ctx: DeviceContext):
    """PaymentPreAuth: 3-D Secure 2 pre-authentication with card data and the browser's
    properties. Refused with 13 (see the module doc); the payment page runs 3-D Secure itself."""
    transaction_id = ctx.params.int("transaction_id", required=True, min_value=1)
    merchant_type = merchant_type_param(ctx.params)
    drop_card_data(ctx.params)
    for name in ("color_depth", "screen_height", "screen_width", "window_height", "window_width"):
        ctx.params.int(name, required=True, min_value=0, max_value=100_000)
    ctx.params.int("timezone", required=True, min_value=-24 * 60, max_value=24 * 60)
    ctx.params.str("lang", required=True, max_length=35)  # the browser's language (BCP 47)
    ctx.params.int("java_enabled", required=True, min_value=0, max_value=1)
    if selectors.payment_of_customer(customer=ctx.customer, transaction_id=transaction_id) is None:
        return error(4, "Transaction not found.", success=0, error_fields={"transaction_id": "not found"})
    refusal = _merchant_refusal(ctx, merchant_type)
    if refusal is not None:
        return error(payment_code(refusal), refusal.message, success=0)
    return error(13, CARD_DATA_REFUSED, success=0)


@device_method(auth=Auth.SESSION, invalid_param_error=1)
@sensitive_post_parameters(*CARD_FIELDS, "pares")
def payment_pares_process(request, ctx: DeviceContext):
    """PaymentPAResProcess: the 3-D Secure result with the card data. Codes: 1 no such transaction
    of the subscriber (also malformed parameters), 2 payment gateway error — the answer for the
    installed gateways (see the module doc)."""
    session_id = ctx.params.str("session_id", required=True, max_length=128)
    transaction_id = ctx.params.int("transaction_id", required=True, min_value=1)
    ctx.params.str("merchant_type", max_length=32)
    drop_card_data(ctx.params)
    ctx.params.str("pares", required=True, max_length=MAX_PARES)
    payment = selectors.payment_of_customer(customer=ctx.customer, transaction_id=transaction_id,
                                            session_id=session_id)
    if payment is None:
        return error(1, "Transaction not found.")
    return error(2, CARD_DATA_REFUSED)
