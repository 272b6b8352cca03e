"""`check_accounts` at scale on PostgreSQL: seconds and SQL queries over 100,000 accounts.

Builds two operators in billing mode II (periodic charging): a small one (`--small` customers) and
a large one (`--accounts` customers), each customer with one login, one tariff (10.00 every 30
days) and a ledger-backed balance. In the large one a fraction `--due` of the subscriptions ends an
hour before "now" (a day's renewals); a fraction `--debt` of those customers cannot pay. Then runs
`billing.modes.check_accounts` in-process and reports, per run, seconds and SQL queries:

1. nothing due (run an hour before the renewals), small vs large operator: the query count must
   be the same — reads are batched, nothing grows per account;
2. the day's renewals: charges written, debtors blocked (writes grow per changed customer only);
3. the same run again: nothing charged twice, and debtors already blocked cost nothing more;
4. mode I (dates) over the large operator with nothing to change.

The data is bulk-inserted (consistent ledger rows: each customer's balance is the sum of its rows)
and removed at the end.

    python benchmarks/check_accounts.py [--accounts 100000] [--small 1000] [--due 0.033] [--debt 0.1]
"""
from __future__ import annotations

import argparse
import os
import time
from datetime import timedelta
from decimal import Decimal

from _setup import setup

CHUNK = 5000


def build(*, customers: int, due: float, debt: float, run: str, now):
    """An operator with `customers` customers; returns it and the number due / in debt."""
    from billing.models import CustomerTransaction, TransactionSource
    from tvmiddleware.models import Account, BillingMode, Client, Customer, Tariff, TariffSubscription
    from tvmiddleware.services.accounts import hash_account_password

    client = Client.objects.create(name=f"bench-check-{customers}-{run}", billing_mode=BillingMode.PERIODIC)
    tariff = Tariff.objects.create(client=client, name="Base", price=Decimal("10.00"), period=30,
                                   basic_tariff_priority=1)
    password = hash_account_password("1234")
    due_every = round(1 / due) if due else 0
    debt_every = round(1 / debt) if debt else 0
    due_count = debt_count = 0
    for start in range(0, customers, CHUNK):
        size = min(CHUNK, customers - start)
        plan = []
        for i in range(start, start + size):
            is_due = bool(due_every) and i % due_every == 0
            in_debt = is_due and bool(debt_every) and (i // due_every) % debt_every == 0
            due_count += is_due
            debt_count += in_debt
            plan.append((is_due, Decimal("5.00") if in_debt else Decimal("100.00")))
        rows = Customer.objects.bulk_create(
            [Customer(client=client, firstname=f"Bench {start + k}", balance=balance)
             for k, (_, balance) in enumerate(plan)])
        CustomerTransaction.objects.bulk_create(
            [CustomerTransaction(client=client, customer=c, customer_ref=c.pk, amount=balance,
                                 source=TransactionSource.API, ext_id=f"seed-{c.pk}", balance_before=Decimal("0"),
                                 balance_after=balance) for c, (_, balance) in zip(rows, plan)])
        Account.objects.bulk_create(
            [Account(client=client, customer=c, abonement=str(10_000_000 + start + k), password=password)
             for k, c in enumerate(rows)])
        TariffSubscription.objects.bulk_create(
            [TariffSubscription(client=client, customer=c, tariff=tariff, is_basic=True,
                                start_date=now - timedelta(days=20),
                                end_date=now - timedelta(hours=1) if is_due else now + timedelta(days=1 + (k % 28)))
             for k, (c, (is_due, _)) in enumerate(zip(rows, plan))])
    return client, due_count, debt_count


def remove(client) -> None:
    """Delete the operator's rows table by table (fast raw deletes; the ORM would load 100k rows)."""
    from django.db import connection

    from billing.models import CustomerTransaction
    from tvmiddleware.models import (
        Account, Client, Customer, DomainEvent, EventDelivery, Tariff, TariffSubscription,
    )

    with connection.cursor() as cursor:
        for model in (EventDelivery, DomainEvent, CustomerTransaction, TariffSubscription, Account, Customer, Tariff):
            cursor.execute(f'DELETE FROM "{model._meta.db_table}" WHERE client_id = %s', [client.pk])
    Client.objects.filter(pk=client.pk).delete()


def measure(label: str, **kwargs):
    """Run check_accounts; count every statement sent (savepoints included, as the tests do)."""
    from django.db import connection

    from billing.modes import check_accounts

    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        summary = check_accounts(**kwargs)
        seconds = time.perf_counter() - started
    print(f"{label:44}{seconds:>9.2f}{count:>10}   {summary.line()[len('check_accounts: '):]}")
    return summary, seconds, count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--due", type=float, default=0.033, help="fraction of subscriptions due now (1/30)")
    parser.add_argument("--debt", type=float, default=0.1, help="fraction of the due customers who cannot pay")
    args = parser.parse_args()
    os.environ.setdefault("DEBUG", "0")  # no query log: it would cost memory and time, not the run's
    setup()

    from django.utils import timezone

    from billing.models import CustomerTransaction, TransactionSource
    from billing.modes import BATCH_SIZE
    from tvmiddleware.models import BillingMode

    now = timezone.now()
    run = str(int(time.time()))
    started = time.perf_counter()
    small, _, _ = build(customers=args.small, due=0, debt=0, run=run, now=now)
    large, due, debt = build(customers=args.accounts, due=args.due, debt=args.debt, run=run, now=now)
    print(f"built {args.small:,} + {args.accounts:,} customers/accounts in {time.perf_counter() - started:.0f} s; "
          f"due now: {due:,} ({debt:,} of them cannot pay); batch size {BATCH_SIZE}")
    try:
        print(f"\n{'run':44}{'seconds':>9}{'queries':>10}   outcome")
        _, _, q_small = measure(f"1. nothing due, {args.small:,} accounts", client_id=small.pk, now=now - timedelta(hours=2))
        _, _, q_large = measure(f"1. nothing due, {args.accounts:,} accounts", client_id=large.pk,
                                now=now - timedelta(hours=2))
        renewals, seconds, q_renew = measure("2. the day's renewals", client_id=large.pk, now=now)
        _, _, q_again = measure("3. the same run again", client_id=large.pk, now=now + timedelta(minutes=1))
        large.billing_mode = BillingMode.DATES
        large.save(update_fields=["billing_mode"])
        measure(f"4. mode I (dates), {args.accounts:,} accounts", client_id=large.pk, now=now)
        changed = renewals.charged + renewals.deactivated
        print(f"\nnothing due: {q_small} queries for {args.small:,} accounts, {q_large} for {args.accounts:,} "
              f"({'the same: nothing grows per account' if q_small == q_large else 'GROWS'})")
        print(f"renewals: {renewals.charged:,} charges + {renewals.deactivated:,} debt blocks in {seconds:.1f} s "
              f"({changed / seconds:,.0f} customers/s), {q_renew:,} queries "
              f"= {q_renew / max(changed, 1):.1f} per changed customer (its writes)")
        rows = CustomerTransaction.objects.for_client(large).filter(source=TransactionSource.CHARGE).count()
        print(f"repeat: {q_again} queries; {rows:,} charge rows in the ledger for {renewals.charged:,} charges "
              f"({'none twice' if rows == renewals.charged else 'DOUBLE CHARGES'})")
    finally:
        remove(small)
        remove(large)


if __name__ == "__main__":
    main()
