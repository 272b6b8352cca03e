"""Token check throughput under load, against a trivial endpoint of the same server in the same run.

Starts gunicorn (gthread workers) with production settings on PostgreSQL + Redis, creates an
operator with one subscriber, tariff, channel and stream service, issues a batch of tokens, then
drives N concurrent keep-alive connections at
  (a) the liveness ping `/streaming/api/ping/` (no database, no cache: the ceiling of the stack), and
  (b) the token check at the stream service's own URL `/tvmiddleware/api/streamservice/<check_key>/token/check/`,
      Flussonic-style (the shared URL without a key answers only in single-operator installations),
and prints requests/s, p50/p99 latency, the ratio (goal ≥ 0.70) and the SQL queries of a warm check
measured in-process (goal 0). Uses `wrk` when installed, else a threaded http.client load generator.

    python benchmarks/token_check.py [--seconds 15] [--connections 32] [--workers 4] [--threads 8]
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass

BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "settings.production",
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3"),
    "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY", "bench-" + secrets.token_hex(24)),
    "ALLOWED_HOSTS": "127.0.0.1",
    "LOG_LEVEL": "WARNING",
    "CACHE_KEY_PREFIX": "tvmw-bench",
}
os.environ.update(BENCH_ENV)  # before Django is configured by _setup

from _setup import PING_PATH, free_port, start_gunicorn as _start_gunicorn, stop_gunicorn, setup  # noqa: E402

CHECK_PATH = "/tvmiddleware/api/streamservice/{check_key}/token/check/"


@dataclass
class Result:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    seconds: float


# --- fixtures --------------------------------------------------------------------------------------

def create_world(run: str):
    """An operator with one subscriber who may watch one channel through one live server."""
    from tvmiddleware import services
    from tvmiddleware.models import Channel, Client, StreamService, Tariff

    client = Client.objects.create(name=f"bench-token-{run}")
    customer = services.customer_create(client=client, firstname=f"bench {run}")
    account, _ = services.account_create(client=client, customer=customer)
    channel = Channel.objects.create(client=client, name="Bench", url_prefix=f"bench{run}")
    tariff = Tariff.objects.create(client=client, name=f"Bench {run}", basic_tariff_priority=1, sessions_count=2)
    tariff.channels.add(channel)
    services.tariff_assign(customer=customer, tariff=tariff)
    StreamService.objects.create(client=client, name="bench", type="live",
                                 url_mask="http://127.0.0.1/$prefix/index.m3u8?token=$token")
    return account, channel


def issue_paths(account, channel, count: int) -> list[str]:
    """Token check requests as Flussonic sends them, one fresh token each, at the service's check URL."""
    from tvmiddleware.streaming.stream_urls import stream_url

    paths = []
    for i in range(count):
        url, service = stream_url(account=account, kind="live", channel=channel)
        token = url.split("token=")[1]
        paths.append(f"{CHECK_PATH.format(check_key=service.check_key)}?name={channel.url_prefix}&proto=hls&ip=10.0.{i // 250}.{i % 250}"
                     f"&token={token}&request_type=update_session&request_number={i}"
                     f"&session_id=bench-{i}&stream_clients=1&total_clients={count}")
    return paths


def queries_per_warm_check(path: str) -> float:
    """SQL queries of one token check once its account is cached (in this process)."""
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from django.urls import resolve

    match = resolve(path.split("?")[0])  # the service's check URL carries its key
    factory = RequestFactory()
    assert match.func(factory.get(path), **match.kwargs).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        for _ in range(100):
            assert match.func(factory.get(path), **match.kwargs).status_code == 200
    return len(queries) / 100


# --- server ----------------------------------------------------------------------------------------

def start_gunicorn(port: int, workers: int, threads: int) -> subprocess.Popen:
    return _start_gunicorn(port, workers, threads, env=BENCH_ENV)


stop = stop_gunicorn  # the name other benchmarks import


# --- load generators -------------------------------------------------------------------------------

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS_MS[unit]


def run_wrk(name: str, port: int, paths: list[str], seconds: int, connections: int) -> Result:
    lua = "local paths = {" + ",".join(f'"{p}"' for p in paths) + "}\n" + (
        "local i = 0\n"
        "request = function()\n"
        "  i = i + 1\n"
        "  return wrk.format('GET', paths[(i % #paths) + 1])\n"
        "end\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        out = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name,
             f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return Result(
        name=name, rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50_ms=_ms(re.search(r"\s50%\s+(\S+)", out).group(1)), p99_ms=_ms(re.search(r"\s99%\s+(\S+)", out).group(1)),
        requests=int(re.search(r"(\d+) requests in", out).group(1)), non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        seconds=_ms(re.search(r"requests in ([\d.]+(?:us|ms|s|m))", out).group(1)) / 1000,
    )


def run_python(name: str, port: int, paths: list[str], seconds: int, connections: int) -> Result:
    """Fallback: one keep-alive http.client connection per thread (limited by the GIL)."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    failures = [0] * connections
    deadline = time.monotonic() + seconds

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        i = n
        while time.monotonic() < deadline:
            t0 = time.perf_counter()
            conn.request("GET", paths[i % len(paths)])
            response = conn.getresponse()
            response.read()
            latencies[n].append((time.perf_counter() - t0) * 1000)
            failures[n] += response.status != 200
            i += connections

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    samples = sorted(x for per in latencies for x in per)
    return Result(name=name, rps=len(samples) / elapsed, p50_ms=statistics.median(samples),
                  p99_ms=samples[int(len(samples) * 0.99)], requests=len(samples), non_2xx=sum(failures),
                  seconds=elapsed)


def combine(name: str, results: list[Result]) -> Result:
    """Requests/s over all rounds; the median round's p50 and the worst round's p99."""
    seconds = sum(r.seconds for r in results)
    return Result(name=name, rps=sum(r.requests for r in results) / seconds,
                  p50_ms=statistics.median(r.p50_ms for r in results), p99_ms=max(r.p99_ms for r in results),
                  requests=sum(r.requests for r in results), non_2xx=sum(r.non_2xx for r in results), seconds=seconds)


# --- main ------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15, help="per endpoint, split over the rounds")
    parser.add_argument("--rounds", type=int, default=3, help="alternate the endpoints this many times")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=1000)
    parser.add_argument("--load", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator; auto = wrk when installed")
    args = parser.parse_args()
    setup()

    run = str(int(time.time()))
    account, channel = create_world(run)
    paths = issue_paths(account, channel, args.tokens)
    queries = queries_per_warm_check(paths[0])
    use_wrk = args.load == "wrk" or (args.load == "auto" and shutil.which("wrk"))
    load = run_wrk if use_wrk else run_python
    port = free_port()
    server = start_gunicorn(port, args.workers, args.threads)
    try:
        load("warm-up", port, paths, 3, args.connections)
        load("warm-up", port, [PING_PATH], 2, args.connections)
        per_round = max(1, args.seconds // args.rounds)
        rounds: dict[str, list[Result]] = {"ping (trivial)": [], "token check": []}
        for _ in range(args.rounds):  # alternating spreads drift of a shared machine over both
            rounds["ping (trivial)"].append(load("ping (trivial)", port, [PING_PATH], per_round, args.connections))
            rounds["token check"].append(load("token check", port, paths, per_round, args.connections))
    finally:
        stop(server)
    ping, check = (combine(name, results) for name, results in rounds.items())

    print(f"\ntoken check vs trivial endpoint: gunicorn {args.workers} gthread workers x {args.threads} threads, "
          f"{args.connections} connections, {args.seconds} s each in {args.rounds} alternating rounds, "
          f"load by {load.__name__[4:]}, {os.cpu_count()} CPUs shared by server and load generator")
    print(f"{'':18}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'requests':>11}{'non-2xx':>9}")
    for result in (ping, check):
        print(f"{result.name:18}{result.rps:>10.0f}{result.p50_ms:>10.2f}{result.p99_ms:>10.2f}"
              f"{result.requests:>11}{result.non_2xx:>9}")
    ratio = check.rps / ping.rps
    print(f"ratio token check / ping: {ratio:.2f} (goal >= 0.70) {'OK' if ratio >= 0.70 else 'BELOW GOAL'}")
    print(f"SQL queries per warm token check: {queries:g} (goal 0) {'OK' if queries == 0 else 'ABOVE GOAL'}")
    if check.non_2xx:
        print(f"WARNING: {check.non_2xx} token checks were refused")


if __name__ == "__main__":
    main()
