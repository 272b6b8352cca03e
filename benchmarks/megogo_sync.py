"""`megogo_sync_content` against the fake MEGOGO with a large catalogue.

The script starts the fake itself (tests/megogo/fakes.py, large-catalogue mode, its own process,
on 127.0.0.1) with every request — client API, billing, covers — delayed by `--delay` (20 ms),
configures an operator with a MEGOGO integration as Smarty's MEGOGO chapter describes
(docs/online-cinemas.md), and measures:

1. the first sync: every title fetched, every cover downloaded and thumbnailed;
2. an unchanged re-sync: nothing fetched, no cover downloaded (counted by the fake);
3. peak memory (RSS) of the syncing process above its level before the sync, for each catalogue
   size given (default 2,500 and 10,000 titles), each in a fresh process and database, to show it
   does not grow with the catalogue.

    python benchmarks/megogo_sync.py [--titles 2500 10000] [--delay 0.02]

Database: PostgreSQL `tvmw_megogo_bench` on 127.0.0.1 (recreated per size); `BENCH_DATABASE_URL`
overrides it (a `sqlite:///path` URL runs on SQLite). Covers go to a temporary MEDIA_ROOT.
"""
from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _setup import fresh_database

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tvmw_megogo_bench"


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class PeakRss:
    """Samples the process's resident memory every 20 ms."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mib())
            time.sleep(0.02)

    def __enter__(self) -> "PeakRss":
        self.peak = rss_mib()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mib())


def fake_stats(base: str) -> dict[str, int]:
    import requests

    return requests.get(f"{base}/_stats", timeout=10).json()["requests"]


def count(stats: dict[str, int], prefix: str) -> int:
    return sum(n for path, n in stats.items() if path.startswith(prefix))


def sync_once() -> tuple[float, str]:
    from django.core.management import call_command

    from megogo.models import SyncLease

    from megogo.sync import runner

    phases = {}
    original = runner.run_sync

    def keep_phases(*args, **kwargs):
        summary = original(*args, **kwargs)
        phases.update({k: round(v, 2) for k, v in summary.phases.items()})
        return summary

    runner.run_sync = keep_phases
    import megogo.services

    megogo.services.run_sync = keep_phases
    try:
        started = time.perf_counter()
        call_command("megogo_sync_content", stdout=io.StringIO(), stderr=io.StringIO())
        seconds = time.perf_counter() - started
    finally:
        megogo.services.run_sync = runner.run_sync = original
    return seconds, f"{SyncLease.objects.get().last_summary}; phases {json.dumps(phases)}"


def worker(titles: int, delay: float, url: str, trace: bool = False) -> dict:
    """One measurement in this (fresh) process: fake up, database fresh, two syncs."""
    sys.path.insert(0, str(ROOT))
    from tests.megogo.fakes import TVOD_COLLECTION_ID, serve_forever

    context = multiprocessing.get_context("spawn")
    queue, stop = context.Queue(), context.Event()
    fake = context.Process(target=serve_forever, args=(titles, delay, queue, stop), daemon=True)
    fake.start()
    base, attributes = queue.get(timeout=300)

    fresh_database(url)
    media = tempfile.mkdtemp(prefix="megogo-bench-media-")
    os.environ.update(DATABASE_URL=url, MEDIA_ROOT=media, DJANGO_SETTINGS_MODULE="settings.local", DEBUG="0",
                      LOG_LEVEL="WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    from tvmiddleware.models import Client, ExternalSystem, ExternalSystemAttribute, Tariff, Video

    client = Client.objects.create(name="MEGOGO bench")
    catalogue = Tariff.objects.create(client=client, name="MEGOGO catalogue", hidden=True, period=0)
    svod = Tariff.objects.create(client=client, name="MEGOGO", basic_tariff_priority=0)
    system = ExternalSystem.objects.create(client=client, name="MEGOGO", api_class="megogo_api_client",
                                           tariff=catalogue)
    attributes.update(tariff_id=str(svod.pk), available_tvod_collection_id=TVOD_COLLECTION_ID)
    ExternalSystemAttribute.objects.bulk_create([ExternalSystemAttribute(client=client, external_system=system,
                                                                         key=k, value=v)
                                                 for k, v in attributes.items()])
    result: dict = {"titles": titles, "delay_ms": delay * 1000, "database": connection.vendor}
    try:
        before = rss_mib()
        if trace:  # Python allocations (slows the run: for the memory figure only)
            import tracemalloc

            tracemalloc.start()
        with PeakRss() as peak:
            first_s, first_summary = sync_once()
        if trace:
            result["first_traced_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        stats = fake_stats(base)
        result.update(first_s=first_s, first_summary=first_summary, rss_before_mib=before,
                      first_peak_mib=peak.peak, first_peak_delta_mib=peak.peak - before,
                      first_info_calls=stats.get("/v1/video/info", 0), first_cover_downloads=count(stats, "/covers/"),
                      first_requests=sum(stats.values()))
        videos = Video.objects.filter(client=client)
        result.update(videos=videos.count(), available=videos.filter(available=True).count(),
                      with_cover=videos.exclude(cover="").count(), series=videos.filter(is_series=True).count())

        before2 = rss_mib()
        with PeakRss() as peak2:
            second_s, second_summary = sync_once()
        stats2 = fake_stats(base)
        result.update(second_s=second_s, second_summary=second_summary, second_peak_delta_mib=peak2.peak - before2,
                      second_info_calls=stats2.get("/v1/video/info", 0) - result["first_info_calls"],
                      second_cover_downloads=count(stats2, "/covers/") - result["first_cover_downloads"],
                      second_requests=sum(stats2.values()) - sum(stats.values()) - 1)  # minus the /_stats call
    finally:
        stop.set()
        fake.join(timeout=10)
        shutil.rmtree(media, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--titles", type=int, nargs="+", default=[2500, 10000])
    parser.add_argument("--delay", type=float, default=0.02)
    parser.add_argument("--tracemalloc", action="store_true",
                        help="Also report the peak of Python allocations during the first sync (slower).")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if args.worker:
        print(json.dumps(worker(args.titles[0], args.delay, url, args.tracemalloc)))
        return
    results = []
    for titles in args.titles:
        print(f"--- {titles} titles, {args.delay * 1000:.0f} ms per partner request ...", flush=True)
        command = [sys.executable, __file__, "--worker", "--titles", str(titles), "--delay", str(args.delay)]
        done = subprocess.run(command + (["--tracemalloc"] if args.tracemalloc else []), capture_output=True,
                              text=True, cwd=ROOT)
        if done.returncode != 0:
            print(done.stdout, done.stderr, file=sys.stderr)
            raise SystemExit(f"the run with {titles} titles failed")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        results.append(result)
        print(json.dumps(result, indent=2), flush=True)
    print("\n| titles | first sync | requests | covers | peak RSS above start | unchanged re-sync | "
          "video/info, covers in re-sync | re-sync peak RSS above start |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['titles']:,} | {r['first_s']:.1f} s | {r['first_requests']:,} | {r['first_cover_downloads']:,} | "
              f"{r['first_peak_delta_mib']:.0f} MiB | {r['second_s']:.1f} s | {r['second_info_calls']}, "
              f"{r['second_cover_downloads']} | {r['second_peak_delta_mib']:.0f} MiB |")


if __name__ == "__main__":
    main()
