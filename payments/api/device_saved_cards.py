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

from .common import amount_param, merchant_type_param, payment_code
from .device import STATUS

MAX_CARD_ID = 128


def _card_list_code(refusal: GatewayRefusal) -> int:
    """saved_card/list and saved_card/delete: 2 merchant error, 3 the merchant does not support
    saved cards (also: no such merchant configured)."""
    return 3 if isinstance(refusal, GatewayNotConfigured) or refusal.code == 13 else 2


@device_method(auth=Auth.SESSION, invalid_param_error=1)
def saved_card_list(request, ctx: DeviceContext):
    """PaymentSavedCardList: `cards` with `id` (the gateway's card id), `number` (masked), `expired`,
    `use_sbp`, `for_autopayment` (the card periodic charges are paid from)."""
    merchant_type = merchant_type_param(ctx.params)
    try:
        cards = services.saved_card_list(client=ctx.client, customer=ctx.customer, merchant_type=merchant_type)
    except GatewayRefusal as refusal:
        return error(_card_list_code(refusal), refusal.message)
    return ok(cards=[{"id": card.card_id, "number": card.masked_number, "expired": flag(card.is_expired),
                      "use_sbp": flag(card.use_sbp), "for_autopayment": flag(card.for_autopayment)}
                     for card in cards], error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=1)
def saved_card_delete(request, ctx: DeviceContext):
    """PaymentSavedCardDelete: unbind the card at the gateway and forget it. Codes: 1 bad
    parameters, 2 merchant error, 3 not supported by the merchant, 4 card not found."""
    card_id = ctx.params.str("card_id", required=True, max_length=MAX_CARD_ID)
    merchant_type = merchant_type_param(ctx.params)
    try:
        services.saved_card_delete(client=ctx.client, customer=ctx.customer, card_id=card_id,
                                   merchant_type=merchant_type)
    except services.CardNotFound as refusal:
        return error(4, refusal.message)
    except GatewayRefusal as refusal:
        return error(_card_list_code(refusal), refusal.message)
    return ok(error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=4)
def saved_card_pay(request, ctx: DeviceContext):
    """PaymentSavedCardPay: charge a saved card (`card_id`, else the autopayment card or the newest)
    and credit the balance once the gateway confirms. PaymentCreate's codes (4 also: no such card).
    Extensions of the answer: `transaction_id`, `payment_id`, `status` (as payment/complete's: 1
    credited, 0 when the gateway's answer is still awaited)."""
    card_id = ctx.params.str("card_id", max_length=MAX_CARD_ID)
    amount = amount_param(ctx.params)
    merchant_type = merchant_type_param(ctx.params)
    try:
        payment = services.saved_card_pay(client=ctx.client, customer=ctx.customer, amount=amount, card_id=card_id,
                                          merchant_type=merchant_type, account=ctx.account, source="device_api")
    except GatewayRefusal as refusal:
        return error(payment_code(refusal), refusal.message)
    if payment.state == PaymentState.FAILED:  # the services raise for refusals; kept for safety
        return error(5, payment.error_message or "The card was refused.")
    return ok(transaction_id=payment.pk, payment_id=payment.order_id, status=STATUS[payment.state],
              error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=1)
def autopayment_toggle(request, ctx: DeviceContext):
    """CustomerAutopaymentToggle: `enabled` 1 turns autopayment on (periodic charges the balance
    does not cover are paid from the saved card; optional `card_id`, `merchant_type` choose the
    card), 0 turns it off. Codes: 1 bad `enabled`, 2 already off, 3 cannot be turned on (no gateway
    configured, no saved card, unknown card)."""
    enabled = ctx.params.int("enabled", required=True, min_value=0, max_value=1) == 1
    card_id = ctx.params.str("card_id", max_length=MAX_CARD_ID)
    merchant_type = merchant_type_param(ctx.params)
    customer = ctx.customer
    if not enabled and not customer.autopayment_enabled:
        return error(2, "Autopayment is already off.")
    if enabled:
        try:
            cards = services.saved_card_list(client=ctx.client, customer=customer, merchant_type=merchant_type)
        except GatewayRefusal as refusal:
            return error(3, refusal.message)
        if not any(not card.is_expired for card in cards):
            return error(3, "Autopayment needs a saved card: pay once with autopayment_enable=1 to save one.")
    try:
        services.autopayment_set(customer=customer, enabled=enabled, card_id=card_id, merchant_type=merchant_type)
    except GatewayRefusal as refusal:
        return error(3 if enabled else 1, refusal.message)
    return ok(autopayment_enabled=flag(enabled), error_message="")
