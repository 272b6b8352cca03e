"""Ledger and event-outbox throughput on PostgreSQL.

Measures, in one run:
- baseline: a plain ORM INSERT of a ledger row (no lock, no checks);
- transaction_create sequentially (lock customer, re-check ext id, insert, update balance);
- transaction_create from 8 threads on 8 customers, and on one shared customer (lock contention);
- tariff_assign + event emit, and event delivery (claim → handler → mark delivered).

    python benchmarks/ledger.py [--rows 2000]
"""
from __future__ import annotations

import argparse
import threading
import time
from decimal import Decimal

from _setup import percentiles, setup


def timed(n, fn):
    samples = []
    start = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - t0) * 1000)
    return n / (time.perf_counter() - start), samples


def parallel(threads, per_thread, fn):
    from django.db import connection

    barrier = threading.Barrier(threads)

    def worker(t):
        barrier.wait()
        for i in range(per_thread):
            fn(t, i)
        connection.close()

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    start = time.perf_counter()
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    return threads * per_thread / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()
    url = setup()

    from billing.models import CustomerTransaction
    from billing.selectors import customer_balance, ledger_sum
    from billing.services import transaction_create
    from tvmiddleware import events
    from tvmiddleware.models import Client, Customer, Tariff

    run = str(int(time.time()))
    client = Client.objects.create(name=f"bench-{run}")
    customers = [Customer.objects.create(client=client, firstname=f"b{i}") for i in range(10)]
    n = args.rows

    base_rate, base_samples = timed(n, lambda i: CustomerTransaction.objects.create(
        client=client, customer=customers[7], customer_ref=customers[7].pk, amount=Decimal("1.00"), source="manual",
        balance_before=Decimal("0"), balance_after=Decimal("1.00")))
    seq_rate, seq_samples = timed(n, lambda i: transaction_create(
        client=client, customer=customers[0], amount="1.00", ext_id=f"{run}-s-{i}"))
    per = max(n // 8, 1)
    par_rate = parallel(8, per, lambda t, i: transaction_create(
        client=client, customer=customers[t], amount="1.00", ext_id=f"{run}-p-{t}-{i}"))
    hot_rate = parallel(8, per, lambda t, i: transaction_create(
        client=client, customer=customers[9], amount="1.00", ext_id=f"{run}-h-{t}-{i}"))
    hot = customers[9]
    assert customer_balance(customer=hot) == ledger_sum(customer=hot) == Decimal(8 * per)

    from tvmiddleware.services import tariff_assign, tariff_remove

    from settings import celery_app

    # Measure writing events apart from delivering them: queue to the in-memory broker (no worker).
    celery_app.conf.update(task_always_eager=False, broker_url="memory://")
    tariff = Tariff.objects.create(client=client, name="bench", basic_tariff_priority=0)
    events.register_event_handler("bench.noop", ["tariff.assigned", "tariff.removed"], lambda e: None)
    m = max(n // 4, 1)

    def toggle(i):
        tariff_assign(customer=customers[8], tariff=tariff)
        tariff_remove(customer=customers[8], tariff=tariff)

    emit_rate, emit_samples = timed(m, toggle)
    start = time.perf_counter()
    counts = events.deliver_due(limit=10 * m)
    deliver_rate = counts["delivered"] / (time.perf_counter() - start)

    print(f"database: {url.split('@')[-1]}")
    print(f"baseline plain INSERT:                 {base_rate:8.0f} rows/s   ({percentiles(base_samples)})")
    print(f"transaction_create, sequential:        {seq_rate:8.0f} rows/s   ({percentiles(seq_samples)})"
          f"  = {seq_rate / base_rate:.2f}× baseline")
    print(f"transaction_create, 8 threads/8 custs: {par_rate:8.0f} rows/s")
    print(f"transaction_create, 8 threads/1 cust:  {hot_rate:8.0f} rows/s   (balance exact: yes)")
    print(f"tariff assign+remove with 2 events:    {emit_rate:8.0f} pairs/s  ({percentiles(emit_samples)})")
    print(f"event delivery (claim, call, mark):    {deliver_rate:8.0f} deliveries/s ({counts['delivered']} delivered)")


if __name__ == "__main__":
    main()
