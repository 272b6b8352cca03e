"""Device API, Payment group: a subscriber tops up their balance from the app.

The app starts a payment (`payment/create`, `payment/merchant_url`, `payment/qrcode`), sends the
subscriber to the gateway's payment page, and afterwards asks `payment/complete` to check the
outcome; the gateway's notification (`/billing/payment/...`) usually credits the balance first.
`payment/list` is the subscriber's ledger, `payment/cheque` mails a receipt link.

`transaction_id` is always the middleware's payment id (`Payment.pk`), `payment_id` the gateway's
order id. `merchant_type` is optional everywhere: "" means the operator's default merchant; a type
the operator has not configured (or that does not exist) is refused like a merchant that does not
support the operation. Card data (`payment/process`, `payment/preauth`, `payment/pares/process`)
lives in `device_cards.py`, saved cards and autopayment in `device_saved_cards.py`.

`payment/complete` answers `status`: 0 pending (created, or the subscriber is still on the payment
page), 1 succeeded (credited), 2 failed, 3 refunded.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from billing.models import CustomerTransaction
from billing.payment_gateway import GatewayRefusal
from payments import selectors, services
from payments.models import Payment, PaymentState
from tvmiddleware import counters
from apikit.device import Auth, DeviceContext, device_method
from apikit.device_responses import error, ok, unixtime
from apikit.spec import ANY, INT, NUMBER, STR, TIMESTAMP, ListOf, Obj, Param, nullable
from common.readers import Flag, Id, Int, Text, Url

from .common import AMOUNT, MERCHANT_TYPE, merchant_type, payment_code
from .errors import (
    ALREADY_PROCESSED, BAD_PARAMETERS, INVALID_PARAM, MERCHANT_ERROR, MERCHANT_FRAUD, MERCHANT_URL_FAILED,
    NOT_SUPPORTED, PAYMENT_ERRORS, RECEIPT_NOT_SENT, STATUS_NOT_ASKED, TRANSACTION_NOT_FOUND,
)
from .receipts import ReceiptNotSent, direct_url, qrcode_url, receipt_send

MAX_PAGE = 1_000_000
MAX_LIMIT = 100
RECEIPTS_PER_HOUR = 10  # per customer: payment/cheque sends mail to any address it is given

#: `status` of payment/complete.
STATUS = {PaymentState.CREATED: 0, PaymentState.PENDING: 0, PaymentState.SUCCEEDED: 1,
          PaymentState.FAILED: 2, PaymentState.REFUNDED: 3}
#: States a check at the gateway can no longer change (a failure may still turn into a success
#: when the gateway later confirms the money was taken, so failed payments are checked again).
SETTLED = frozenset({PaymentState.SUCCEEDED, PaymentState.REFUNDED})

TRANSACTION_ID = Param("transaction_id", Id(), required=True, description="The payment's id (`transaction_id`).")
# What payment/create and payment/qrcode take to start a payment.
START_PARAMS = (
    AMOUNT, MERCHANT_TYPE,
    Param("template", Text(64), default="", description="The gateway's payment page template."),
    Param("autopayment_enable", Flag(), default=False,
          description="1: save the card for autopayment (where the merchant binds cards)."),
    Param("without_default_card", Flag(), default=False, description="1: let the customer choose the card."),
)


def _start(ctx: DeviceContext):
    """Start a payment with the parameters payment/create and payment/qrcode share."""
    args = ctx.args
    return services.payment_start(
        client=ctx.client, customer=ctx.customer, amount=args.amount, merchant_type=merchant_type(ctx),
        account=ctx.account, return_url=args.get("return_url") or "", template=args.template,
        autopayment_enable=args.autopayment_enable, without_default_card=args.without_default_card, ip=ctx.ip or "",
        source="device_api")


def _payment(ctx: DeviceContext, *, session_id: str = "") -> Payment | None:
    """The subscriber's own payment named by `transaction_id` (another customer's or operator's
    payment is not found)."""
    return selectors.payment_of_customer(customer=ctx.customer, transaction_id=ctx.args.transaction_id,
                                         session_id=session_id)


@device_method(auth=Auth.SESSION, invalid_param_error=BAD_PARAMETERS, params=(
    *START_PARAMS,
    Param("return_url", Url(500), description="Where the payment page sends the customer back."),
), errors=PAYMENT_ERRORS, response=Obj(payment_id=STR, transaction_id=INT, session_id=STR, redirect_url=STR,
                                       form_data=ANY))
def payment_create(request, ctx: DeviceContext):
    """PaymentCreate: start a payment; the app opens `redirect_url` (or posts `form_data` there).

    `payment_id` is the gateway's order id, `transaction_id` the middleware's payment id."""
    try:
        start = _start(ctx)
    except GatewayRefusal as refusal:
        return error(payment_code(refusal), refusal.message)
    payment = start.payment
    return ok(payment_id=payment.order_id, transaction_id=payment.pk, session_id=start.session_id,
              redirect_url=start.redirect_url, form_data=start.form_data, error_message="")


#: payment/merchant_url's table for a gateway's refusal (PaymentCreate's numbering).
_MERCHANT_URL_CODES = {1: MERCHANT_URL_FAILED, 4: MERCHANT_URL_FAILED, 6: MERCHANT_FRAUD}


@device_method(auth=Auth.SESSION, invalid_param_error=MERCHANT_URL_FAILED, params=(AMOUNT, MERCHANT_TYPE),
               errors=(MERCHANT_ERROR, MERCHANT_FRAUD),
               response=Obj(url=STR, merchant_name=STR, transaction_id=INT))
def payment_merchant_url(request, ctx: DeviceContext):
    """PaymentMerchantUrl: start a payment and answer its page URL and the merchant's name.

    As an extension, also its `transaction_id` for payment/complete. Codes: 1 unknown error (also
    bad parameters), 2 merchant error (also no such merchant), 3 suspected fraud."""
    try:
        start = services.payment_start(client=ctx.client, customer=ctx.customer, amount=ctx.args.amount,
                                       merchant_type=merchant_type(ctx), account=ctx.account, ip=ctx.ip or "",
                                       source="device_api")
    except GatewayRefusal as refusal:
        return error(_MERCHANT_URL_CODES.get(refusal.code, MERCHANT_ERROR), refusal.message)
    return ok(url=start.redirect_url, merchant_name=start.payment.merchant.name, transaction_id=start.payment.pk,
              error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("session_id", Text(128), required=True, description="The payment's session id (from payment/create)."),
    TRANSACTION_ID,
    Param("use_sbp", Flag(), default=False, description="Accepted; the payment itself knows how it was paid."),
    Param("merchant_type", Text(32), description="Accepted; the payment itself knows its merchant."),
), errors=(TRANSACTION_NOT_FOUND, STATUS_NOT_ASKED, ALREADY_PROCESSED), response=Obj(status=INT))
def payment_complete(request, ctx: DeviceContext):
    """PaymentComplete: ask the gateway what became of the payment and apply it (credit once).

    `status`: 0 pending, 1 succeeded (credited), 2 failed, 3 refunded. A payment already settled
    before the call (succeeded or refunded) answers error 3 "already processed", with its `status`;
    a gateway that cannot be asked answers 2, with the last known `status`."""
    payment = _payment(ctx, session_id=ctx.args.session_id)
    if payment is None:
        return error(TRANSACTION_NOT_FOUND, "Transaction not found.")
    if payment.state in SETTLED:
        return error(ALREADY_PROCESSED, "The transaction is already processed.", status=STATUS[payment.state])
    try:
        payment = services.payment_refresh(payment=payment)
    except GatewayRefusal as refusal:
        return error(STATUS_NOT_ASKED, refusal.message, status=STATUS[payment.state])
    return ok(status=STATUS[payment.state], error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("limit", Int(1, MAX_LIMIT), default=MAX_LIMIT, description="Rows per page, 1–100."),
    Param("page", Int(1, MAX_PAGE), default=1, description="The page, from 1."),
), response=Obj(payments=ListOf(Obj(id=INT, comment=STR, datetime=TIMESTAMP, amount=NUMBER, source=STR,
                                    transaction_id=nullable(INT)))))
def payment_list(request, ctx: DeviceContext):
    """PaymentList: the subscriber's financial operations (the ledger), newest first.

    Rows: `id` (the ledger row), `comment`, `datetime` (unix time), `amount` (negative for
    charges), and the extensions `source` and `transaction_id` (the payment a row credits or
    refunds, for payment/cheque; null otherwise)."""
    limit, page = ctx.args.limit, ctx.args.page
    rows = (CustomerTransaction.objects.for_client(ctx.client).filter(customer_id=ctx.session.customer_id)
            .select_related("payment", "refunded_payment").order_by("-id")[(page - 1) * limit:page * limit])
    return ok(payments=[{
        "id": row.pk,
        "comment": row.comment or row.get_source_display(),
        "datetime": unixtime(row.created_at),
        "amount": float(row.amount),
        "source": row.source,
        "transaction_id": _paid_by(row),
    } for row in rows], error_message="")


def _paid_by(row: CustomerTransaction) -> int | None:
    for name in ("payment", "refunded_payment"):
        payment = getattr(row, name, None)  # reverse one-to-one: missing raises, getattr's default covers it
        if payment is not None:
            return payment.pk
    return None


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    TRANSACTION_ID,
    Param("email", Text(), required=True, description="Where to mail the link to the receipt."),
), errors=(TRANSACTION_NOT_FOUND, RECEIPT_NOT_SENT), response=Obj())
def payment_cheque(request, ctx: DeviceContext):
    """PaymentGetCheque: mail a link to the payment's receipt page to `email`.

    Codes: 1 no such transaction of the subscriber, 2 the receipt could not be sent (bad address,
    mail server failure, too many requests)."""
    payment = _payment(ctx)
    if payment is None:
        return error(TRANSACTION_NOT_FOUND, "Transaction not found.")
    email = ctx.args.email.strip()
    try:
        if len(email) > 254:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        return error(RECEIPT_NOT_SENT, "The receipt cannot be sent: email is not a valid address.",
                     error_fields={"email": "invalid"})
    if not _receipt_allowed(ctx):
        return error(RECEIPT_NOT_SENT, "Too many receipts requested; try again later.")
    try:
        receipt_send(request=request, payment=payment, email=email)
    except ReceiptNotSent:
        return error(RECEIPT_NOT_SENT, "The receipt could not be sent.")
    return ok(error_message="")


def _receipt_allowed(ctx: DeviceContext) -> bool:
    return counters.hit(f"payments:receipts:{ctx.session.customer_id}", window=3600).count <= RECEIPTS_PER_HOUR


@device_method(auth=Auth.SESSION, invalid_param_error=BAD_PARAMETERS, params=(
    *START_PARAMS,
    Param("use_sbp", Flag(), default=False, description="1: pay through SBP (not offered by the installed gateways)."),
), errors=PAYMENT_ERRORS, response=Obj(saved_qrcode_url=STR, direct_url=STR, transaction_id=INT))
def payment_qrcode(request, ctx: DeviceContext):
    """PaymentQRCode: start a payment and give the TV a QR code of its payment page, for the subscriber's phone.

    `direct_url` is the page (the receipt for a gateway that settles at once), `saved_qrcode_url` a
    PNG of that URL, valid for a day. Paying through SBP (`use_sbp=1`) is not offered by the
    installed gateways: 13."""
    if ctx.args.use_sbp:
        return error(NOT_SUPPORTED, "Payment through SBP is not supported by this merchant.")
    try:
        start = _start(ctx)
    except GatewayRefusal as refusal:
        return error(payment_code(refusal), refusal.message)
    payment = start.payment
    return ok(saved_qrcode_url=qrcode_url(request, payment), direct_url=direct_url(request, payment),
              transaction_id=payment.pk, error_message="")
