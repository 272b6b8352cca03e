"""Buying and renting titles when the operator's billing bills purchases.

When `billing.selectors_external.purchases_billed_externally(customer)` is true, the device API's
purchase path calls `purchase_through_plugin` instead of `tvmiddleware.services.purchases.video_purchase`:
the same rules (title sold this way, login active, not already held), but the price is charged by
the plugin's `purchase_video` and the local balance is neither checked nor moved. The purchase is
recorded as a `VideoPurchase` without a ledger row, and `video.purchased` is emitted as usual.

A title of an online cinema whose API class implements `purchase_video` (MEGOGO TVOD) is then also
bought at the partner, as in the built-in path. When the partner refuses or cannot be reached, the
billing's charge is undone with the billing plugin's `refund_purchase`, nothing is recorded, and
`PartnerRefused` is raised. When that refund fails (the billing is down), a `purchase.refund_due`
event addressed to that billing is written in the same transaction: the outbox retries the refund
with backoff until the billing answers (visible in the panel's event deliveries), unless the
subscriber bought the title again meanwhile — the retry reuses the purchase key, so the billing kept
the charge for it and nothing is owed. A billing without a refund call (the default hook) leaves an
error in the log naming the `purchase_key`, for the operator to refund by hand.

The customer row is locked across the partner call (bounded by the plugin's timeout), so two
identical requests cannot both reach the billing; the plugin also gets a `purchase_key` naming this
purchase (see `purchase_key`), so a retry after a lost answer is recognised there.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from tvmiddleware.events import EventName, emit
from tvmiddleware.models import Account, Customer, PurchaseKind, Video, VideoPurchase
from tvmiddleware.plugins import PluginError, implementation
from tvmiddleware.services.errors import Invalid, NotFound, ServiceError
from tvmiddleware.services.purchases import (
    AccountInactive, AlreadyPurchased, PartnerRefused, _active_purchase, _check_sellable,
)
from tvmiddleware.streaming.access import on_commit_invalidate_customer

from .plugins import BillingRefused
from .selectors_external import billing_plugin_for
from .services import InsufficientFunds

if TYPE_CHECKING:
    from .plugins import BillingPluginBase

__all__ = ["ExternalBillingError", "PartnerRefused", "purchase_through_plugin"]

logger = logging.getLogger("billing.external_purchase")


class ExternalBillingError(ServiceError):
    """The operator's billing could not be asked or refused for a reason other than money."""

    code = "external_billing_error"


def purchase_key(customer: Customer, video: Video, kind: str) -> str:
    """Names one purchase for the billing: the customer's n-th purchase of this title. A retry after
    the billing charged but before our row was written (a lost answer, a crash) sends the same key,
    so the billing answers "already billed" instead of charging again; a new rental once the last
    one expired gets the next number."""
    held = VideoPurchase.objects.for_client(customer.client_id).filter(customer_id=customer.pk, video_id=video.pk)
    return f"purchase:{customer.pk}:{video.pk}:{held.count() + 1}:{kind}"


def purchase_through_plugin(*, customer: Customer, video: Video, kind: str, account: Account | None = None,
                            now: datetime | None = None,
                            plugin: "BillingPluginBase | None" = None) -> VideoPurchase:
    """Sell a purchase-category title (`kind` "buy" or "rent"), billed by the customer's billing plugin.

    Raises NotFound, NotPurchasable, AccountInactive, AlreadyPurchased like `video_purchase`;
    InsufficientFunds when the billing says the money is not there; ExternalBillingError when the
    billing cannot be reached or refuses otherwise; PartnerRefused when the title's online cinema
    refused it (the billing's charge undone, see the module doc). Nothing is recorded in those cases.
    """
    outcome = _purchase_through_plugin(customer=customer, video=video, kind=kind, account=account, now=now,
                                       plugin=plugin)
    if isinstance(outcome, PartnerRefused):
        raise outcome  # after the commit: the partner plugin's own records (its user...) are kept
    return outcome


@transaction.atomic
def _purchase_through_plugin(*, customer: Customer, video: Video, kind: str, account: Account | None,
                             now: datetime | None,
                             plugin: "BillingPluginBase | None") -> VideoPurchase | PartnerRefused:
    now = now or timezone.now()
    if video.client_id != customer.client_id:
        raise NotFound("Video not found.")
    if account is not None and account.customer_id != customer.pk:
        raise Invalid("The account belongs to another customer.")
    if account is not None and not account.active:
        raise AccountInactive("The account is not active.", status_reason=account.status_reason)
    _check_sellable(video, kind)
    plugin = plugin or billing_plugin_for(customer)
    if plugin is None:
        raise ExternalBillingError("No external billing is configured for this customer.")

    Customer.objects.select_for_update().filter(pk=customer.pk).values_list("pk", flat=True).get()
    if _active_purchase(customer, video, now) is not None:
        raise AlreadyPurchased("The title has already been bought or is rented.")

    price = video.price if kind == PurchaseKind.BUY else video.rent_price
    key = purchase_key(customer, video, kind)
    try:
        answer = plugin.purchase_video(account=account, video=video, price=price, customer=customer, kind=kind,
                                       purchase_key=key)
    except BillingRefused as exc:
        if exc.reason == "insufficient_funds":
            raise InsufficientFunds("The balance in the operator's billing does not cover this purchase.") from exc
        raise ExternalBillingError(f"The operator's billing refused the purchase: {exc}") from exc
    except (PluginError, NotImplementedError, OSError) as exc:
        raise ExternalBillingError(f"The operator's billing could not be asked: {exc}") from exc
    answer = answer if isinstance(answer, dict) else {}

    partner = implementation(video.external_system if video.external_system_id else None, "purchase_video")
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

    expires_at = now + timedelta(hours=video.rent_hours) if kind == PurchaseKind.RENT else None
    purchase = VideoPurchase.objects.create(
        client_id=customer.client_id, customer=customer, video=video, kind=kind, price=price, transaction=None,
        external_system_id=video.external_system_id, expires_at=expires_at,
    )
    emit(client=customer.client, name=EventName.VIDEO_PURCHASED, customer_id=customer.pk, payload={
        "purchase_id": purchase.pk, "video_id": video.pk, "video_ext_id": video.ext_id,
        "external_system_id": video.external_system_id, "kind": kind, "price": f"{price:.2f}",
        "expires_at": expires_at.isoformat() if expires_at else None, "transaction_id": None,
        "account_id": account.pk if account else None, "billed_by": plugin.external_system.pk,
        "billing_ext_id": str(answer.get("id") or answer.get("ext_id") or ""),
    })
    on_commit_invalidate_customer(customer.pk)
    return purchase


REFUNDED, REFUND_QUEUED, REFUND_MANUAL = "refunded", "queued", "manual"


def _refund(plugin: "BillingPluginBase", *, customer: Customer, video: Video, price, kind: str, purchase_key: str,
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


def refund_due(*, plugin: "BillingPluginBase", payload: dict) -> None:
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
