"""Buying and renting titles from the customer's balance.

A purchase is one transaction: the customer row is locked, an active purchase of the title is
looked for under that lock, the price is charged through the ledger (`source=purchase`), the
`VideoPurchase` is written linked to that ledger row, and `video.purchased` is recorded for the
plugins (an online cinema hears about its TVOD sale). Concurrent identical requests queue on the
lock; the second one finds the first one's purchase and is refused, so nobody is charged twice.

A title of an online cinema whose API class implements `purchase_video` is also bought at the
partner, after the ledger debit and under the same lock. When the partner refuses (or cannot be
reached) the debit is reversed by a ledger row, no purchase is recorded, and `PartnerRefused` is
raised once both rows are committed. Such a plugin may set `ignore_customer_balance_check`: the
price is then charged without requiring funds (the operator's own billing settles it).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from billing.models import TransactionSource
from billing.services import InsufficientFunds, transaction_create, transaction_reverse
from tvmiddleware.events import EventName, emit
from tvmiddleware.models import Account, Customer, PriceCategory, PurchaseKind, Video, VideoPurchase
from tvmiddleware.plugins import PluginError, implementation
from tvmiddleware.streaming.access import on_commit_invalidate_customer

from .errors import Conflict, Invalid, NotFound, ServiceError

__all__ = ["AccountInactive", "AlreadyPurchased", "InsufficientFunds", "NotPurchasable", "PartnerRefused",
           "video_purchase"]


class AlreadyPurchased(Conflict):
    """The customer already holds the title: bought for good, or rented and not yet expired."""

    code = "already_purchased"


class NotPurchasable(Invalid):
    """The title is not sold this way (free or subscription title, or no rental price)."""

    code = "not_purchasable"


class AccountInactive(ServiceError):
    """A blocked or inactive login cannot buy."""

    code = "account_inactive"


class PartnerRefused(ServiceError):
    """The online cinema selling the title refused the purchase; the debit was refunded."""

    code = "partner_refused"


def _active_purchase(customer: Customer, video: Video, now: datetime) -> VideoPurchase | None:
    return (VideoPurchase.objects.for_client(customer.client_id)
            .filter(customer_id=customer.pk, video_id=video.pk)
            .exclude(expires_at__lte=now).order_by("-id").first())


def _check_sellable(video: Video, kind: str) -> None:
    if kind not in PurchaseKind.values:
        raise Invalid(f"Unknown purchase kind {kind!r}.", fields={"kind": "invalid"})
    if not video.available:
        raise NotFound("Video not found.")
    if video.price_category != PriceCategory.PURCHASE:
        raise NotPurchasable("This title is not sold: it is free or opened by a subscription.")
    if kind == PurchaseKind.RENT and video.rent_price is None:
        raise NotPurchasable("This title cannot be rented.")


def video_purchase(*, customer: Customer, video: Video, kind: str, account: Account | None = None,
                   now: datetime | None = None) -> VideoPurchase:
    """Sell a purchase-category title to a customer: `kind` "buy" (for good, at `price`) or "rent"
    (at `rent_price`, for `rent_hours` from `now`), paid from the balance.

    Raises NotFound (another operator's or unavailable title), NotPurchasable, AccountInactive
    (when bought through a login that is not active), AlreadyPurchased, InsufficientFunds,
    PartnerRefused (the debit and its refund are committed first).
    """
    outcome = _video_purchase(customer=customer, video=video, kind=kind, account=account, now=now)
    if isinstance(outcome, PartnerRefused):
        raise outcome
    return outcome


@transaction.atomic
def _video_purchase(*, customer: Customer, video: Video, kind: str, account: Account | None,
                    now: datetime | None) -> VideoPurchase | PartnerRefused:
    now = now or timezone.now()
    if video.client_id != customer.client_id:
        raise NotFound("Video not found.")
    if account is not None and account.customer_id != customer.pk:
        raise Invalid("The account belongs to another customer.")
    if account is not None and not account.active:
        raise AccountInactive("The account is not active.", status_reason=account.status_reason)
    _check_sellable(video, kind)

    # Lock first, then look: a concurrent identical request waits here and then sees our purchase.
    Customer.objects.select_for_update().filter(pk=customer.pk).values_list("pk", flat=True).get()
    if _active_purchase(customer, video, now) is not None:
        raise AlreadyPurchased("The title has already been bought or is rented.")

    price = video.price if kind == PurchaseKind.BUY else video.rent_price
    expires_at = now + timedelta(hours=video.rent_hours) if kind == PurchaseKind.RENT else None
    partner = implementation(video.external_system if video.external_system_id else None, "purchase_video")
    ledger_row = None
    if price > 0:
        ledger_row = transaction_create(
            client=customer.client, customer=customer, amount=-price, source=TransactionSource.PURCHASE,
            require_funds=not getattr(partner, "ignore_customer_balance_check", False),
            comment=f"{PurchaseKind(kind).label}: {video.name}"[:500],
            meta={"video_id": video.pk, "kind": kind, "account_id": account.pk if account else None},
        )
    if partner is not None:
        try:
            partner.purchase_video(account=account, video=video, price=price, customer=customer, kind=kind)
        except PluginError as exc:
            if ledger_row is not None:
                transaction_reverse(transaction_row=ledger_row, comment=f"Refund: the partner refused ({exc})"[:500])
            return PartnerRefused(f"The purchase was refused by {video.external_system.name}; nothing was "
                                  f"charged. ({exc})")
    purchase = VideoPurchase.objects.create(
        client_id=customer.client_id, customer=customer, video=video, kind=kind, price=price,
        transaction=ledger_row, external_system_id=video.external_system_id, expires_at=expires_at,
    )
    emit(client=customer.client, name=EventName.VIDEO_PURCHASED, customer_id=customer.pk, payload={
        "purchase_id": purchase.pk, "video_id": video.pk, "video_ext_id": video.ext_id,
        "external_system_id": video.external_system_id, "kind": kind, "price": f"{price:.2f}",
        "expires_at": expires_at.isoformat() if expires_at else None,
        "transaction_id": ledger_row.pk if ledger_row else None,
        "account_id": account.pk if account else None,
    })
    # Stream access decisions are cached per login: drop them on commit so the title opens at once.
    on_commit_invalidate_customer(customer.pk)
    return purchase
