"""operator_export + operator_import of one large operator between two PostgreSQL databases.

Builds, in the source database (`tvmw_bench_src`, emptied first), an operator with `--customers`
customers, as many accounts, 1.5 devices and 5 ledger rows per customer (a consistent ledger: each
customer's balance is the sum of its rows, each row's balance_before/after chained), one tariff
subscription per customer, and a small line-up. Then, each in its own process as an operator would
run them (`manage.py ... --no-progress`):

1. `operator_export` from the source;
2. `operator_import` into the target database (`tvmw_bench_dst`, emptied and migrated first);
3. `operator_import` of the same archive again (the idempotent run: nothing is written).

Reports seconds, rows per second and the peak resident memory of each process, and the archive
size. The issue's figures: 100,000 customers (850,000 rows) ≤ 2 minutes each way.

    python benchmarks/operator_transfer.py [--customers 2000]
        [--src postgres://postgres@127.0.0.1:5432/tvmw_bench_src]
        [--dst postgres://postgres@127.0.0.1:5432/tvmw_bench_dst]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from _setup import ROOT, fresh_database, setup

CHUNK = 5000
AMOUNTS = [Decimal("300.00"), Decimal("-10.00"), Decimal("-10.00"), Decimal("25.50"), Decimal("-10.00")]


def build(customers: int) -> int:
    """The source operator; returns its id."""
    from django.utils import timezone

    from billing.models import CustomerTransaction, TransactionSource
    from tvmiddleware.models import (
        Account, AccountDevice, Channel, Client, Customer, DeviceType, StreamService, Tariff, TariffSubscription,
    )
    from tvmiddleware.services.accounts import hash_account_password

    now = timezone.now()
    client = Client.objects.create(name=f"Bench operator {customers}")
    service = StreamService.objects.create(client=client, name="Main")
    tariff = Tariff.objects.create(client=client, name="Base", price=Decimal("10.00"), period=30,
                                   basic_tariff_priority=1)
    tariff.stream_services.add(service)
    channels = Channel.objects.bulk_create([Channel(client=client, name=f"Channel {n}")
                                            for n in range(100)])
    tariff.channels.add(*channels)
    device_types = list(DeviceType.objects.order_by("pk")[:3])
    password = hash_account_password("1234")
    balance = sum(AMOUNTS)
    for start in range(0, customers, CHUNK):
        size = min(CHUNK, customers - start)
        rows = Customer.objects.bulk_create(
            [Customer(client=client, firstname=f"Bench {start + k}", balance=balance) for k in range(size)])
        accounts = Account.objects.bulk_create(
            [Account(client=client, customer=c, abonement=str(10_000_000 + start + k), password=password)
             for k, c in enumerate(rows)])
        devices = []
        for k, account in enumerate(accounts):
            number = start + k
            for d in range(2 if number % 2 else 1):
                devices.append(AccountDevice(client=client, account=account, device_type=device_types[d],
                                             device_uid=f"uid-{number}-{d}"))
        AccountDevice.objects.bulk_create(devices)
        ledger = []
        for c in rows:
            before = Decimal("0.00")
            for n, amount in enumerate(AMOUNTS):
                ledger.append(CustomerTransaction(
                    client=client, customer=c, customer_ref=c.pk, amount=amount, source=TransactionSource.API,
                    ext_id=f"seed-{c.pk}-{n}" if amount > 0 else "", balance_before=before,
                    balance_after=before + amount))
                before += amount
        CustomerTransaction.objects.bulk_create(ledger, batch_size=CHUNK)
        TariffSubscription.objects.bulk_create(
            [TariffSubscription(client=client, customer=c, tariff=tariff, is_basic=True,
                                start_date=now - timedelta(days=10), end_date=now + timedelta(days=20))
             for c in rows])
    return client.pk


def run(args: list[str], url: str) -> tuple[float, float, str]:
    """A manage.py command in its own process: seconds, peak RSS in MiB, its output."""
    # DEBUG off as in production (settings.local turns it on, and Django then keeps the last 9,000 queries).
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "settings.local", "LOG_LEVEL": "WARNING",
           "DEBUG": "0"}
    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT, text=True)
        # The child's own high-water mark (getrusage would report this bigger parent's: a fork inherits it).
        peak_kib = 0
        while process.poll() is None:
            peak_kib = max(peak_kib, _vm_hwm(process.pid))
            time.sleep(0.05)
        seconds = time.monotonic() - started
        log.seek(0)
        output = log.read()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{output}")
    return seconds, peak_kib / 1024, output


def _vm_hwm(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--src", default="postgres://postgres@127.0.0.1:5432/tvmw_bench_src")
    parser.add_argument("--dst", default="postgres://postgres@127.0.0.1:5432/tvmw_bench_dst")
    options = parser.parse_args()
    for url in (options.src, options.dst):
        if url.rstrip("/").endswith("/tvmw_test"):
            raise SystemExit("tvmw_test is the test suite's database: name another one")
    fresh_database(options.src)
    fresh_database(options.dst)
    setup(options.src)
    started = time.monotonic()
    client_id = build(options.customers)
    print(f"source built: {options.customers} customers in {time.monotonic() - started:.1f} s")
    migrate_seconds, _, _ = run(["migrate", "--verbosity", "0"], options.dst)
    print(f"target migrated in {migrate_seconds:.1f} s")
    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / "operator.tvmw.gz"
        seconds, rss, output = run(["operator_export", "--client", str(client_id), "--out", str(archive), "--no-progress"], options.src)
        rows = int(output.rsplit(" rows=", 1)[1].split()[0])
        print("  " + output.strip().splitlines()[-1])
        print(f"export: {seconds:.1f} s, {rows / seconds:,.0f} rows/s, peak RSS {rss:.0f} MiB, "
              f"{rows:,} rows, archive {archive.stat().st_size / 2**20:.1f} MiB")
        seconds, rss, output = run(["operator_import", str(archive), "--no-progress"], options.dst)
        print(f"import: {seconds:.1f} s, {rows / seconds:,.0f} rows/s, peak RSS {rss:.0f} MiB")
        print("  " + output.strip().splitlines()[-1])
        seconds, rss, output = run(["operator_import", str(archive), "--no-progress"], options.dst)
        print(f"import again (nothing to change): {seconds:.1f} s, {rows / seconds:,.0f} rows/s, peak RSS {rss:.0f} MiB")
        print("  " + output.strip().splitlines()[-1])
    print("(seconds are the whole process, Django start-up included; 2 cores shared with other work; one run each)")


if __name__ == "__main__":
    main()
