"""Device API: the subscriber's saved cards (list, delete, pay with one) and autopayment.

A card is saved at the gateway when the subscriber pays with `autopayment_enable=1` (where the
operator's merchant binds cards); the middleware keeps only the gateway's card id and the masked
number. `customer/autopayment` turns paying periodic charges from the saved card on or off.
"""
from __future__ import annotations

from billing.payment_gateway import GatewayNotConfigured, GatewayRefusal
from payments import services
from payments.models import PaymentState
from apikit.device import Auth, DeviceContext, device_method
from apikit.device_responses import error, flag, ok
from apikit.spec import ErrorCode, FLAG, INT, STR, ListOf, Obj, Param
from common.readers import Flag, Text

from .common import AMOUNT, MERCHANT_TYPE, merchant_type, payment_code
from .device import STATUS
from .errors import (
    AUTOPAYMENT_ALREADY_OFF, AUTOPAYMENT_NOT_CHANGED, AUTOPAYMENT_UNAVAILABLE, BAD_PARAMETERS, CARD_REFUSED,
    CARDS_MERCHANT_ERROR, CARDS_NOT_SUPPORTED, INVALID_PARAM, PAYMENT_ERRORS, SAVED_CARD_NOT_FOUND,
)

MAX_CARD_ID = 128
CARD_ID = Text(MAX_CARD_ID)


def _card_list_code(refusal: GatewayRefusal) -> ErrorCode:
    """saved_card/list and saved_card/delete: 2 merchant error, 3 the merchant does not support
    saved cards (also: no such merchant configured)."""
    return CARDS_NOT_SUPPORTED if isinstance(refusal, GatewayNotConfigured) or refusal.code == 13 else CARDS_MERCHANT_ERROR


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(MERCHANT_TYPE,),
               errors=(CARDS_MERCHANT_ERROR, CARDS_NOT_SUPPORTED),
               response=Obj(cards=ListOf(Obj(id=STR, number=STR, expired=FLAG, use_sbp=FLAG, for_autopayment=FLAG))))
def saved_card_list(request, ctx: DeviceContext):
    """PaymentSavedCardList: the subscriber's saved cards.

    `cards` with `id` (the gateway's card id), `number` (masked), `expired`, `use_sbp`,
    `for_autopayment` (the card periodic charges are paid from)."""
    try:
        cards = services.saved_card_list(client=ctx.client, customer=ctx.customer, merchant_type=merchant_type(ctx))
    except GatewayRefusal as refusal:
        return error(_card_list_code(refusal), refusal.message)
    return ok(cards=[{"id": card.card_id, "number": card.masked_number, "expired": flag(card.is_expired),
                      "use_sbp": flag(card.use_sbp), "for_autopayment": flag(card.for_autopayment)}
                     for card in cards], error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("card_id", CARD_ID, required=True, description="The gateway's card id (from saved_card/list)."),
    MERCHANT_TYPE,
), errors=(CARDS_MERCHANT_ERROR, CARDS_NOT_SUPPORTED, SAVED_CARD_NOT_FOUND), response=Obj())
def saved_card_delete(request, ctx: DeviceContext):
    """PaymentSavedCardDelete: unbind the card at the gateway and forget it.

    Codes: 1 bad parameters, 2 merchant error, 3 not supported by the merchant, 4 card not found."""
    try:
        services.saved_card_delete(client=ctx.client, customer=ctx.customer, card_id=ctx.args.card_id,
                                   merchant_type=merchant_type(ctx))
    except services.CardNotFound as refusal:
        return error(SAVED_CARD_NOT_FOUND, refusal.message)
    except GatewayRefusal as refusal:
        return error(_card_list_code(refusal), refusal.message)
    return ok(error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=BAD_PARAMETERS, params=(
    Param("card_id", CARD_ID, default="", description="The card to charge; default: the autopayment card or the newest."),
    AMOUNT, MERCHANT_TYPE,
), errors=PAYMENT_ERRORS, response=Obj(transaction_id=INT, payment_id=STR, status=INT))
def saved_card_pay(request, ctx: DeviceContext):
    """PaymentSavedCardPay: charge a saved card and credit the balance once the gateway confirms.

    `card_id`, else the autopayment card or the newest. PaymentCreate's codes (4 also: no such card).
    Extensions of the answer: `transaction_id`, `payment_id`, `status` (as payment/complete's: 1
    credited, 0 when the gateway's answer is still awaited)."""
    try:
        payment = services.saved_card_pay(client=ctx.client, customer=ctx.customer, amount=ctx.args.amount,
                                          card_id=ctx.args.card_id, merchant_type=merchant_type(ctx),
                                          account=ctx.account, source="device_api")
    except GatewayRefusal as refusal:
        return error(payment_code(refusal), refusal.message)
    if payment.state == PaymentState.FAILED:  # the services raise for refusals; kept for safety
        return error(CARD_REFUSED, payment.error_message or "The card was refused.")
    return ok(transaction_id=payment.pk, payment_id=payment.order_id, status=STATUS[payment.state],
              error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=AUTOPAYMENT_NOT_CHANGED, params=(
    Param("enabled", Flag(), required=True, description="1: turn autopayment on, 0: off."),
    Param("card_id", CARD_ID, default="", description="The saved card to pay from (default: the newest)."),
    MERCHANT_TYPE,
), errors=(AUTOPAYMENT_ALREADY_OFF, AUTOPAYMENT_UNAVAILABLE), response=Obj(autopayment_enabled=FLAG))
def autopayment_toggle(request, ctx: DeviceContext):
    """CustomerAutopaymentToggle: turn paying periodic charges from the saved card on or off.

    `enabled` 1 turns autopayment on (periodic charges the balance does not cover are paid from the
    saved card; optional `card_id`, `merchant_type` choose the card), 0 turns it off. Codes: 1 bad
    `enabled`, 2 already off, 3 cannot be turned on (no gateway configured, no saved card, unknown card)."""
    enabled = ctx.args.enabled
    customer = ctx.customer
    if not enabled and not customer.autopayment_enabled:
        return error(AUTOPAYMENT_ALREADY_OFF, "Autopayment is already off.")
    if enabled:
        try:
            cards = services.saved_card_list(client=ctx.client, customer=customer, merchant_type=merchant_type(ctx))
        except GatewayRefusal as refusal:
            return error(AUTOPAYMENT_UNAVAILABLE, refusal.message)
        if not any(not card.is_expired for card in cards):
            return error(AUTOPAYMENT_UNAVAILABLE,
                         "Autopayment needs a saved card: pay once with autopayment_enable=1 to save one.")
    try:
        services.autopayment_set(customer=customer, enabled=enabled, card_id=ctx.args.card_id,
                                 merchant_type=merchant_type(ctx))
    except GatewayRefusal as refusal:
        return error(AUTOPAYMENT_UNAVAILABLE if enabled else AUTOPAYMENT_NOT_CHANGED, refusal.message)
    return ok(autopayment_enabled=flag(enabled), error_message="")
