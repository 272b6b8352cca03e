"""The ledger: balances move only through rows, exactly, once per external id."""
from decimal import Decimal

import pytest

from billing.models import CustomerTransaction, TransactionSource
from billing.selectors import customer_balance, ledger_sum
from billing.services import DuplicateTransaction, InsufficientFunds, transaction_create, transaction_reverse
from tests import factories
from tests.concurrency import run_parallel
from tvmiddleware.services import Conflict, Invalid, NotFound


@pytest.mark.django_db
class TestTransactionCreate:
    def test_credit_and_charge_keep_running_balance(self, client_obj, customer):
        first = transaction_create(client=client_obj, customer=customer, amount="100.00", ext_id="pay-1")
        second = transaction_create(client=client_obj, customer=customer, amount=Decimal("-30.50"),
                                    source=TransactionSource.CHARGE)
        assert (first.balance_before, first.balance_after) == (Decimal("0.00"), Decimal("100.00"))
        assert (second.balance_before, second.balance_after) == (Decimal("100.00"), Decimal("69.50"))
        assert customer_balance(customer=customer) == Decimal("69.50") == ledger_sum(customer=customer)
        assert customer.balance == Decimal("69.50")

    def test_duplicate_ext_id_moves_no_money(self, client_obj, customer):
        original = transaction_create(client=client_obj, customer=customer, amount="10", ext_id="X-1")
        with pytest.raises(DuplicateTransaction) as info:
            transaction_create(client=client_obj, customer=customer, amount="10", ext_id="X-1")
        assert info.value.existing == original
        other_customer = factories.CustomerFactory(client=client_obj)
        with pytest.raises(DuplicateTransaction):
            transaction_create(client=client_obj, customer=other_customer, amount="10", ext_id="X-1")
        assert customer_balance(customer=customer) == Decimal("10.00")
        # the same id from another source, or at another operator, is a different transaction
        transaction_create(client=client_obj, customer=customer, amount="1", ext_id="X-1",
                           source=TransactionSource.PAYMENT)
        foreign = factories.CustomerFactory()
        transaction_create(client=foreign.client, customer=foreign, amount="1", ext_id="X-1")

    @pytest.mark.parametrize("amount", ["abc", "1,5", "1.005", "NaN", "Infinity", "", "1e12", "1e30", "-1e400"])
    def test_bad_amounts_are_refused(self, client_obj, customer, amount):
        with pytest.raises(Invalid):
            transaction_create(client=client_obj, customer=customer, amount=amount)
        assert not CustomerTransaction.objects.exists()

    def test_require_funds(self, client_obj, customer):
        transaction_create(client=client_obj, customer=customer, amount="5")
        with pytest.raises(InsufficientFunds):
            transaction_create(client=client_obj, customer=customer, amount="-5.01", require_funds=True)
        transaction_create(client=client_obj, customer=customer, amount="-5", require_funds=True)
        assert customer_balance(customer=customer) == Decimal("0.00")

    def test_foreign_customer_refused(self, client_obj):
        with pytest.raises(NotFound):
            transaction_create(client=client_obj, customer=factories.CustomerFactory(), amount="1")

    def test_reversal(self, client_obj, customer):
        row = transaction_create(client=client_obj, customer=customer, amount="25", ext_id="r1")
        reversal = transaction_reverse(transaction_row=row)
        assert reversal.amount == Decimal("-25.00") and reversal.reverses == row
        assert customer_balance(customer=customer) == Decimal("0.00")
        with pytest.raises(Conflict):
            transaction_reverse(transaction_row=row)
        with pytest.raises(Conflict):
            transaction_reverse(transaction_row=reversal)


@pytest.mark.postgres
def test_parallel_transactions_keep_balance_exact():
    customer = factories.CustomerFactory()
    client = customer.client
    amounts = [Decimal("10.01") if i % 3 else Decimal("-3.37") for i in range(20)]

    results, errors = run_parallel(20, lambda i: transaction_create(
        client=client, customer=customer, amount=amounts[i], ext_id=f"par-{i}"))

    assert errors == []
    assert customer_balance(customer=customer) == sum(amounts) == ledger_sum(customer=customer)
    rows = list(CustomerTransaction.objects.filter(customer=customer).order_by("id"))
    assert len(rows) == 20
    running = Decimal("0.00")
    for row in rows:  # every row saw the balance the previous one left
        assert row.balance_before == running
        running = row.balance_after


@pytest.mark.postgres
def test_parallel_duplicates_credit_once():
    customer = factories.CustomerFactory()
    client = customer.client

    results, errors = run_parallel(20, lambda i: transaction_create(
        client=client, customer=customer, amount="50.00", ext_id="same-payment"))

    assert len(results) == 1
    assert len(errors) == 19 and all(isinstance(e, DuplicateTransaction) for e in errors)
    assert customer_balance(customer=customer) == Decimal("50.00")


@pytest.mark.postgres
def test_one_ext_id_raced_by_two_customers_falls_back_on_the_unique_constraint(monkeypatch):
    """Two customers' rows are two locks, so the ext_id check under the lock cannot serialise them:
    both find the id free, and the unique constraint (client, source, ext_id) decides. The loser gets
    `DuplicateTransaction` naming the winner's row (never an IntegrityError), and moves no money."""
    import threading

    from django.db import IntegrityError

    import billing.services as ledger

    first = factories.CustomerFactory()
    second = factories.CustomerFactory(client=first.client)
    customers = [first, second]
    both_checked = threading.Barrier(2, timeout=20)
    real_check = ledger._ext_id_taken

    def check_then_wait(client_id, source, ext_id):
        taken = real_check(client_id, source, ext_id)
        assert taken is False  # in the worker: collected by run_parallel
        both_checked.wait()    # neither inserts before both have found the id free
        return taken

    monkeypatch.setattr(ledger, "_ext_id_taken", check_then_wait)

    def pay(i):
        try:
            return transaction_create(client=first.client, customer=customers[i], amount="40.00",
                                      ext_id="shared-id")
        except DuplicateTransaction as exc:
            assert isinstance(exc.__cause__, IntegrityError), "the loser must come through the constraint"
            assert exc.existing is not None and exc.existing.customer_id != customers[i].pk
            raise

    results, errors = run_parallel(2, pay)

    assert len(results) == 1, errors
    assert len(errors) == 1 and type(errors[0]) is DuplicateTransaction, errors
    winner = results[0]
    assert errors[0].existing == winner
    loser = second if winner.customer_id == first.pk else first
    assert CustomerTransaction.objects.filter(ext_id="shared-id").count() == 1
    assert customer_balance(customer=loser) == Decimal("0.00") == ledger_sum(customer=loser)
    winner_customer = first if loser is second else second
    assert customer_balance(customer=winner_customer) == Decimal("40.00") == ledger_sum(customer=winner_customer)
