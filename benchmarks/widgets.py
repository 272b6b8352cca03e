"""The website widgets: the embed script's size, and the channel list and TV guide pages by line-up size.

Builds operators with 10, 100 and 1,000 channels (each with its EPG channel and `--hours` hourly
programmes around now, every channel in one periodic tariff shown on the site), then fetches
`/widgets/api/show/<id>` in-process through django.test.Client, as the iframe does:
- SQL queries of one request (must be the same for every line-up size) and p50/p99 time over
  `--requests` (the guide warm: its rows come from the process's guide cache);
- the page's size, plain and gzipped (the guide shows one page of channels: `channels_per_page`);
- and the embed script's size (`/widgets/api/get/<id>`), plain and gzipped.
The operators are removed at the end.

    python benchmarks/widgets.py [--requests 30] [--hours 48]
    BENCH_DATABASE_URL=sqlite:////tmp/bench.sqlite3 python benchmarks/widgets.py   # without PostgreSQL
"""
from __future__ import annotations

import argparse
import gzip
import time
from datetime import timedelta

from _setup import percentiles, setup

SIZES = (10, 100, 1000)


def build(size: int, hours: int, run: str):
    from django.utils import timezone

    from tvmiddleware.models import Channel, Client, EpgChannel, EpgProgram, Tariff
    from widgets.services import widget_create

    client = Client.objects.create(name=f"bench-widgets-{size}-{run}")
    epg_channels = EpgChannel.objects.bulk_create(
        [EpgChannel(client=client, ext_id=f"epg{i}", name=f"EPG {i}") for i in range(size)])
    channels = Channel.objects.bulk_create([
        Channel(client=client, name=f"Channel {i}", url_prefix=f"ch{i}", sort=i, epg_channel=epg_channels[i],
                max_archive_duration=72 if i % 3 else 0, icon=f"channel_icons/ch{i}.png") for i in range(size)])
    tariff = Tariff.objects.create(client=client, name="All", basic_tariff_priority=1)
    tariff.channels.add(*channels)
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours // 2)
    EpgProgram.objects.bulk_create(
        (EpgProgram(client=client, epg_channel=e, name=f"Programme {e.pk}/{h}",
                    begin_time=start + timedelta(hours=h), end_time=start + timedelta(hours=h + 1))
         for e in epg_channels for h in range(hours)), batch_size=2000)
    lists = widget_create(client=client, name="Channels", type="channel_list", allowed_hostnames="site.example")
    guide = widget_create(client=client, name="Guide", type="tv_guide", allowed_hostnames="site.example")
    return client, lists, guide


def measure(http, url: str, requests: int) -> dict:
    from django.db import connection

    http.get(url)  # warm: plans, the guide cache
    queries: list[str] = []

    def record(execute, sql, *rest):
        queries.append(sql)
        return execute(sql, *rest)

    with connection.execute_wrapper(record):
        response = http.get(url)
    assert response.status_code == 200, response.status_code
    times = []
    for _ in range(requests):
        began = time.perf_counter()
        http.get(url)
        times.append((time.perf_counter() - began) * 1000)
    return {"queries": len(queries), "time": percentiles(times), "bytes": len(response.content),
            "gzip": len(gzip.compress(response.content))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--hours", type=int, default=48)
    args = parser.parse_args()
    setup()
    from django.test import Client as Http
    from django.urls import reverse

    http = Http(HTTP_HOST="127.0.0.1")
    run = str(int(time.time()))
    made = []
    try:
        print("| channels | widget | queries | time | page | gzipped |")
        print("|---|---|---|---|---|---|")
        for size in SIZES:
            client, lists, guide = build(size, args.hours, run)
            made.append(client)
            for widget in (lists, guide):
                figures = measure(http, reverse("widgets:show", args=[widget.public_id]), args.requests)
                print(f"| {size} | {widget.type} | {figures['queries']} | {figures['time']} "
                      f"| {figures['bytes'] / 1024:.1f} KB | {figures['gzip'] / 1024:.1f} KB |")
        script = http.get(reverse("widgets:embed", args=[lists.public_id]), {"container_id": "widget-content"}).content
        print(f"\nembed script: {len(script)} bytes, {len(gzip.compress(script, 9))} bytes gzipped")
    finally:
        for client in made:
            client.delete()


if __name__ == "__main__":
    main()
