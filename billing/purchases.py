"""Titles sold by the operator's own billing (Billing API `transaction/create` with
`transaction_type=1`), and undoing such a sale.

The operator's billing has already decided and charged: here the sale is recorded as one ledger
row (source API, the billing's external id, so a retried request never moves money twice) and a
`VideoPurchase` paid by that row, which opens the title — for good, or until `available_until`.
Partners hear `video.purchased` like for a sale made in the apps.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tvmiddleware.events import EventName, emit
from tvmiddleware.models import Client, Customer, PurchaseKind, Video, VideoPurchase
from tvmiddleware.services.errors import NotFound
from tvmiddleware.streaming.access import on_commit_invalidate_customer

from .models import CustomerTransaction, TransactionSource
from .services import to_amount, transaction_create, transaction_reverse

__all__ = ["external_transaction_reverse", "external_video_purchase"]


@transaction.atomic
def external_video_purchase(
    *,
    client: Client,
    customer: Customer,
    video: Video,
    amount: Decimal | str,
    ext_id: str,
    comment: str = "",
    processed: bool = False,
    available_until: datetime | None = None,
) -> VideoPurchase:
    """Record a title the operator's billing sold to a customer for `amount` (negative: a charge; 0:
    charged in the billing's own books). With `available_until` it is a rental ending then, without it
    a purchase for good. Raises `DuplicateTransaction` (nothing written) when `ext_id` was used before.
    """
    if customer.client_id != client.pk:
        raise NotFound("Customer not found.")
    if video.client_id != client.pk:
        raise NotFound("Video not found.")
    amount = to_amount(amount)
    row = transaction_create(
        client=client, customer=customer, amount=amount, source=TransactionSource.API, ext_id=ext_id,
        comment=comment or f"Video: {video.name}"[:500], processed=processed,
        meta={"transaction_type": 1, "video_id": video.pk, "video_ext_id": video.ext_id},
    )
    kind = PurchaseKind.RENT if available_until is not None else PurchaseKind.BUY
    purchase = VideoPurchase.objects.create(
        client_id=client.pk, customer=customer, video=video, kind=kind, price=max(-amount, Decimal("0.00")),
        transaction=row, external_system_id=video.external_system_id, expires_at=available_until,
    )
    emit(client=client, name=EventName.VIDEO_PURCHASED, customer_id=customer.pk, payload={
        "purchase_id": purchase.pk, "video_id": video.pk, "video_ext_id": video.ext_id,
        "external_system_id": video.external_system_id, "kind": kind, "price": f"{purchase.price:.2f}",
        "expires_at": available_until.isoformat() if available_until else None,
        "transaction_id": row.pk, "account_id": None, "sold_by": "billing",
    })
    on_commit_invalidate_customer(customer.pk)  # the title opens at once
    return purchase


@transaction.atomic
def external_transaction_reverse(*, transaction_row: CustomerTransaction) -> CustomerTransaction:
    """Undo a transaction the operator's billing created (`transaction/delete`): a reversal row gives
    the money back, and a title it paid for closes now. Raises `Conflict` when already undone."""
    reversal = transaction_reverse(transaction_row=transaction_row,
                                   comment=f"Deleted by the billing: {transaction_row.ext_id}"[:500])
    now = timezone.now()
    purchases = VideoPurchase.objects.filter(transaction_id=transaction_row.pk)
    customer_ids = set(purchases.values_list("customer_id", flat=True))
    purchases.exclude(expires_at__lte=now).update(expires_at=now)
    for customer_id in customer_ids:
        on_commit_invalidate_customer(customer_id)
    return reversal
