"""Billing API, Transaction group: money the operator's billing moves on a customer's balance.

`transaction/create` is idempotent by the billing's transaction id (`ext_id`, or `id` as billing
scripts in the field send it): the same id again answers 1 and never moves money twice, also when
the retries arrive at the same moment. `transaction_type=1` records a title the billing sold
(recorded by `billing.purchases.video_purchase`). `transaction/delete` undoes a transaction with a reversal row, once.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timezone as dt_timezone
from decimal import Decimal

from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from billing.models import CustomerTransaction, TransactionSource
from billing.purchases import external_transaction_reverse
from billing.services import DuplicateTransaction
from billing.transactions import billing_transaction_create
from tvmiddleware.models import Video
from tvmiddleware.services import Conflict

from .customers import MAX_PRICE, UNKNOWN_ERROR, Refusal, customer_from, money_param, refusals
from apikit.signed import SignedContext, ok, signed_method

VIDEO_PURCHASE = 1  # transaction_type of a title sold by the billing
MAX_EXT_ID = 128
_MOMENT_RE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ ,T](\d{2}:\d{2}(?::\d{2})?))?", re.ASCII)


def _transaction_ext_id(ctx: SignedContext) -> str:
    """The billing's transaction id: `ext_id`, or `id` (older billing scripts)."""
    for name in ("ext_id", "id"):
        value = str(ctx.params.get(name) or "").strip()
        if value:
            if len(value) > MAX_EXT_ID or "\x00" in value:
                raise Refusal(UNKNOWN_ERROR, f"{name} is longer than {MAX_EXT_ID} characters.", {name: "invalid"})
            return value
    raise Refusal(2, "The transaction id (ext_id) is required.", {"ext_id": "required"})


def _available_until(ctx: SignedContext) -> datetime | None:
    """`video_available_until` in UTC: `YYYY-MM-DD hh:mm:ss` (also with `,` or `T`), or a date alone
    (the end of that day). It must lie in the future."""
    value = str(ctx.params.get("video_available_until") or "").strip()
    if not value:
        return None
    match = _MOMENT_RE.fullmatch(value)
    try:
        if match is None:
            raise ValueError(value)
        day = date.fromisoformat(match.group(1))
        clock = time.fromisoformat(match.group(2)) if match.group(2) else time(23, 59, 59)
    except ValueError:
        raise Refusal(5, "video_available_until must be YYYY-MM-DD hh:mm:ss (UTC).",
                      {"video_available_until": "invalid"}) from None
    moment = datetime.combine(day, clock, tzinfo=dt_timezone.utc)
    if moment <= timezone.now():
        raise Refusal(5, "video_available_until is in the past.", {"video_available_until": "in the past"})
    return moment


def _video(ctx: SignedContext) -> Video:
    """The title by its ext_id (a title of the operator's own catalogue before one fed by a partner)."""
    ext_id = str(ctx.params.get("video_ext_id") or "").strip()
    if not ext_id:
        raise Refusal(3, "video_ext_id is required for a video purchase.", {"video_ext_id": "required"})
    video = None
    if len(ext_id) <= MAX_EXT_ID and "\x00" not in ext_id:
        own_first = Case(When(external_system__isnull=True, then=Value(0)), default=Value(1),
                         output_field=IntegerField())
        video = (Video.objects.for_client(ctx.client).filter(ext_id=ext_id)
                 .order_by(own_first, "id").first())
    if video is None:
        raise Refusal(4, "No video with this video_ext_id.", {"video_ext_id": "not found"})
    return video


@signed_method(validation_error=UNKNOWN_ERROR)
@refusals
def transaction_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Credit (positive `amount`) or charge (negative) the customer named by `customer_ext_id` (or
    `customer_id`). Answers the ledger row's `id` besides the documented fields."""
    ext_id = _transaction_ext_id(ctx)
    amount = money_param(ctx, "amount", maximum=MAX_PRICE) or Decimal("0.00")
    processed = ctx.params.flag("processed")
    comment = ctx.params.str("comment", max_length=1000)
    customer = customer_from(ctx, code=UNKNOWN_ERROR, ext_name="customer_ext_id")
    kind = ctx.params.int("transaction_type", min_value=VIDEO_PURCHASE, max_value=VIDEO_PURCHASE)
    activate = ctx.params.flag("activate_accounts")
    video = _video(ctx) if kind == VIDEO_PURCHASE else None
    available_until = _available_until(ctx) if video is not None else None

    try:
        row = billing_transaction_create(client=ctx.client, customer=customer, amount=amount, ext_id=ext_id,
                                         comment=comment, processed=processed, video=video,
                                         available_until=available_until, activate_accounts=activate)
    except DuplicateTransaction:
        raise Refusal(1, "A transaction with this ext_id already exists.", {"ext_id": "duplicate"}) from None
    return ok(id=row.pk)


@signed_method(validation_error=UNKNOWN_ERROR)
@refusals
def transaction_delete(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Undo a transaction the billing created: the money goes back by a reversal row, a title it
    paid for closes. Deleting it again answers 1 (it no longer exists) and moves nothing."""
    ext_id = _transaction_ext_id(ctx)
    row = (CustomerTransaction.objects.for_client(ctx.client)
           .filter(source=TransactionSource.API, ext_id=ext_id).first())
    if row is None:
        raise Refusal(1, "No transaction with this ext_id.", {"ext_id": "not found"})
    try:
        external_transaction_reverse(transaction_row=row)
    except Conflict:
        raise Refusal(1, "The transaction with this ext_id was already deleted.", {"ext_id": "deleted"}) from None
    return ok()
