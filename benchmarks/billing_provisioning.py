"""Bulk provisioning through the signed Billing API, next to the same server's trivial endpoint.

Starts gunicorn (gthread workers) with production settings on PostgreSQL + Redis, creates an
operator with a Billing API key and a tariff, then in the same run:
  (a) drives the liveness ping `/streaming/api/ping/` (no database: the ceiling of the stack) with
      wrk when installed, and with the same Python keep-alive client threads the provisioning uses;
  (b) provisions `--customers` customers with `manage.py mass_create_accounts --url ... --jobs N`:
      per customer `customer/create/`, `account/create/` and `customer/tariff/assign/`, each signed;
  (c) for reference, the server-side cost of each of the three methods, called in-process through
      Django's test client (signature, view, services; no network, no gunicorn), and of the account
      password hash alone (`ACCOUNT_PASSWORD_HASH_ITERATIONS` rounds of PBKDF2, by design the largest
      share of `account/create/`).
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


def server_cost(client, tariff, key: str, count: int) -> dict[str, float]:
    """Mean milliseconds per Billing API method, in-process (no network), and of the password hash."""
    from django.test import Client as HttpClient

    from common.signature import sign
    from tvmiddleware.services.accounts import hash_account_password

    http = HttpClient(HTTP_HOST="127.0.0.1")  # the benchmark's ALLOWED_HOSTS
    spent = {"customer/create/": 0.0, "account/create/": 0.0, "customer/tariff/assign/": 0.0}

    def call(method: str, **params) -> dict:
        started = time.perf_counter()
        answer = http.post(f"/billing/api/{method}", sign({"client_id": client.pk, **params}, key)).json()
        spent[method] += time.perf_counter() - started
        assert answer["error"] == 0, answer
        return answer

    for i in range(count):
        customer_id = call("customer/create/", comment=f"bench {i}")["id"]
        call("account/create/", customer_id=customer_id)
        call("customer/tariff/assign/", customer_id=customer_id, tariff_id=tariff.pk)
    started = time.perf_counter()
    for _ in range(50):
        hash_account_password("1234")
    costs = {method: seconds / count * 1000 for method, seconds in spent.items()}
    costs["password hash"] = (time.perf_counter() - started) / 50 * 1000
    return costs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=16, help="parallel client threads (keep-alive sessions)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--ping-seconds", type=int, default=10)
    parser.add_argument("--in-process", type=int, default=300, help="rows for the in-process cost breakdown")
    args = parser.parse_args()
    setup()

    from tvmiddleware.models import Account, Client, Tariff, TariffSubscription

    key = secrets.token_hex(16)
    run = str(int(time.time()))
    operator = Client.objects.create(name=f"bench-provisioning-{run}", billing_api_key=key)
    tariff = Tariff.objects.create(client=operator, name="Base", ext_id=f"base-{run}", basic_tariff_priority=1)
    local = Client.objects.create(name=f"bench-provisioning-local-{run}", billing_api_key=key)
    local_tariff = Tariff.objects.create(client=local, name="Base", basic_tariff_priority=1)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    try:
        server = start_gunicorn(port, args.workers, args.threads)
        try:
            provision(url, operator.pk, key, tariff.pk, 50, args.jobs)                       # warm-up
            run_python("warm-up", port, [PING_PATH], 2, args.jobs)
            pings = [run_python("ping (python client)", port, [PING_PATH], args.ping_seconds // 2, args.jobs)]
            created, seconds = provision(url, operator.pk, key, tariff.pk, args.customers, args.jobs)
            # Again after the provisioning: drift of a shared machine shows in both figures.
            pings.append(run_python("ping (python client)", port, [PING_PATH], args.ping_seconds // 2, args.jobs))
            ping_python = combine("ping (python client)", pings)
            ping_wrk = (run_wrk("ping (wrk)", port, [PING_PATH], args.ping_seconds, args.jobs)
                        if shutil.which("wrk") else None)
        finally:
            stop(server)
        accounts = Account.objects.for_client(operator).count() - 50
        with_tariff = (TariffSubscription.objects.for_client(operator).filter(tariff=tariff, is_closed=False)
                       .count() - 50)
        costs = server_cost(local, local_tariff, key, args.in_process)
    finally:
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
    per_account = sum(v for k, v in costs.items() if k != "password hash")
    print("server-side cost in-process (no network), ms per call: "
          + ", ".join(f"{k} {v:.1f}" for k, v in costs.items())
          + f"; {per_account:.1f} ms per account = at most {1000 / per_account:.0f} accounts/s per busy core")
    ok = accounts == created == args.customers and with_tariff == args.customers
    print(f"check: {accounts:,} accounts and {with_tariff:,} open subscriptions for {args.customers:,} customers "
          f"— {'OK' if ok else 'MISMATCH'}")


if __name__ == "__main__":
    main()
