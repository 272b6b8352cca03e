"""The core's rules for selling a title, shared by every way a title is sold.

The sale itself — who charges (the built-in ledger, the operator's billing through its plugin) and
the online cinema's part — is `billing.purchases.video_purchase`, the one entry point; this module
holds what it checks first (`check_purchasable`, `held_purchase`) and the refusals it raises.
The core does not import billing here: billing builds on these rules.
"""
from __future__ import annotations

from datetime import datetime

from tvmiddleware.models import Account, Customer, PriceCategory, PurchaseKind, Video, VideoPurchase

from common.errors import Conflict, Invalid, NotFound, ServiceError

__all__ = ["AccountInactive", "AlreadyPurchased", "NotPurchasable", "PartnerRefused", "check_purchasable",
           "held_purchase"]


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


def held_purchase(*, customer: Customer, video: Video, now: datetime) -> VideoPurchase | None:
    """The customer's purchase that opens the title at `now` (bought for good, or a rental not yet
    expired), if any. Read it under the customer's row lock to decide a new sale."""
    return (VideoPurchase.objects.for_client(customer.client_id)
            .filter(customer_id=customer.pk, video_id=video.pk)
            .exclude(expires_at__lte=now).order_by("-id").first())


def check_purchasable(*, customer: Customer, video: Video, kind: str, account: Account | None) -> None:
    """The subscriber may buy (`kind` "buy") or rent ("rent") this title, whoever bills it: the title
    is the operator's and on sale this way, and the login buying (when given) is the customer's and
    active. Raises NotFound, Invalid, AccountInactive, NotPurchasable; whether the customer already
    holds the title is asked under the row lock (`held_purchase`)."""
    if video.client_id != customer.client_id:
        raise NotFound("Video not found.")
    if account is not None and account.customer_id != customer.pk:
        raise Invalid("The account belongs to another customer.")
    if account is not None and not account.active:
        raise AccountInactive("The account is not active.", status_reason=account.status_reason)
    if kind not in PurchaseKind.values:
        raise Invalid(f"Unknown purchase kind {kind!r}.", fields={"kind": "invalid"})
    if not video.available:
        raise NotFound("Video not found.")
    if video.price_category != PriceCategory.PURCHASE:
        raise NotPurchasable("This title is not sold: it is free or opened by a subscription.")
    if kind == PurchaseKind.RENT and video.rent_price is None:
        raise NotPurchasable("This title cannot be rented.")
