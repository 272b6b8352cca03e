"""TVOD: a MEGOGO purchase title bought through `video/action` is also bought at MEGOGO.

The purchase service (`billing.purchases.video_purchase`, ledger mode) debits the ledger
(unless `ignore_customer_balance_check` = 1, no funds are required then), then calls
`purchase_video` of the title's integration; when MEGOGO refuses or cannot be reached, the flow
reverses the debit and the purchase is not recorded.

MEGOGO publishes no partner purchase call: `MegogoClient.purchase` holds the assumed one.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tvmiddleware.models import Account, Customer, PurchaseKind, Video

from .subscriptions import ensure_partner_user, subscriber_for

if TYPE_CHECKING:
    from .plugin import MegogoAPI


def purchase_at_megogo(api: "MegogoAPI", *, account: Account | None, customer: Customer | None, video: Video,
                       price: Any, kind: str) -> dict[str, Any]:
    """Buy (`dto`, for good) or rent (`tvod`) the title for the customer's partner user."""
    customer = customer or (account.customer if account is not None else None)
    if customer is None:
        raise ValueError("purchase_video needs the customer or the account")
    subscriber = subscriber_for(api, customer)
    ensure_partner_user(api, subscriber)
    answer = api.megogo.purchase(user_id=subscriber.identifier, video_id=video.ext_id,
                                 kind="tvod" if kind == PurchaseKind.RENT else "dto", price=f"{price:.2f}")
    return {"id": str(answer.get("purchaseId") or answer.get("id") or ""), "partner": "megogo"}
