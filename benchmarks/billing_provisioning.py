"""Bulk provisioning through the signed Billing API, next to the same server's trivial endpoint.

Starts gunicorn (gthread workers) with production settings on PostgreSQL + Redis, creates an
operator with a Billing API key and a tariff, then in the same run:
  (a) drives the liveness ping `/streaming/api/ping/` (no database: the ceiling of the stack) with
      wrk when installed, and with the same Python keep-alive client threads the provisioning uses;
  (b) provisions `--customers` customers with `manage.py mass_create_accounts --url ... --jobs N`:
      per customer `customer/create/`, `account/create/` and `customer/tariff/assign/`, each signed;
  (c) for reference, the same work in-process through the services (no HTTP), on a smaller count.
Prints accounts/s, the Billing API requests/s behind them, the ping rate, and checks that every
customer got its account and tariff. The operator's rows are removed at the end.

    python benchmarks/billing_provisioning.py [--customers 10000] [--jobs 16] [--workers 4] [--threads 8]
"""
from __future__ import annotations

import argparse
import io
import os
import secrets
import shutil
import time

import token_check  # noqa: F401  (sets the production environment before Django is configured)
from _setup import setup
from check_accounts import remove
from token_check import PING_PATH, combine, free_port, run_python, run_wrk, start_gunicorn, stop

REQUESTS_PER_ACCOUNT = 3


def provision(url: str, client_id: int, key: str, tariff_id: int, count: int, jobs: int) -> tuple[int, float]:
    """Run the bulk tool against the server; returns (accounts printed, seconds)."""
    from django.core.management import call_command

    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    call_command("mass_create_accounts", url=url, client=client_id, key=key, count=count, tariff=tariff_id,
                 jobs=jobs, stdout=out, stderr=err)
    return len(out.getvalue().splitlines()), time.perf_counter() - started


def provision_in_process(client, tariff, count: int) -> float:
    """The same rows through the services in this process (no HTTP, no signature): accounts/s."""
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("mass_create_accounts", client=client.pk, count=count, tariff=tariff.pk,
                 stdout=io.StringIO(), stderr=io.StringIO())
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=16, help="parallel client threads (keep-alive sessions)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--ping-seconds", type=int, default=10)
    parser.add_argument("--in-process", type=int, default=1000, help="rows for the in-process reference")
    args = parser.parse_args()
    setup()

    from tvmiddleware.models import Account, Client, Tariff, TariffSubscription

    key = secrets.token_hex(16)
    run = str(int(time.time()))
    operator = Client.objects.create(name=f"bench-provisioning-{run}", billing_api_key=key)
    tariff = Tariff.objects.create(client=operator, name="Base", ext_id=f"base-{run}", basic_tariff_priority=1)
    local = Client.objects.create(name=f"bench-provisioning-local-{run}")
    local_tariff = Tariff.objects.create(client=local, name="Base", basic_tariff_priority=1)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_gunicorn(port, args.workers, args.threads)
    try:
        provision(url, operator.pk, key, tariff.pk, 50, args.jobs)                       # warm-up
        run_python("warm-up", port, [PING_PATH], 2, args.jobs)
        pings = []
        for _ in range(2):  # before and after the provisioning: drift of a shared machine shows
            pings.append(run_python("ping (python client)", port, [PING_PATH], args.ping_seconds // 2, args.jobs))
            if len(pings) == 1:
                created, seconds = provision(url, operator.pk, key, tariff.pk, args.customers, args.jobs)
        ping_python = combine("ping (python client)", pings)
        ping_wrk = (run_wrk("ping (wrk)", port, [PING_PATH], args.ping_seconds, args.jobs)
                    if shutil.which("wrk") else None)
    finally:
        stop(server)
    accounts = Account.objects.for_client(operator).count() - 50
    with_tariff = TariffSubscription.objects.for_client(operator).filter(tariff=tariff, is_closed=False).count() - 50
    in_process = provision_in_process(local, local_tariff, args.in_process)
    remove(operator)
    remove(local)

    rate = created / seconds
    print(f"\nBilling API provisioning: gunicorn {args.workers} gthread workers x {args.threads} threads, "
          f"PostgreSQL + Redis, {args.jobs} client threads with keep-alive, {os.cpu_count()} CPUs shared by "
          f"server and client")
    print(f"{'measure':58}{'figure':>14}")
    print(f"{'customers + account + tariff via the Billing API':58}{rate:>10.0f} /s   "
          f"({created:,} in {seconds:.1f} s)")
    print(f"{'  = signed Billing API requests':58}{rate * REQUESTS_PER_ACCOUNT:>10.0f} /s")
    print(f"{'trivial endpoint, same client threads (python)':58}{ping_python.rps:>10.0f} /s   "
          f"(p50 {ping_python.p50_ms:.1f} ms)")
    if ping_wrk:
        print(f"{'trivial endpoint, wrk':58}{ping_wrk.rps:>10.0f} /s   (p50 {ping_wrk.p50_ms:.1f} ms)")
    print(f"{'ratio Billing API requests / trivial requests (python)':58}"
          f"{rate * REQUESTS_PER_ACCOUNT / ping_python.rps:>12.2f}")
    print(f"{'in-process through the services (no HTTP), reference':58}{in_process:>10.0f} /s")
    ok = accounts == created == args.customers and with_tariff == args.customers
    print(f"check: {accounts:,} accounts and {with_tariff:,} open subscriptions for {args.customers:,} customers "
          f"— {'OK' if ok else 'MISMATCH'}")


if __name__ == "__main__":
    main()
