"""Billing API, Transaction group: money the operator's billing moves on a customer's balance.

`transaction/create` is idempotent by the billing's transaction id (`ext_id`, or `id` as billing
scripts in the field send it): the same id again answers 1 and never moves money twice, also when
the retries arrive at the same moment. `transaction_type=1` records a title the billing sold
(recorded by `billing.purchases.video_purchase`). `transaction/delete` undoes a transaction with a reversal row, once.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from apikit.signed import SignedContext, ok, signed_method
from apikit.spec import INT, Obj, Param
from billing.models import CustomerTransaction, TransactionSource
from billing.purchases import external_transaction_reverse
from billing.services import DuplicateTransaction
from billing.transactions import billing_transaction_create
from common.readers import Choice, Flag, Money, Text, UtcMoment
from tvmiddleware.models import Video
from tvmiddleware.services import Conflict

from .errors import (
    AVAILABLE_UNTIL_INVALID, TRANSACTION_EXISTS, TRANSACTION_ID_REQUIRED, TRANSACTION_NOT_FOUND, UNKNOWN_ERROR,
    VIDEO_EXT_ID_REQUIRED, VIDEO_NOT_FOUND,
)
from .lookups import MAX_EXT_ID, MAX_PRICE, Refusal, customer_from, customer_params, refusals

VIDEO_PURCHASE = 1  # transaction_type of a title sold by the billing
TRANSACTION_ID_PARAMS = (
    Param("ext_id", Text(MAX_EXT_ID), description="the billing's transaction id"),
    Param("id", Text(MAX_EXT_ID), description="the billing's transaction id (older scripts; ext_id wins)"),
)


def _transaction_ext_id(ctx: SignedContext) -> str:
    """The billing's transaction id: `ext_id`, or `id` (older billing scripts)."""
    for name in ("ext_id", "id"):
        value = (ctx.args[name] or "").strip()
        if value:
            return value
    raise Refusal(TRANSACTION_ID_REQUIRED, "The transaction id (ext_id) is required.", {"ext_id": "required"})


def _available_until(ctx: SignedContext) -> datetime | None:
    """`video_available_until` (UTC); it must lie in the future."""
    moment = ctx.args.video_available_until
    if moment is not None and moment <= timezone.now():
        raise Refusal(AVAILABLE_UNTIL_INVALID, "video_available_until is in the past.",
                      {"video_available_until": "in the past"})
    return moment


def _video(ctx: SignedContext) -> Video:
    """The title by its ext_id (a title of the operator's own catalogue before one fed by a partner)."""
    ext_id = (ctx.args.video_ext_id or "").strip()
    if not ext_id:
        raise Refusal(VIDEO_EXT_ID_REQUIRED, "video_ext_id is required for a video purchase.",
                      {"video_ext_id": "required"})
    own_first = Case(When(external_system__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField())
    video = Video.objects.for_client(ctx.client).filter(ext_id=ext_id).order_by(own_first, "id").first()
    if video is None:
        raise Refusal(VIDEO_NOT_FOUND, "No video with this video_ext_id.", {"video_ext_id": "not found"})
    return video


@signed_method(validation_error=UNKNOWN_ERROR, params=(
    *TRANSACTION_ID_PARAMS,
    Param("amount", Money(negative=True, maximum=MAX_PRICE), default=Decimal("0.00"),
          description="positive credits the balance, negative charges it"),
    Param("processed", Flag(), default=False),
    Param("comment", Text(1000), default=""),
    *customer_params(UNKNOWN_ERROR, ext_name="customer_ext_id"),
    Param("transaction_type", Choice((VIDEO_PURCHASE,)), description="1: the billing sold a title (video_ext_id)"),
    Param("activate_accounts", Flag(), default=False,
          description="unblock the customer's accounts blocked for debt or waiting for activation"),
    Param("video_ext_id", Text(MAX_EXT_ID), error=VIDEO_NOT_FOUND, description="the title sold (transaction_type=1)"),
    Param("video_available_until", UtcMoment(), error=AVAILABLE_UNTIL_INVALID,
          description="the end of a rental (none: bought for good)"),
), errors=(TRANSACTION_EXISTS, TRANSACTION_ID_REQUIRED, VIDEO_EXT_ID_REQUIRED, VIDEO_NOT_FOUND,
           AVAILABLE_UNTIL_INVALID), response=Obj(id=INT))
@refusals
def transaction_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Credit (positive `amount`) or charge (negative) a customer's balance, once per transaction id.

    The customer is named by `customer_ext_id` (or `customer_id`). Answers the ledger row's `id`
    besides the documented fields; the same transaction id again answers 1 and moves nothing."""
    args = ctx.args
    ext_id = _transaction_ext_id(ctx)
    customer = customer_from(ctx, code=UNKNOWN_ERROR, ext_name="customer_ext_id")
    video = _video(ctx) if args.transaction_type == VIDEO_PURCHASE else None
    available_until = _available_until(ctx) if video is not None else None
    try:
        row = billing_transaction_create(client=ctx.client, customer=customer, amount=args.amount or Decimal("0.00"),
                                         ext_id=ext_id, comment=args.comment, processed=args.processed, video=video,
                                         available_until=available_until, activate_accounts=args.activate_accounts)
    except DuplicateTransaction:
        raise Refusal(TRANSACTION_EXISTS, "A transaction with this ext_id already exists.",
                      {"ext_id": "duplicate"}) from None
    return ok(id=row.pk)


@signed_method(validation_error=UNKNOWN_ERROR, params=TRANSACTION_ID_PARAMS,
               errors=(TRANSACTION_NOT_FOUND, TRANSACTION_ID_REQUIRED), response=Obj())
@refusals
def transaction_delete(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Undo a transaction the billing created, once.

    The money goes back by a reversal row, a title it paid for closes. Deleting it again answers 1
    (it no longer exists) and moves nothing."""
    ext_id = _transaction_ext_id(ctx)
    row = (CustomerTransaction.objects.for_client(ctx.client)
           .filter(source=TransactionSource.API, ext_id=ext_id).first())
    if row is None:
        raise Refusal(TRANSACTION_NOT_FOUND, "No transaction with this ext_id.", {"ext_id": "not found"})
    try:
        external_transaction_reverse(transaction_row=row)
    except Conflict:
        raise Refusal(TRANSACTION_NOT_FOUND, "The transaction with this ext_id was already deleted.",
                      {"ext_id": "deleted"}) from None
    return ok()
