"""Billing API, Customer group, payment-gateway methods: `customer/merchant_url/`,
`customer/payment/create/`, `customer/payment/process/` and `customer/saved_card/pay/`.

The installed payments app answers through `billing.payment_gateway.provider()` (the core never
imports it). No provider, or no enabled merchant of the asked type (`GatewayNotConfigured`), keeps
each method's documented "not configured" answer: 723 / 723 / 1 / 3. No subscriber's address is
passed to the gateway: the caller is the operator's billing server, not the subscriber.
"""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.debug import sensitive_post_parameters

from apikit.signed import SignedContext, fail, ok, signed_method
from apikit.spec import STR, ErrorCode, Obj, Param
from billing.payment_gateway import GatewayNotConfigured, GatewayRefusal, PaymentProvider
from billing.payment_gateway import provider as payment_provider
from common.readers import Money, Text
from tvmiddleware.models import Account

from .errors import (
    CUSTOMER_NOT_FOUND, GATEWAY_NOT_CONFIGURED, MERCHANT_AMOUNT_INVALID, MERCHANT_NOT_FOUND, MERCHANT_PAGE_FAILED,
    PAYMENT_CUSTOMER_NOT_FOUND, PAYMENT_FAILED, PAYMENT_GATEWAY_CODES, PAYMENT_INVALID, SAVED_CARD_ACCOUNT_NOT_FOUND,
    SAVED_CARD_INVALID, SAVED_CARD_REFUSED,
)
from .lookups import MAX_PRICE, Refusal, customer_from, customer_params, refusals

GATEWAY_MISSING = "No payment gateway is configured for this operator."
CARD_DATA_REFUSED = ("Card data is not accepted: the operator's payment gateway takes the card on its own payment "
                     "page (customer/payment/create, customer/merchant_url).")
CARD_FIELDS = ("card_number", "card_holder", "card_expire", "card_cvv")
PAYMENT_CODES = {int(code): code for code in PAYMENT_GATEWAY_CODES}


def _gateway(missing_code: ErrorCode) -> PaymentProvider:
    gateway = payment_provider()
    if gateway is None:
        raise Refusal(missing_code, GATEWAY_MISSING)
    return gateway


def _amount_param() -> Param:
    return Param("amount", Money(positive=True, maximum=MAX_PRICE), required=True, description="the amount to pay")


MERCHANT_TYPE = Param("merchant_type", Text(64), description="the merchant (gateway) to use; the default one if empty")


@signed_method(validation_error=MERCHANT_AMOUNT_INVALID,
               params=(*customer_params(CUSTOMER_NOT_FOUND), _amount_param(), MERCHANT_TYPE),
               errors=(CUSTOMER_NOT_FOUND, MERCHANT_NOT_FOUND, MERCHANT_PAGE_FAILED, GATEWAY_NOT_CONFIGURED),
               response=Obj(url=STR, merchant_name=STR))
@refusals
def customer_merchant_url(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Start a payment for the customer: the gateway's payment page (`url`) and the merchant's name.

    Codes: 1 customer not found, 2 bad amount, 3 no merchant of the asked `merchant_type`, 4 the
    gateway could not create the page, 723 no gateway configured."""
    customer = customer_from(ctx, code=CUSTOMER_NOT_FOUND)
    merchant_type = (ctx.args.merchant_type or "").strip()
    gateway = _gateway(GATEWAY_NOT_CONFIGURED)
    try:
        url, merchant_name = gateway.merchant_url(client=ctx.client, customer=customer, amount=ctx.args.amount,
                                                  merchant_type=merchant_type)
    except GatewayNotConfigured as refusal:
        return fail(MERCHANT_NOT_FOUND if merchant_type else GATEWAY_NOT_CONFIGURED, refusal.message)
    except GatewayRefusal as refusal:
        return fail(MERCHANT_AMOUNT_INVALID if refusal.code == 4 else MERCHANT_PAGE_FAILED, refusal.message)
    return ok(url=url, merchant_name=merchant_name)


@signed_method(validation_error=PAYMENT_INVALID,
               params=(*customer_params(PAYMENT_CUSTOMER_NOT_FOUND), _amount_param(), MERCHANT_TYPE),
               errors=(PAYMENT_CUSTOMER_NOT_FOUND, GATEWAY_NOT_CONFIGURED, *PAYMENT_GATEWAY_CODES),
               response=Obj(payments=Obj(payment_id=STR, transaction_id=STR, session_id=STR, redirect_url=STR)))
@refusals
def customer_payment_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Start a payment for the customer.

    `payments` = {payment_id (the gateway's order id), transaction_id (ours), session_id, and the
    extension redirect_url (the payment page)}. Codes: 1–14 the gateway's refusals (PaymentCreate's
    table), 100 customer not found, 723 no gateway configured."""
    customer = customer_from(ctx, code=PAYMENT_CUSTOMER_NOT_FOUND)
    merchant_type = (ctx.args.merchant_type or "").strip()
    gateway = _gateway(GATEWAY_NOT_CONFIGURED)
    try:
        started = gateway.payment_create(client=ctx.client, customer=customer, amount=ctx.args.amount,
                                         merchant_type=merchant_type, source="billing_api")
    except GatewayNotConfigured as refusal:
        return fail(GATEWAY_NOT_CONFIGURED, refusal.message)
    except GatewayRefusal as refusal:
        return fail(PAYMENT_CODES.get(refusal.code, PAYMENT_FAILED), refusal.message)
    return ok(payments={"payment_id": str(started["payment_id"]), "transaction_id": str(started["transaction_id"]),
                        "session_id": started.get("session_id", ""), "redirect_url": started.get("redirect_url", "")})


@signed_method(validation_error=PAYMENT_INVALID, params=(
    *customer_params(PAYMENT_CUSTOMER_NOT_FOUND),
    Param("payment_id", Text(128), required=True, description="the started payment (PaymentCreate's payment_id)"),
    Param("transaction_id", Text(128), description="our transaction id of the payment"),
    MERCHANT_TYPE,
    *(Param(name, Text(128), required=True, description="card data (refused: never stored, never logged)")
      for name in CARD_FIELDS),
), errors=(PAYMENT_CUSTOMER_NOT_FOUND, PAYMENT_FAILED), response=Obj())
@refusals
@sensitive_post_parameters(*CARD_FIELDS)
def customer_payment_process(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Card data for a started payment (host-to-host gateways): refused.

    The gateways this middleware offers take the card on their own payment page, so the card never
    passes through it: the request is checked, the card data dropped (never stored, never logged)
    and the answer is 1 with the reason."""
    customer_from(ctx, code=PAYMENT_CUSTOMER_NOT_FOUND)
    _gateway(PAYMENT_FAILED)
    return fail(PAYMENT_FAILED, CARD_DATA_REFUSED)


@signed_method(validation_error=SAVED_CARD_INVALID, params=(
    Param("abonement", Text(32), error=SAVED_CARD_ACCOUNT_NOT_FOUND, description="the account (login) paying"),
    _amount_param(),
), errors=(SAVED_CARD_ACCOUNT_NOT_FOUND, SAVED_CARD_REFUSED), response=Obj(transaction_id=STR, payment_id=STR))
@refusals
def customer_saved_card_pay(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Charge the account's customer's saved card and credit the balance.

    The autopayment card, else the newest. Codes: 1 account not found, 2 bad parameters (also: no
    saved card), 3 the gateway refused or is not configured. Extensions: `transaction_id`,
    `payment_id`."""
    abonement = (ctx.args.abonement or "").strip()
    if not abonement:
        raise Refusal(SAVED_CARD_ACCOUNT_NOT_FOUND, "abonement is required.", {"abonement": "required"})
    account = Account.objects.for_client(ctx.client).select_related("customer").filter(abonement=abonement).first()
    if account is None:
        raise Refusal(SAVED_CARD_ACCOUNT_NOT_FOUND, "Account not found.", {"abonement": "not found"})
    gateway = _gateway(SAVED_CARD_REFUSED)
    try:
        paid = gateway.saved_card_pay(client=ctx.client, customer=account.customer, amount=ctx.args.amount,
                                      account=account, source="billing_api")
    except GatewayNotConfigured as refusal:
        return fail(SAVED_CARD_REFUSED, refusal.message)
    except GatewayRefusal as refusal:
        return fail(SAVED_CARD_INVALID if refusal.code == 4 else SAVED_CARD_REFUSED, refusal.message)
    return ok(transaction_id=str(paid["transaction_id"]), payment_id=str(paid["payment_id"]))
