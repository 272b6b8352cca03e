"""Ledger writes. The only code that changes a customer's balance."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from tvmiddleware.models import Client, Customer
from common.money import LEDGER_MAX, MoneyError, read_money, within_ledger
from common.errors import Conflict, Invalid, NotFound

from .models import CustomerTransaction, TransactionSource

CENT = Decimal("0.01")


class DuplicateTransaction(Conflict):
    """The external id was already used for this operator and source; `existing` is that row."""

    code = "duplicate"

    def __init__(self, existing: CustomerTransaction | None) -> None:
        super().__init__("A transaction with this external id already exists.", fields={"ext_id": "duplicate"})
        self.existing = existing


class InsufficientFunds(Conflict):
    code = "insufficient_funds"


class BalanceOutOfRange(Invalid):
    """The amount, or the balance it would leave, is past what the ledger columns hold."""

    code = "out_of_range"


def to_amount(value: Any) -> Decimal:
    """A ledger amount: a plain decimal with a dot and at most two decimals, signed (a negative
    amount is a charge), within what the ledger columns hold (see `common.money`)."""
    try:
        return read_money(value, negative=True)
    except MoneyError as exc:
        raise Invalid(f"amount is not an acceptable amount ({exc.problem}): a plain decimal with a dot and at "
                      "most two decimal places.", fields={"amount": exc.problem}) from None


def _ext_id_taken(client_id: int, source: str, ext_id: str) -> bool:
    return CustomerTransaction.objects.for_client(client_id).filter(source=source, ext_id=ext_id).exists()


def _existing(client_id: int, source: str, ext_id: str) -> CustomerTransaction | None:
    return CustomerTransaction.objects.for_client(client_id).filter(source=source, ext_id=ext_id).first()


@transaction.atomic
def transaction_create(
    *,
    client: Client,
    customer: Customer,
    amount: Decimal | str,
    source: str = TransactionSource.API,
    ext_id: str = "",
    comment: str = "",
    processed: bool = True,
    require_funds: bool = False,
    created_by: Any = None,
    meta: dict | None = None,
    reverses: CustomerTransaction | None = None,
) -> CustomerTransaction:
    """Add a signed amount to a customer's balance and record it in the ledger.

    Idempotent by external id: the same (operator, source, `ext_id`) again raises
    `DuplicateTransaction` and moves no money, also under concurrent retries (the customer row is
    locked, the id re-checked under the lock, and a unique constraint backs both).
    `require_funds` refuses a charge the balance does not cover (`InsufficientFunds`).
    """
    if customer.client_id != client.pk:
        raise NotFound("Customer not found.")
    amount = to_amount(amount)
    ext_id = (ext_id or "").strip()
    if source not in TransactionSource.values:
        raise Invalid(f"Unknown transaction source {source!r}.")
    # The customer row lock serialises every balance change of this customer; the external id is
    # checked under it, so a concurrent retry of the same request waits here and then sees our row.
    before = Customer.objects.select_for_update().filter(pk=customer.pk).values_list("balance", flat=True).get()
    if ext_id and _ext_id_taken(client.pk, source, ext_id):
        raise DuplicateTransaction(_existing(client.pk, source, ext_id))
    after = before + amount
    if not within_ledger(after):
        # Refused here, not by the database ("numeric field overflow"): every path that moves money
        # (Billing API, payments, purchases, admin) comes through this function.
        raise BalanceOutOfRange(f"The balance would leave the range the ledger holds (±{LEDGER_MAX}).",
                                fields={"amount": "out of range"}, balance=before, amount=amount)
    if require_funds and amount < 0 and after < 0:
        raise InsufficientFunds("The balance does not cover this charge.", balance=before, amount=amount)
    try:
        with transaction.atomic():
            row = CustomerTransaction.objects.create(
                client=client, customer_id=customer.pk, customer_ref=customer.pk, amount=amount, source=source,
                ext_id=ext_id, comment=comment, processed=processed, balance_before=before,
                balance_after=after, created_by=created_by, meta=meta or {}, reverses=reverses,
            )
    except IntegrityError as exc:  # the same id used for another customer at the same moment
        raise DuplicateTransaction(_existing(client.pk, source, ext_id)) from exc
    Customer.objects.filter(pk=customer.pk).update(balance=after)
    customer.balance = after
    return row


@transaction.atomic
def transaction_reverse(*, transaction_row: CustomerTransaction, comment: str = "",
                        created_by: Any = None) -> CustomerTransaction:
    """Undo a ledger row with an opposite row (the original stays). A row is reversed at most once."""
    original = CustomerTransaction.objects.select_for_update().get(pk=transaction_row.pk)
    if original.customer_id is None:
        raise Invalid("The customer of this transaction was deleted.")
    if original.source == TransactionSource.REVERSAL:
        raise Conflict("A reversal cannot be reversed.")
    if CustomerTransaction.objects.filter(reverses=original).exists():
        raise Conflict("This transaction was already reversed.")
    return transaction_create(
        client=original.client, customer=original.customer, amount=-original.amount,
        source=TransactionSource.REVERSAL, ext_id=f"reversal:{original.pk}",
        comment=comment or f"Reversal of transaction #{original.pk}", created_by=created_by,
        reverses=original,
    )
