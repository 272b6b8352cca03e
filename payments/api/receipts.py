"""Receipts and QR codes of payments, reached by signed, expiring links.

`payment/cheque` e-mails the subscriber a link to a receipt page; `payment/qrcode` hands the app a
link to a PNG QR code of the payment page. Both links carry the payment's id signed with the
project's SECRET_KEY (`django.core.signing`, one salt per kind of link) and a timestamp, so they
cannot be forged or enumerated and stop working after `RECEIPT_TTL` / `QR_TTL`. The pages need no
session: whoever holds the link (the e-mail's reader, a phone scanning the TV screen) may open it.
"""
from __future__ import annotations

import io
import logging
import smtplib

import segno
from django.core import signing
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_GET

from apikit.openapi import PlainOperation, PlainResponse, documented
from payments.models import Payment, PaymentState

logger = logging.getLogger("payments.api")

RECEIPT_SALT = "payments.api.receipt"
QR_SALT = "payments.api.qrcode"
RECEIPT_TTL = 90 * 24 * 3600  # seconds: a receipt is kept in a mailbox for a while
QR_TTL = 24 * 3600            # the payment page behind a QR code expires much sooner anyway
MAX_TOKEN = 200


class ReceiptNotSent(Exception):
    """The mail server refused or could not be reached."""


# --- links -----------------------------------------------------------------------------------------

def _token(payment: Payment, salt: str) -> str:
    return signing.dumps([payment.pk, payment.client_id], salt=salt)


def _payment_of(token: str, *, salt: str, max_age: int) -> Payment | None:
    """The payment a link names, or None when the token is forged, damaged or expired."""
    if len(token) > MAX_TOKEN:
        return None
    try:
        payment_id, client_id = signing.loads(token, salt=salt, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return (Payment.objects.for_client(client_id).select_related("client", "merchant")
            .filter(pk=payment_id).first())


def receipt_url(request: HttpRequest, payment: Payment) -> str:
    return request.build_absolute_uri(reverse("payments-receipt", args=[_token(payment, RECEIPT_SALT)]))


def qrcode_url(request: HttpRequest, payment: Payment) -> str:
    return request.build_absolute_uri(reverse("payments-qrcode-image", args=[_token(payment, QR_SALT)]))


def direct_url(request: HttpRequest, payment: Payment) -> str:
    """Where a QR code of the payment leads: the gateway's payment page, or, for a gateway that
    settled at once without a page (null), the payment's receipt."""
    return payment.redirect_url or receipt_url(request, payment)


# --- e-mail ----------------------------------------------------------------------------------------

def receipt_send(*, request: HttpRequest, payment: Payment, email: str) -> None:
    """Mail the link to the payment's receipt page to `email` (Django's configured e-mail backend)."""
    link = receipt_url(request, payment)
    operator = payment.client.name
    subject = " ".join(f"{operator}: receipt for payment #{payment.pk}".split())  # no line breaks in a header
    text = (f"Payment #{payment.pk} of {payment.amount} {payment.client.currency} "
            f"({payment.get_state_display()}).\n\nYour receipt: {link}\n\nThe link is valid for "
            f"{RECEIPT_TTL // 86400} days.\n")
    html = format_html("<p>Payment #{} of {} {} ({}).</p><p><a href=\"{}\">Open your receipt</a></p>",
                       payment.pk, payment.amount, payment.client.currency, payment.get_state_display(), link)
    try:
        send_mail(subject, text, None, [email], html_message=html, fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        # The address is the subscriber's personal data: only the payment is named in the log.
        logger.warning("receipt of payment %s not sent: %s", payment.pk, type(exc).__name__)
        raise ReceiptNotSent(str(exc)) from exc


# --- pages -----------------------------------------------------------------------------------------

RECEIPT_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><meta name="robots" content="noindex">
<title>{title}</title>
<style>body{{font-family:sans-serif;max-width:32em;margin:2em auto}}th{{text-align:left;padding-right:1em}}</style>
</head><body><h1>{operator}</h1><h2>Payment receipt</h2><table>
<tr><th>Transaction</th><td>{transaction_id}</td></tr>
<tr><th>Order</th><td>{order_id}</td></tr>
<tr><th>Amount</th><td>{amount} {currency}</td></tr>
<tr><th>Date</th><td>{date}</td></tr>
<tr><th>Paid through</th><td>{merchant}</td></tr>
<tr><th>State</th><td>{state}</td></tr>
</table></body></html>"""


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, max-age=3600"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


def _not_found() -> HttpResponse:
    return HttpResponseNotFound("This link is invalid or has expired.", content_type="text/plain; charset=utf-8")


_LINK_GONE = PlainResponse("Invalid or expired link.", content_type="text/plain")


@documented(PlainOperation(
    summary="A payment's receipt, as a page",
    description="The link `payment/cheque` e-mails; private, not indexed. Invalid or expired links answer 404.",
    path_params={"token": "The receipt link's signed token."},
    responses={200: PlainResponse("The receipt.", content_type="text/html"), 404: _LINK_GONE}))
@require_GET
def receipt_page(request: HttpRequest, token: str) -> HttpResponse:
    """The receipt of one payment: operator, amount, date, order and transaction ids, state."""
    payment = _payment_of(token, salt=RECEIPT_SALT, max_age=RECEIPT_TTL)
    if payment is None:
        return _not_found()
    moment = timezone.localtime(payment.confirmed_at or payment.created_at)
    html = format_html(RECEIPT_PAGE, title=f"Receipt #{payment.pk}", operator=payment.client.name,
                       transaction_id=payment.pk, order_id=payment.order_id, amount=payment.amount,
                       currency=payment.client.currency, date=moment.strftime("%Y-%m-%d %H:%M %Z"),
                       merchant=payment.merchant.name, state=PaymentState(payment.state).label)
    return _private(HttpResponse(html, content_type="text/html; charset=utf-8"))


@documented(PlainOperation(
    summary="A payment page's QR code, as a PNG image",
    description="The link `payment/qrcode` answers, for a phone to scan off the TV. Invalid or expired links "
                "answer 404.",
    path_params={"token": "The QR link's signed token."},
    responses={200: PlainResponse("The image.", content_type="image/png",
                                  schema={"type": "string", "format": "binary"}), 404: _LINK_GONE}))
@require_GET
def qrcode_image(request: HttpRequest, token: str) -> HttpResponse:
    """A PNG QR code of the payment's page (see `direct_url`), for a phone to scan off the TV."""
    payment = _payment_of(token, salt=QR_SALT, max_age=QR_TTL)
    if payment is None:
        return _not_found()
    buffer = io.BytesIO()
    segno.make(direct_url(request, payment), error="m").save(buffer, kind="png", scale=8, border=2)
    return _private(HttpResponse(buffer.getvalue(), content_type="image/png"))
