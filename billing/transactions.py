"""Money the operator's billing moves on a customer's balance (Billing API `transaction/create`).

One transaction per request: the billing's row (a plain credit or charge, or a title it sold,
recorded through `billing.purchases.video_purchase`) and, when asked, the opening of the customer's
logins are committed together or not at all.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction

from tvmiddleware.models import AccountStatus, Client, Customer, Video
from tvmiddleware.services import NotFound, account_activate

from .models import CustomerTransaction, TransactionSource
from .purchases import BillingSale, video_purchase
from .services import transaction_create

__all__ = ["billing_transaction_create"]


@transaction.atomic
def billing_transaction_create(
    *,
    client: Client,
    customer: Customer,
    amount: Decimal,
    ext_id: str,
    comment: str = "",
    processed: bool = False,
    video: Video | None = None,
    available_until: datetime | None = None,
    activate_accounts: bool = False,
) -> CustomerTransaction:
    """Record what the operator's billing did: credit (positive `amount`) or charge (negative) the
    customer under the billing's transaction id `ext_id`; with `video`, the billing sold that title
    (for good, or until `available_until`). `activate_accounts` then opens the customer's inactive
    logins (those the operator blocked, BLOCK, stay blocked).

    Raises `DuplicateTransaction` (nothing written) when `ext_id` was used before, and the
    refusals of `transaction_create` / `video_purchase`.
    """
    if customer.client_id != client.pk:
        raise NotFound("Customer not found.")
    if video is not None:
        row = video_purchase(customer=customer, video=video, sale=BillingSale(
            amount=amount, ext_id=ext_id, comment=comment, processed=processed, available_until=available_until,
        )).transaction
    else:
        row = transaction_create(client=client, customer=customer, amount=amount, source=TransactionSource.API,
                                 ext_id=ext_id, comment=comment, processed=processed)
    if activate_accounts:
        for account in customer.accounts.filter(active=False).exclude(status_reason=AccountStatus.BLOCK):
            account_activate(account=account)
    return row
