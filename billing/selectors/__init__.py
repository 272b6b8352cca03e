"""Ledger reads."""
from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet, Sum

from tvmiddleware.models import Customer

from ..models import CustomerTransaction


def customer_balance(*, customer: Customer) -> Decimal:
    """The balance as the ledger keeps it (the cached column, written under lock with each row)."""
    return Customer.objects.values_list("balance", flat=True).get(pk=customer.pk)


def ledger_sum(*, customer: Customer) -> Decimal:
    """Sum of all ledger rows: equals `customer_balance` unless something bypassed the ledger."""
    total = CustomerTransaction.objects.filter(customer=customer).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0.00")


def customer_transactions(*, customer: Customer) -> QuerySet[CustomerTransaction]:
    return CustomerTransaction.objects.for_client(customer.client_id).filter(customer=customer).order_by("-id")
