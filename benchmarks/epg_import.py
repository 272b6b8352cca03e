"""XMLTV import at operator scale: 1,000 channels × 7 days (≈ 250,000 programmes, ~150 MB).

Goal: the first import in ≤ 60 s, memory flat in the file's size (streaming parse, programmes spooled
to disk), and a re-import of the unchanged file (gzipped this time) writing no guide row.

    python benchmarks/epg_import.py [--channels 250 1000] [--days 7] [--minutes 40]

For each size a feed is generated (var/bench_epg/, reused when present: plain and gzipped), then a
fresh worker process on a fresh PostgreSQL database (`tvmw_epg_bench`, or `BENCH_EPG_DATABASE_URL`)
imports the plain file, then the gzipped copy of the same guide. Printed per size: file sizes,
programmes, the first import's time and peak RSS above the worker's start, the re-import's time,
INSERT/UPDATE/DELETE statements on guide tables (goal 0) and peak RSS.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import ROOT, fresh_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tvmw_epg_bench"
FEEDS = ROOT / "var" / "bench_epg"
WORDS = ("news", "film", "series", "match", "concert", "report", "story", "evening", "morning", "live", "talk",
         "show", "documentary", "nature", "history", "city", "journey", "kitchen", "science", "music")


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(path: Path, channels: int, days: int, minutes: int) -> int:
    """A realistic XMLTV feed: programmes of `minutes` ± 50 %, with description, genres, credits,
    rating and a cover, ~600 bytes each. Returns the number of programmes."""
    rng = random.Random(channels * 1000 + days)
    start = datetime(2026, 12, 7, tzinfo=timezone.utc)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tv SYSTEM "xmltv.dtd">\n'
                  '<tv generator-info-name="bench">\n')
        for number in range(channels):
            out.write(f'<channel id="ch{number}.bench"><display-name>Channel {number}</display-name>'
                      f'<display-name lang="en">Bench {number}</display-name></channel>\n')
        for number in range(channels):
            moment = start
            end_of_guide = start + timedelta(days=days)
            while moment < end_of_guide:
                length = timedelta(minutes=rng.randint(minutes // 2, minutes * 3 // 2))
                title = " ".join(rng.choice(WORDS) for _ in range(3)).capitalize()
                desc = " ".join(rng.choice(WORDS) for _ in range(55))
                out.write(
                    f'<programme start="{moment:%Y%m%d%H%M%S} +0000" stop="{moment + length:%Y%m%d%H%M%S} +0000" '
                    f'channel="ch{number}.bench"><title lang="ru">{title}</title><desc>{desc}</desc>'
                    f'<category>{rng.choice(WORDS)}</category><date>20{rng.randint(10, 26)}</date>'
                    f'<icon src="https://img.bench/{number}/{count}.jpg"/><credits><actor>A. {rng.choice(WORDS)}'
                    f'</actor><director>D. {rng.choice(WORDS)}</director></credits>'
                    f'<rating system="RU"><value>{rng.choice((0, 6, 12, 16, 18))}+</value></rating></programme>\n')
                moment += length
                count += 1
        out.write("</tv>\n")
    return count


def feed_files(channels: int, days: int, minutes: int) -> tuple[Path, Path, int]:
    FEEDS.mkdir(parents=True, exist_ok=True)
    plain = FEEDS / f"guide-{channels}x{days}-{minutes}.xml"
    packed = plain.with_suffix(".xml.gz")
    meta = plain.with_suffix(".json")
    if not (plain.exists() and packed.exists() and meta.exists()):
        count = generate(plain, channels, days, minutes)
        with plain.open("rb") as source, gzip.open(packed, "wb", compresslevel=6) as target:
            shutil.copyfileobj(source, target, 1 << 20)
        meta.write_text(json.dumps({"programmes": count}))
    return plain, packed, json.loads(meta.read_text())["programmes"]


def worker(url: str, plain: Path, packed: Path) -> dict:
    """One fresh process: migrate, import the plain file, re-import the gzipped copy."""
    from _setup import setup

    setup(url)
    from django.db import connection

    from tvmiddleware.models import Client, EpgProgram, EpgSource
    from tvmiddleware.services.epg import epg_import_xmltv

    client = Client.objects.create(name="EPG bench", api_key="k")
    source = EpgSource.objects.create(client=client, name="Bench feed")
    result: dict = {"rss_start_mib": rss_mib()}
    started = time.monotonic()
    first = epg_import_xmltv(source=source, data=plain)
    result.update(first_s=time.monotonic() - started, first=first, first_peak_mib=rss_mib(),
                  rows=EpgProgram.objects.filter(client=client).count())
    writes: list[str] = []

    def record(execute, sql, params, many, context):
        lowered = sql.lower()
        if lowered.lstrip().startswith(("insert", "update", "delete")) and (
                "epgprogram" in lowered or "epgchannel" in lowered):
            writes.append(sql[:80])
        return execute(sql, params, many, context)

    started = time.monotonic()
    with connection.execute_wrapper(record):
        second = epg_import_xmltv(source=source, data=packed)
    result.update(second_s=time.monotonic() - started, second=second, second_writes=len(writes),
                  second_peak_mib=rss_mib())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--channels", type=int, nargs="+", default=[250, 1000])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--minutes", type=int, default=40, help="mean programme length")
    parser.add_argument("--worker", nargs=3, metavar=("URL", "PLAIN", "PACKED"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        url, plain, packed = args.worker
        print(json.dumps(worker(url, Path(plain), Path(packed))))
        return
    url = os.environ.get("BENCH_EPG_DATABASE_URL", DEFAULT_URL)
    rows = []
    for channels in args.channels:
        plain, packed, count = feed_files(channels, args.days, args.minutes)
        fresh_database(url)
        print(f"--- {channels} channels x {args.days} days: {count:,} programmes, "
              f"{plain.stat().st_size / 2**20:.0f} MiB ({packed.stat().st_size / 2**20:.0f} MiB gzipped)", flush=True)
        output = subprocess.run([sys.executable, __file__, "--worker", url, str(plain), str(packed)],
                                check=True, capture_output=True, text=True, env={**os.environ, "LOG_LEVEL": "WARNING", "DEBUG": "0"})
        result = json.loads(output.stdout.strip().splitlines()[-1])
        print(json.dumps(result, indent=1), flush=True)
        rows.append((channels, count, plain, packed, result))
    print("\n| channels | programmes | file (gzipped) | first import | peak RSS above start | unchanged re-import "
          "(gzipped) | guide writes in re-import | re-import peak RSS above start |")
    print("|---|---|---|---|---|---|---|---|")
    for channels, count, plain, packed, r in rows:
        print(f"| {channels:,} | {count:,} | {plain.stat().st_size / 2**20:.0f} MiB "
              f"({packed.stat().st_size / 2**20:.0f} MiB) | {r['first_s']:.1f} s | "
              f"{r['first_peak_mib'] - r['rss_start_mib']:.0f} MiB | {r['second_s']:.1f} s | {r['second_writes']} | "
              f"{r['second_peak_mib'] - r['rss_start_mib']:.0f} MiB |")


if __name__ == "__main__":
    main()
