"""How many Payture notifications per second the middleware confirms (PayStatus) and credits.

Starts the fake Payture in its own process (every answer delayed `--delay` ms, like a real gateway
across the internet) and gunicorn (gthread workers) with production settings on PostgreSQL + Redis.
Creates an operator with a Payture merchant pointing at the fake and `--orders` payments, each
started through `payment_start` (Init at the fake) and paid on the fake's page with its own
notification switched off. Then, with `--connections` concurrent keep-alive connections, measures:
  (a) the trivial endpoint `/streaming/api/ping/` of the same server (the stack's ceiling);
  (b) PayStatus alone, called on the fake from this process (the partner's own ceiling);
  (c) first notifications: every order once — the server looks the order up, asks PayStatus,
      locks the payment, writes the ledger row and the balance (the throughput asked about);
  (d) replayed notifications of the same orders (already credited: no PayStatus, no write);
and prints requests/s, p50/p95/p99, SQL queries per notification (measured in-process), and checks
that every order was credited exactly once.

    python benchmarks/payments_notify.py [--orders 2000] [--connections 16] [--delay 20] [--workers 4 --threads 8]
"""
from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import queue
import secrets
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode, urlsplit

BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "settings.production",
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5"),
    "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY", "bench-" + secrets.token_hex(24)),
    "ALLOWED_HOSTS": "127.0.0.1",
    "LOG_LEVEL": "WARNING",
    "CACHE_KEY_PREFIX": "tvmw-bench-pay",
}
os.environ.update(BENCH_ENV)  # before Django is configured by _setup
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tvmw_bench_payments")

from _setup import PING_PATH, free_port, start_gunicorn as _start_gunicorn, stop_gunicorn, ROOT, setup  # noqa: E402

NOTIFY_PATH = "/billing/payment/payture/validate_notify/"


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    latencies: list[float]
    failures: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


# --- processes ---------------------------------------------------------------------------------------

def start_fake(delay_ms: float):
    sys.path.insert(0, str(ROOT))
    from tests.payments.fakes import serve_forever

    ctx = multiprocessing.get_context("spawn")
    ports, stop_event = ctx.Queue(), ctx.Event()
    process = ctx.Process(target=serve_forever, args=(delay_ms / 1000, "", ports, stop_event), daemon=True)
    process.start()
    return process, stop_event, ports.get(timeout=30)


def start_gunicorn(port: int, workers: int, threads: int) -> subprocess.Popen:
    return _start_gunicorn(port, workers, threads, env=BENCH_ENV)


# --- fixtures ----------------------------------------------------------------------------------------

def create_payments(host: str, orders: int, parallel: int):
    """An operator, a Payture merchant at the fake, `orders` payments paid at the fake (not notified)."""
    from payments import services
    from payments.models import Merchant
    from tests.payments.fakes import ADD_KEY, PASSWORD, PAY_KEY, SUCCESS_CARD
    from tvmiddleware import services as core
    from tvmiddleware.models import Client

    import requests
    from django.db import connection

    run = str(int(time.time()))
    client = Client.objects.create(name=f"bench-pay-{run}")
    merchant = Merchant.objects.create(client=client, merchant_type="payture", name="Payture", is_default=True,
                                       api_host=host, pay_key=PAY_KEY, add_key=ADD_KEY, password=PASSWORD)
    customers = [core.customer_create(client=client, firstname=f"bench {run} {i}") for i in range(50)]

    def one(i: int) -> str:
        try:
            started = services.payment_start(client=client, customer=customers[i % len(customers)],
                                             amount=Decimal("10.00"), ip="10.0.0.1", source="bench")
            response = requests.post(started.redirect_url, data={"Card": SUCCESS_CARD}, timeout=30)
            assert response.status_code == 200
            return started.payment.order_id
        finally:
            connection.close()

    with ThreadPoolExecutor(parallel) as pool:
        order_ids = list(pool.map(one, range(orders)))
    return client, merchant, customers, order_ids


def notification(order_id: str) -> bytes:
    return urlencode({"Notification": "EngineChargeSuccess", "OrderId": order_id, "Success": "True",
                      "Amount": "1000", "ErrCode": "NONE", "MerchantContract": "MerchantPay"}).encode()


# --- load --------------------------------------------------------------------------------------------

def drive(name: str, host: str, port: int, requests_: list[tuple[str, str, bytes | None]], connections: int,
          headers: dict[str, str] | None = None) -> Result:
    """Send every request once over `connections` keep-alive connections; record latencies."""
    work: queue.Queue = queue.Queue()
    for item in requests_:
        work.put(item)
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=60)
        mine = []
        bad = 0
        while True:
            try:
                method, path, body = work.get_nowait()
            except queue.Empty:
                break
            t0 = time.perf_counter()
            conn.request(method, path, body=body, headers={**(headers or {}), **(
                {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {})})
            response = response_ = conn.getresponse()
            response_.read()
            mine.append((time.perf_counter() - t0) * 1000)
            bad += response.status != 200
        conn.close()
        with lock:
            latencies.extend(mine)
            failures[0] += bad

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(name, len(latencies), time.perf_counter() - start, latencies, failures[0])


def queries_per_notification(host: str, client, customers) -> tuple[float, float]:
    """SQL queries of a first notification (confirm and credit) and of a replay, in this process."""
    from django.db import connection
    from django.test import Client as HttpClient
    from django.test.utils import CaptureQueriesContext

    import requests
    from payments import services
    from tests.payments.fakes import SUCCESS_CARD

    started = services.payment_start(client=client, customer=customers[0], amount=Decimal("10.00"), ip="10.0.0.1")
    requests.post(started.redirect_url, data={"Card": SUCCESS_CARD}, timeout=30)
    http = HttpClient(HTTP_HOST="127.0.0.1")
    form = {"OrderId": started.payment.order_id, "Notification": "EngineChargeSuccess", "Success": "True"}
    with CaptureQueriesContext(connection) as first:
        assert http.post(NOTIFY_PATH, form).status_code == 200
    with CaptureQueriesContext(connection) as replay:
        assert http.post(NOTIFY_PATH, form).status_code == 200
    return len(first), len(replay)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--delay", type=float, default=20.0, help="ms the fake Payture waits before each answer")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    setup(os.environ["BENCH_DATABASE_URL"])

    fake, fake_stop, fake_host = start_fake(args.delay)
    port = free_port()
    server = None
    try:
        t0 = time.perf_counter()
        client, merchant, customers, order_ids = create_payments(fake_host, args.orders, args.connections)
        setup_s = time.perf_counter() - t0
        first_q, replay_q = queries_per_notification(fake_host, client, customers)
        server = start_gunicorn(port, args.workers, args.threads)
        fake_parts = urlsplit(fake_host)
        drive("warm-up", "127.0.0.1", port, [("GET", PING_PATH, None)] * 500, args.connections)
        ping = drive("ping (trivial)", "127.0.0.1", port, [("GET", PING_PATH, None)] * max(args.orders, 2000),
                     args.connections)
        paystatus_form = [("POST", "/apim/PayStatus", urlencode({"Key": merchant.pay_key, "OrderId": o}).encode())
                          for o in order_ids]
        paystatus = drive("PayStatus alone", fake_parts.hostname, fake_parts.port, paystatus_form, args.connections)
        first = drive("first notification", "127.0.0.1", port,
                      [("POST", NOTIFY_PATH, notification(o)) for o in order_ids], args.connections)
        replay = drive("replayed notification", "127.0.0.1", port,
                       [("POST", NOTIFY_PATH, notification(o)) for o in order_ids], args.connections)
    finally:
        if server is not None:
            stop_gunicorn(server)
        fake_stop.set()
        fake.join(10)

    from billing.models import CustomerTransaction, TransactionSource
    from payments.models import Payment, PaymentState

    credited = CustomerTransaction.objects.filter(client=client, source=TransactionSource.PAYMENT,
                                                  ext_id__in=order_ids).count()
    succeeded = Payment.objects.filter(order_id__in=order_ids, state=PaymentState.SUCCEEDED).count()
    balances = sum(c.balance for c in type(customers[0]).objects.filter(pk__in=[c.pk for c in customers]))

    print(f"\nPayture notifications: gunicorn {args.workers} gthread workers x {args.threads} threads, "
          f"{args.connections} connections, {args.orders} orders, fake Payture in its own process answering "
          f"after {args.delay:g} ms, PostgreSQL + Redis, {os.cpu_count()} CPUs shared by all")
    print(f"(setup: {args.orders} payments started with Init and paid on the fake's page in {setup_s:.1f} s)")
    print(f"{'':24}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'requests':>10}{'non-200':>9}")
    for r in (ping, paystatus, first, replay):
        print(f"{r.name:24}{r.rps:>9.0f}{statistics.median(r.latencies):>9.1f}{r.pct(0.95):>9.1f}{r.pct(0.99):>9.1f}"
              f"{r.requests:>10}{r.failures:>9}")
    print(f"first notifications confirmed and credited: {first.rps:.0f}/s "
          f"({first.rps / paystatus.rps:.2f}x PayStatus alone, {first.rps / ping.rps:.2f}x the trivial endpoint)")
    print(f"SQL queries per notification: first {first_q}, replay {replay_q}")
    ok = credited == succeeded == len(order_ids) and balances == Decimal("10.00") * (len(order_ids) + 1)
    print(f"orders credited exactly once: {credited} ledger rows for {len(order_ids)} orders, "
          f"{succeeded} succeeded, balances total {balances} -> {'OK' if ok else 'MISMATCH'}")


if __name__ == "__main__":
    main()
