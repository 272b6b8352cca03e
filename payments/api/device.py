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
from django.core.validators import URLValidator, validate_email

from billing.models import CustomerTransaction
from billing.payment_gateway import GatewayRefusal
from payments import selectors, services
from payments.models import Payment, PaymentState
from tvmiddleware import counters
from apikit.device import Auth, DeviceContext, device_method
from common.params import ParamError, Params
from apikit.device_responses import error, ok, unixtime

from .common import amount_param, merchant_type_param, payment_code
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

_url_validator = URLValidator(schemes=["http", "https"])


def _return_url(params: Params) -> str:
    value = params.str("return_url", max_length=500).strip()
    if value:
        try:
            _url_validator(value)
        except ValidationError:
            raise ParamError("return_url", "not an http(s) URL") from None
    return value


def _start(ctx: DeviceContext, *, with_return_url: bool = True):
    """Start a payment with the parameters payment/create and payment/qrcode share."""
    amount = amount_param(ctx.params)
    merchant_type = merchant_type_param(ctx.params)
    template = ctx.params.str("template", max_length=64)
    return_url = _return_url(ctx.params) if with_return_url else ""
    autopayment_enable = ctx.params.flag("autopayment_enable")
    without_default_card = ctx.params.flag("without_default_card")
    return services.payment_start(
        client=ctx.client, customer=ctx.customer, amount=amount, merchant_type=merchant_type, account=ctx.account,
        return_url=return_url, template=template, autopayment_enable=autopayment_enable,
        without_default_card=without_default_card, ip=ctx.ip or "", source="device_api")


def _payment(ctx: DeviceContext, *, session_id: str = "") -> Payment | None:
    """The subscriber's own payment named by `transaction_id` (another customer's or operator's
    payment is not found)."""
    transaction_id = ctx.params.int("transaction_id", required=True, min_value=1)
    return selectors.payment_of_customer(customer=ctx.customer, transaction_id=transaction_id, session_id=session_id)


@device_method(auth=Auth.SESSION, invalid_param_error=4)
def payment_create(request, ctx: DeviceContext):
    """PaymentCreate: start a payment; the app opens `redirect_url` (or posts `form_data` there)."""
    try:
        start = _start(ctx)
    except GatewayRefusal as refusal:
        return error(payment_code(refusal), refusal.message)
    payment = start.payment
    return ok(payment_id=payment.order_id, transaction_id=payment.pk, session_id=start.session_id,
              redirect_url=start.redirect_url, form_data=start.form_data, error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=1)
def payment_merchant_url(request, ctx: DeviceContext):
    """PaymentMerchantUrl: start a payment and answer its page URL and the merchant's name (and, as
    an extension, its `transaction_id` for payment/complete). Codes: 1 unknown error (also bad
    parameters), 2 merchant error (also no such merchant), 3 suspected fraud."""
    amount = amount_param(ctx.params)
    merchant_type = merchant_type_param(ctx.params)
    try:
        start = services.payment_start(client=ctx.client, customer=ctx.customer, amount=amount,
                                       merchant_type=merchant_type, account=ctx.account, ip=ctx.ip or "",
                                       source="device_api")
    except GatewayRefusal as refusal:
        code = {1: 1, 4: 1, 6: 3}.get(refusal.code, 2)
        return error(code, refusal.message)
    return ok(url=start.redirect_url, merchant_name=start.payment.merchant.name, transaction_id=start.payment.pk,
              error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=1)
def payment_complete(request, ctx: DeviceContext):
    """PaymentComplete: ask the gateway what became of the payment and apply it (credit once).
    A payment already settled before the call (succeeded or refunded) answers error 3 "already
    processed", with its `status`; a gateway that cannot be asked answers 2, with the last known
    `status`."""
    session_id = ctx.params.str("session_id", required=True, max_length=128)
    ctx.params.flag("use_sbp")  # accepted; the payment itself knows how it was paid
    merchant_type_param(ctx.params)  # accepted; the payment itself knows its merchant
    payment = _payment(ctx, session_id=session_id)
    if payment is None:
        return error(1, "Transaction not found.")
    if payment.state in SETTLED:
        return error(3, "The transaction is already processed.", status=STATUS[payment.state])
    try:
        payment = services.payment_refresh(payment=payment)
    except GatewayRefusal as refusal:
        return error(2, refusal.message, status=STATUS[payment.state])
    return ok(status=STATUS[payment.state], error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=1)
def payment_list(request, ctx: DeviceContext):
    """PaymentList: the subscriber's financial operations (the ledger), newest first. `limit` 1–100
    (default 100), `page` from 1; other values answer 1. Rows: `id` (the ledger row), `comment`,
    `datetime` (unix time), `amount` (negative for charges), and the extensions `source` and
    `transaction_id` (the payment a row credits or refunds, for payment/cheque; null otherwise)."""
    limit = ctx.params.int("limit", MAX_LIMIT, min_value=1, max_value=MAX_LIMIT)
    page = ctx.params.int("page", 1, min_value=1, max_value=MAX_PAGE)
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


@device_method(auth=Auth.SESSION, invalid_param_error=1)
def payment_cheque(request, ctx: DeviceContext):
    """PaymentGetCheque: mail a link to the payment's receipt page to `email`. Codes: 1 no such
    transaction of the subscriber, 2 the receipt could not be sent (bad address, mail server
    failure, too many requests)."""
    payment = _payment(ctx)
    if payment is None:
        return error(1, "Transaction not found.")
    email = ctx.params.str("email", required=True).strip()
    try:
        if len(email) > 254:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        return error(2, "The receipt cannot be sent: email is not a valid address.", error_fields={"email": "invalid"})
    if not _receipt_allowed(ctx):
        return error(2, "Too many receipts requested; try again later.")
    try:
        receipt_send(request=request, payment=payment, email=email)
    except ReceiptNotSent:
        return error(2, "The receipt could not be sent.")
    return ok(error_message="")


def _receipt_allowed(ctx: DeviceContext) -> bool:
    return counters.hit(f"payments:receipts:{ctx.session.customer_id}", window=3600).count <= RECEIPTS_PER_HOUR


@device_method(auth=Auth.SESSION, invalid_param_error=4)
def payment_qrcode(request, ctx: DeviceContext):
    """PaymentQRCode: start a payment and give the TV a QR code of its payment page, for the
    subscriber's phone: `direct_url` (the page; the receipt for a gateway that settles at once),
    `saved_qrcode_url` (a PNG of that URL, valid for a day) and `transaction_id`. Paying through
    SBP (`use_sbp=1`) is not offered by the installed gateways: 13."""
    if ctx.params.flag("use_sbp"):
        amount_param(ctx.params)
        return error(13, "Payment through SBP is not supported by this merchant.")
    try:
        start = _start(ctx, with_return_url=False)
    except GatewayRefusal as refusal:
        return error(payment_code(refusal), refusal.message)
    payment = start.payment
    return ok(saved_qrcode_url=qrcode_url(request, payment), direct_url=direct_url(request, payment),
              transaction_id=payment.pk, error_message="")
