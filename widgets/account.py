"""What the personal-account widget shows (widgets/pages/account.py): reads of one customer's data,
always of the widget's operator, each a fixed number of queries whatever the customer holds."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from billing.models import CustomerTransaction
from billing.selectors import customer_balance, customer_transactions
from tvmiddleware.models import Account, AccountDevice, Customer
from tvmiddleware.selectors.tariffs_seen import tariffs_seen

__all__ = ["LedgerPage", "balance_of", "customer_accounts", "customer_devices", "ledger_page", "tariff_rows"]

ZERO = Decimal("0.00")


def balance_of(customer: Customer) -> Decimal:
    """The customer's balance as the ledger keeps it now (read afresh: a write may just have changed it)."""
    return customer_balance(customer=customer)


def tariff_rows(customer: Customer) -> list[dict[str, Any]]:
    """The tariffs the subscriber sees, as the device API's customer/tariff/list shows them: the ones
    held (open subscriptions) and the enabled, not hidden ones they could take. Each with what taking
    it costs now (`billing.subscriptions.subscription_cost`: activation price, plus the first period of
    a periodical tariff) and whether the subscriber may drop it. Two queries."""
    rows = []
    for seen in tariffs_seen(client_id=customer.client_id, customer_id=customer.pk):
        tariff, sub = seen.tariff, seen.subscription
        rows.append({
            "id": tariff.pk, "name": tariff.name, "description": tariff.description, "period": tariff.period,
            "is_basic": tariff.is_basic, "is_periodical": seen.is_periodical, "price": seen.price,
            "activation_price": tariff.activation_price,
            "cost_now": tariff.activation_price + (tariff.price if tariff.period > 0 else ZERO),
            "is_assigned": seen.is_assigned,
            "end_date": sub.end_date if sub else None,
            "can_unsubscribe": seen.is_assigned and not tariff.is_basic and seen.may_be_dropped,
        })
    return rows


def customer_accounts(customer: Customer) -> list[Account]:
    """The customer's logins (abonements), oldest first. One query."""
    return list(Account.objects.for_client(customer.client_id).filter(customer=customer).order_by("id"))


def customer_devices(customer: Customer) -> list[AccountDevice]:
    """The devices bound to any of the customer's logins, with their type and login. One query."""
    return list(AccountDevice.objects.for_client(customer.client_id).filter(account__customer=customer)
                .select_related("device_type", "account").order_by("account_id", "id"))


@dataclass
class LedgerPage:
    rows: list[CustomerTransaction]
    number: int
    has_next: bool


def ledger_page(customer: Customer, *, number: int, per_page: int) -> LedgerPage:
    """One page of the customer's ledger, newest first: one query (one row more than the page tells
    whether another page follows; no count of the whole ledger)."""
    start = (number - 1) * per_page
    rows = list(customer_transactions(customer=customer)
                .only("id", "amount", "source", "comment", "balance_after", "created_at")[start:start + per_page + 1])
    return LedgerPage(rows=rows[:per_page], number=number, has_next=len(rows) > per_page)
