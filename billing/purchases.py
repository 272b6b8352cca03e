"""Selling titles: one entry point, `video_purchase`, whatever bills the sale.

Every sale of a purchase-category title goes through `video_purchase`: the device API's
`video/action` (the subscriber buys or rents in the app) and the Billing API's `transaction/create`
with `transaction_type=1` (the operator's billing sold the title itself). Callers never choose how
the sale is billed: `purchase_mode` decides, and the same rules (`check_purchasable`, then
`held_purchase` under the customer's row lock) apply to every mode that sells to the subscriber.

Modes (`PurchaseMode`):

LEDGER — the built-in ledger bills (no billing plugin answers for the customer, or its plugin does
    not bill purchases). The price is charged through the ledger (`source=purchase`) and the
    `VideoPurchase` is linked to that row. A title of an online cinema whose API class implements
    `purchase_video` (partner TVOD, e.g. MEGOGO) is also bought at the partner, after the debit and
    under the same lock; when the partner refuses (`PluginError`) the debit is reversed by a ledger
    row, no purchase is recorded, and `PartnerRefused` is raised once both rows are committed. Such a
    plugin may set `ignore_customer_balance_check`: the price is then charged without requiring funds.

EXTERNAL_BILLING — the customer's billing plugin bills purchases (`purchases_external`): the price is
    charged by the plugin's `charge_purchase`; the local balance is neither checked nor moved and no
    ledger row is written. The plugin gets a `purchase_key` naming this purchase (see `purchase_key`),
    so a retry after a lost answer is recognised there. A partner TVOD title is then also bought at
    the partner; when the partner refuses or cannot be reached, the billing's charge is undone with
    the plugin's `refund_purchase`, nothing is recorded, and `PartnerRefused` is raised. When that
    refund fails (the billing is down), a `purchase.refund_due` event addressed to that billing is
    written in the same transaction: the outbox retries the refund with backoff until the billing
    answers (see `refund_due`), unless the subscriber bought the title again meanwhile — the retry
    reuses the purchase key, so the billing kept the charge for it and nothing is owed. A billing
    without a refund call (the default hook) leaves an error in the log naming the `purchase_key`,
    for the operator to refund by hand. The customer row is locked across the billing's call
    (bounded by the plugin's timeout), so two identical requests cannot both reach the billing.

BILLING_SALE — the operator's billing has already decided and charged (a `BillingSale` is given): the
    sale is recorded as told, as one ledger row (source API, the billing's external id, so a retried
    request never moves money twice: `DuplicateTransaction`) and a `VideoPurchase` paid by that row,
    which opens the title for good or until `available_until`. The billing decided, so only the
    tenant rule applies (the title is the operator's); nothing is asked of a partner.

In every mode the sale is one transaction under the customer's row lock, `video.purchased` is
recorded for the plugins (an online cinema hears about its TVOD sale) and the customer's cached
stream-access decisions are dropped on commit, so the title opens at once.
"""
from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from tvmiddleware.events import EventName, emit
from tvmiddleware.models import Account, Customer, PurchaseKind, Video, VideoPurchase
from tvmiddleware.plugins import PluginError, implementation
from common.errors import NotFound, ServiceError
from tvmiddleware.services.purchases import (
    AccountInactive, AlreadyPurchased, NotPurchasable, PartnerRefused, check_purchasable, held_purchase,
)
from tvmiddleware.streaming.access import on_commit_invalidate_customer

from .models import CustomerTransaction, TransactionSource
from .plugins import BillingPluginBase, BillingRefused
from .selectors.external import billing_plugin_for
from .services import InsufficientFunds, to_amount, transaction_create, transaction_reverse

__all__ = [
    "AccountInactive", "AlreadyPurchased", "BillingSale", "ExternalBillingError", "InsufficientFunds",
    "NotPurchasable", "PartnerRefused", "PurchaseMode", "external_transaction_reverse", "purchase_key",
    "purchase_mode", "refund_due", "video_purchase",
]

# The external-billing mode's log lines keep the name operators' log filters know.
logger = logging.getLogger("billing.external_purchase")


class ExternalBillingError(ServiceError):
    """The operator's billing could not be asked or refused for a reason other than money."""

    code = "external_billing_error"


class PurchaseMode(enum.StrEnum):
    """Who bills a sale (see the module doc)."""

    LEDGER = "ledger"
    EXTERNAL_BILLING = "external_billing"
    BILLING_SALE = "billing_sale"


@dataclass(frozen=True)
class BillingSale:
    """A sale the operator's billing made and charged itself (Billing API `transaction/create` with
    `transaction_type=1`): `amount` is the ledger amount (negative: a charge; 0: charged in the
    billing's own books), `ext_id` the billing's transaction id, `available_until` the end of a
    rental (None: bought for good)."""

    amount: Decimal | str
    ext_id: str
    comment: str = ""
    processed: bool = False
    available_until: datetime | None = None


def purchase_mode(*, customer: Customer, sale: BillingSale | None = None) -> tuple[PurchaseMode, BillingPluginBase | None]:
    """How a sale to this customer is billed, and the billing plugin that bills it (EXTERNAL_BILLING only)."""
    if sale is not None:
        return PurchaseMode.BILLING_SALE, None
    plugin = billing_plugin_for(customer)
    if plugin is not None and plugin.purchases_external:
        return PurchaseMode.EXTERNAL_BILLING, plugin
    return PurchaseMode.LEDGER, None


def purchase_key(customer: Customer, video: Video, kind: str) -> str:
    """Names one purchase for the billing: the customer's n-th purchase of this title. A retry after
    the billing charged but before our row was written (a lost answer, a crash) sends the same key,
    so the billing answers "already billed" instead of charging again; a new rental once the last
    one expired gets the next number."""
    held = VideoPurchase.objects.for_client(customer.client_id).filter(customer_id=customer.pk, video_id=video.pk)
    return f"purchase:{customer.pk}:{video.pk}:{held.count() + 1}:{kind}"


def video_purchase(*, customer: Customer, video: Video, kind: str | None = None, account: Account | None = None,
                   now: datetime | None = None, sale: BillingSale | None = None) -> VideoPurchase:
    """Sell a purchase-category title to a customer: `kind` "buy" (for good, at `price`) or "rent" (at
    `rent_price`, for `rent_hours` from `now`), billed as `purchase_mode` says; or, with `sale`,
    record a sale the operator's billing made (its kind follows `sale.available_until`).

    Raises NotFound (another operator's or unavailable title), Invalid, NotPurchasable,
    AccountInactive (when bought through a login that is not active), AlreadyPurchased,
    InsufficientFunds (the ledger's or the operator's billing's balance does not cover it),
    ExternalBillingError (the operator's billing cannot be asked or refuses otherwise),
    DuplicateTransaction (a billing sale's `ext_id` was used before), PartnerRefused (the online
    cinema refused; the charge and its undoing are committed first). Nothing is sold in those cases.
    """
    outcome = _sell(customer=customer, video=video, kind=kind, account=account, now=now, sale=sale)
    if isinstance(outcome, PartnerRefused):
        raise outcome  # after the commit: the refund, and the partner plugin's own records, are kept
    return outcome


@transaction.atomic
def _sell(*, customer: Customer, video: Video, kind: str | None, account: Account | None, now: datetime | None,
          sale: BillingSale | None) -> VideoPurchase | PartnerRefused:
    now = now or timezone.now()
    mode, plugin = purchase_mode(customer=customer, sale=sale)
    if mode == PurchaseMode.BILLING_SALE:
        if video.client_id != customer.client_id:
            raise NotFound("Video not found.")
        return _record_billing_sale(customer=customer, video=video, sale=sale)

    check_purchasable(customer=customer, video=video, kind=kind, account=account)
    # Lock first, then look: a concurrent identical request waits here and then sees our purchase.
    Customer.objects.select_for_update().filter(pk=customer.pk).values_list("pk", flat=True).get()
    if held_purchase(customer=customer, video=video, now=now) is not None:
        raise AlreadyPurchased("The title has already been bought or is rented.")
    price = video.price if kind == PurchaseKind.BUY else video.rent_price
    expires_at = now + timedelta(hours=video.rent_hours) if kind == PurchaseKind.RENT else None
    partner = implementation(video.external_system if video.external_system_id else None, "purchase_video")
    if mode == PurchaseMode.EXTERNAL_BILLING:
        return _bill_through_plugin(plugin, partner, customer=customer, video=video, kind=kind, account=account,
                                    price=price, expires_at=expires_at)
    return _bill_through_ledger(partner, customer=customer, video=video, kind=kind, account=account, price=price,
                                expires_at=expires_at)


def _bill_through_ledger(partner, *, customer: Customer, video: Video, kind: str, account: Account | None,
                         price: Decimal, expires_at: datetime | None) -> VideoPurchase | PartnerRefused:
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
    return _record(customer=customer, video=video, kind=kind, price=price, expires_at=expires_at,
                   ledger_row=ledger_row, account=account)


def _bill_through_plugin(plugin: BillingPluginBase, partner, *, customer: Customer, video: Video, kind: str,
                         account: Account | None, price: Decimal,
                         expires_at: datetime | None) -> VideoPurchase | PartnerRefused:
    key = purchase_key(customer, video, kind)
    try:
        answer = plugin.charge_purchase(account=account, video=video, price=price, customer=customer, kind=kind,
                                       purchase_key=key)
    except BillingRefused as exc:
        if exc.reason == "insufficient_funds":
            raise InsufficientFunds("The balance in the operator's billing does not cover this purchase.") from exc
        raise ExternalBillingError(f"The operator's billing refused the purchase: {exc}") from exc
    except (PluginError, NotImplementedError, OSError) as exc:
        raise ExternalBillingError(f"The operator's billing could not be asked: {exc}") from exc
    answer = answer if isinstance(answer, dict) else {}

    if partner is not None and partner.external_system.pk != plugin.external_system.pk:
        try:
            partner.purchase_video(account=account, video=video, price=price, customer=customer, kind=kind)
        except (PluginError, OSError) as exc:
            refund = _refund(plugin, customer=customer, video=video, price=price, kind=kind, purchase_key=key,
                             answer=answer, reason=f"{video.external_system.name} refused: {exc}")
            outcome = {
                REFUNDED: "the operator's billing has given the money back",
                REFUND_QUEUED: "the charge in the operator's billing is being undone (retried until the billing "
                               "answers)",
            }.get(refund, "the charge in the operator's billing could not be undone automatically: the operator "
                          "will refund it")
            return PartnerRefused(f"The purchase was refused by {video.external_system.name}; {outcome}. ({exc})")
    return _record(customer=customer, video=video, kind=kind, price=price, expires_at=expires_at, ledger_row=None,
                   account=account, extra={"billed_by": plugin.external_system.pk,
                                           "billing_ext_id": str(answer.get("id") or answer.get("ext_id") or "")})


def _record_billing_sale(*, customer: Customer, video: Video, sale: BillingSale) -> VideoPurchase:
    amount = to_amount(sale.amount)
    row = transaction_create(
        client=customer.client, customer=customer, amount=amount, source=TransactionSource.API, ext_id=sale.ext_id,
        comment=sale.comment or f"Video: {video.name}"[:500], processed=sale.processed,
        meta={"transaction_type": 1, "video_id": video.pk, "video_ext_id": video.ext_id},
    )
    kind = PurchaseKind.RENT if sale.available_until is not None else PurchaseKind.BUY
    return _record(customer=customer, video=video, kind=kind, price=max(-amount, Decimal("0.00")),
                   expires_at=sale.available_until, ledger_row=row, account=None, extra={"sold_by": "billing"})


def _record(*, customer: Customer, video: Video, kind: str, price: Decimal, expires_at: datetime | None,
            ledger_row: CustomerTransaction | None, account: Account | None,
            extra: dict[str, Any] | None = None) -> VideoPurchase:
    """Write the sale (it opens the title), tell the plugins, and drop cached access on commit."""
    purchase = VideoPurchase.objects.create(
        client_id=customer.client_id, customer=customer, video=video, kind=kind, price=price,
        transaction=ledger_row, external_system_id=video.external_system_id, expires_at=expires_at,
    )
    emit(client=customer.client, name=EventName.VIDEO_PURCHASED, customer_id=customer.pk, payload={
        "purchase_id": purchase.pk, "video_id": video.pk, "video_ext_id": video.ext_id,
        "external_system_id": video.external_system_id, "kind": kind, "price": f"{price:.2f}",
        "expires_at": expires_at.isoformat() if expires_at else None,
        "transaction_id": ledger_row.pk if ledger_row else None,
        "account_id": account.pk if account else None, **(extra or {}),
    })
    # Stream access decisions are cached per login: drop them on commit so the title opens at once.
    on_commit_invalidate_customer(customer.pk)
    return purchase


REFUNDED, REFUND_QUEUED, REFUND_MANUAL = "refunded", "queued", "manual"


def _refund(plugin: BillingPluginBase, *, customer: Customer, video: Video, price, kind: str, purchase_key: str,
            answer: dict, reason: str) -> str:
    """Ask the billing to undo its charge (inside the purchase's transaction, customer row locked).
    REFUNDED: done. REFUND_QUEUED: the billing failed to answer, a `purchase.refund_due` event for it
    retries the refund. REFUND_MANUAL: the billing has no refund call; an error names the purchase."""
    try:
        refunded = plugin.refund_purchase(customer=customer, video=video, price=price, kind=kind,
                                          purchase_key=purchase_key, answer=answer, reason=reason)
    except (PluginError, OSError) as exc:
        logger.warning("purchase %s (customer %s, video %s, %s): the partner refused and the refund through "
                       "integration #%s failed: %s; retried from the event outbox", purchase_key, customer.pk,
                       video.pk, price, plugin.external_system.pk, exc)
        held = VideoPurchase.objects.for_client(customer.client_id).filter(customer_id=customer.pk,
                                                                          video_id=video.pk).count()
        emit(client=customer.client, name=EventName.PURCHASE_REFUND_DUE, customer_id=customer.pk,
             only_external_system_id=plugin.external_system.pk, payload={
                 "customer_id": customer.pk, "video_id": video.pk, "price": f"{price:.2f}", "kind": kind,
                 "purchase_key": purchase_key, "purchase_number": held + 1, "answer": answer, "reason": reason,
             })
        return REFUND_QUEUED
    except NotImplementedError:
        refunded = False
    if not refunded:
        logger.error("purchase %s (customer %s, video %s, %s): the partner refused and integration #%s has no "
                     "refund call; refund it by hand", purchase_key, customer.pk, video.pk, price,
                     plugin.external_system.pk)
        return REFUND_MANUAL
    logger.info("purchase %s (customer %s, video %s): refunded through integration #%s after the partner "
                "refused", purchase_key, customer.pk, video.pk, plugin.external_system.pk)
    return REFUNDED


def refund_due(*, plugin: BillingPluginBase, payload: dict) -> None:
    """Deliver a `purchase.refund_due` event to the billing that owes it (raises to be retried).

    Under the customer's row lock (a purchase of the same title waits): when the subscriber has
    since bought the title under the same purchase key, the billing's charge paid for that purchase
    and nothing is refunded; otherwise the billing's `refund_purchase` is called (idempotent by key).
    """
    customer = Customer.objects.for_client(plugin.client).filter(pk=payload["customer_id"]).first()
    video = Video.objects.for_client(plugin.client).filter(pk=payload["video_id"]).first()
    key = payload["purchase_key"]
    if customer is None or video is None:
        logger.error("purchase %s: the customer or the title is gone; refund %s by hand", key, payload["price"])
        return
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer.pk).values_list("pk", flat=True).get()
        held = VideoPurchase.objects.for_client(customer.client_id).filter(customer_id=customer.pk,
                                                                          video_id=video.pk).count()
        if held >= payload["purchase_number"]:
            logger.info("purchase %s: bought again under the same key meanwhile; the charge paid for it, "
                        "nothing to refund", key)
            return
        refunded = plugin.refund_purchase(customer=customer, video=video, price=Decimal(payload["price"]),
                                          kind=payload["kind"], purchase_key=key, answer=payload.get("answer") or {},
                                          reason=payload.get("reason", ""))
    if not refunded:
        logger.error("purchase %s (customer %s): integration #%s has no refund call; refund it by hand", key,
                     customer.pk, plugin.external_system.pk)
        return
    logger.info("purchase %s (customer %s): refunded through integration #%s on retry", key, customer.pk,
                plugin.external_system.pk)


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
