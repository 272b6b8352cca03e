"""Gateway notifications (`/billing/payment/...`). Views parse and answer; services decide.

Payture POSTs a form (`Notification`, `OrderId`, `Amount`, `Success`, `ErrCode`...) to
`/billing/payment/payture/validate_notify/` and retries until it gets HTTP 200. The form is not
signed, so it is only a trigger: the state is confirmed with PayStatus (`payment_refresh`) and
credited at most once. Answers:
- 200 `OK` — handled: credited, already credited, marked failed, or still pending at Payture; also
  when PayStatus contradicts the notification (a forgery or a replay): nothing is credited then,
  and retrying could not change that;
- 404 `UNKNOWN_ORDER` — no payment with that OrderId (a forgery, or another system's order on the
  same terminal): nothing is credited; Payture's retries make the mistake visible in its panel;
- 400 `BAD_REQUEST` — no OrderId, or one holding a control character (a NUL would fail in PostgreSQL);
- 503 `RETRY` — Payture's PayStatus could not be asked: nothing changed; Payture retries, and the
  reconciliation task settles it anyway.
Never a 500: unexpected errors are logged and answered 503.
"""
from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing.payment_gateway import GatewayRefusal

from common.text import has_control

from .models import MerchantType
from .selectors import payment_by_order
from .services import payment_refresh

logger = logging.getLogger("payments.notify")


def _answer(status: int, text: str) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_POST
def payture_notify(request: HttpRequest) -> HttpResponse:
    """Payture notification: a trigger to confirm the order with PayStatus (see the module doc)."""
    data = request.POST
    order_id = (data.get("OrderId") or data.get("orderid") or "").strip()
    kind = (data.get("Notification") or "")[:64].encode("unicode_escape").decode("ascii")
    if not order_id or has_control(order_id):
        # A NUL would otherwise reach PostgreSQL in the lookup and fail there.
        return _answer(400, "BAD_REQUEST")
    payment = payment_by_order(order_id=order_id)
    if payment is None or payment.merchant_type != MerchantType.PAYTURE:
        logger.warning("payture notify %s: unknown order %s", kind or "-", order_id[:64])
        return _answer(404, "UNKNOWN_ORDER")
    try:
        updated = payment_refresh(payment=payment)
    except GatewayRefusal as exc:
        logger.warning("payture notify %s order %s: not confirmed: %s", kind or "-", order_id, exc.message)
        return _answer(503, "RETRY")
    except Exception:
        logger.exception("payture notify %s order %s failed", kind or "-", order_id)
        return _answer(503, "RETRY")
    logger.info("payture notify %s order %s (payment %s): %s", kind or "-", order_id, updated.pk, updated.state)
    return _answer(200, "OK")
