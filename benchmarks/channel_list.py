"""channel/list at line-up scale on PostgreSQL: SQL queries per request and latency.

Builds three operators with 10, 100 and 1,000 channels (each channel with its own EPG channel and
a guide of `--hours` hourly programmes centred on now, a tenth of them with account flags, every
channel in the subscriber's tariff, two additional categories each), then calls channel/list
in-process through django.test.Client with the authkey parameter, as a set-top box does:
- full answer (200), compact=1, and a revalidation with If-None-Match (304);
- SQL queries of one request (must be the same for every line-up size), p50/p99 over `--requests`;
- and a guest's line-up, v2/noauth/channel/list (`client_id` + `api_key`, guest browsing on).
The operators are removed at the end.

    python benchmarks/channel_list.py [--requests 50] [--hours 48]
"""
from __future__ import annotations

import argparse
import os
import time
from datetime import timedelta

from _setup import percentiles, setup

SIZES = (10, 100, 1000)


def build(size: int, hours: int, run: str):
    from django.db import connection
    from django.utils import timezone

    from tvmiddleware import services
    from tvmiddleware.models import (
        AccountChannelSetting, Channel, ChannelCategory, Client, EpgChannel, EpgProgram, GuestBrowsing, Tariff,
    )
    from tvmiddleware.services.sessions import session_create

    client = Client.objects.create(name=f"bench-channels-{size}-{run}")
    customer = services.customer_create(client=client, firstname="Bench")
    account, _ = services.account_create(client=client, customer=customer, password="1111")
    categories = ChannelCategory.objects.bulk_create(
        [ChannelCategory(client=client, name=f"Category {i}", sort=i) for i in range(10)])
    epg_channels = EpgChannel.objects.bulk_create(
        [EpgChannel(client=client, ext_id=f"epg{i}", name=f"EPG {i}") for i in range(size)])
    channels = Channel.objects.bulk_create([
        Channel(client=client, name=f"Channel {i}", url_prefix=f"ch{i}", sort=i, category=categories[i % 10],
                epg_channel=epg_channels[i], max_archive_duration=72 if i % 3 else 0, lcn_number=i + 1,
                is_parent_control=i % 17 == 0, icon=f"channel_icons/ch{i}.png")
        for i in range(size)])
    through = Channel.additional_categories.through
    through.objects.bulk_create([through(channel_id=c.pk, channelcategory_id=categories[(i + k) % 10].pk)
                                 for i, c in enumerate(channels) for k in (1, 2)])
    tariff = Tariff.objects.create(client=client, name="All", basic_tariff_priority=1)
    tariff.channels.add(*channels)
    services.tariff_assign(customer=customer, tariff=tariff)
    GuestBrowsing.objects.create(client=client, enabled=True)  # guests see the tariff for sale
    AccountChannelSetting.objects.bulk_create([
        AccountChannelSetting(client=client, account=account, channel=c, is_favorited=True, sort=size - i)
        for i, c in enumerate(channels) if i % 10 == 0])
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours // 2)
    EpgProgram.objects.bulk_create(
        (EpgProgram(client=client, epg_channel=e, name=f"Programme {e.pk}/{h}", description="A programme. " * 20,
                    category="general", begin_time=start + timedelta(hours=h), end_time=start + timedelta(hours=h + 1),
                    meta={"genres": ["general"], "year": "2020"})
         for e in epg_channels for h in range(hours)),
        batch_size=5000)
    _, authkey = session_create(account=account, device=None, device_type=None)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # planner statistics, as autovacuum keeps them in production
            cursor.execute("ANALYZE tvmiddleware_epgprogram, tvmiddleware_channel, tvmiddleware_tariff_channels")
    return client, authkey


def measure(http, client, authkey: str, requests: int, path: str = "/tvmiddleware/api/channel/list/", **extra):
    from django.db import connection

    params = {"client_id": client.pk, "authkey": authkey, **extra.pop("params", {})}
    warm = http.get(path, params, **extra)  # session cache, connection
    queries: list[str] = []

    def record(execute, sql, *rest):
        queries.append(sql)
        return execute(sql, *rest)

    with connection.execute_wrapper(record):
        response = http.get(path, params, **extra)
    samples = []
    for _ in range(requests):
        t0 = time.perf_counter()
        http.get(path, params, **extra)
        samples.append((time.perf_counter() - t0) * 1000)
    return response, len(queries), samples, warm


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--hours", type=int, default=48, help="hours of guide per channel (hourly programmes)")
    args = parser.parse_args()
    os.environ.setdefault("DEBUG", "0")
    url = setup()

    from django.test import Client as HttpClient

    run = str(int(time.time()))
    http = HttpClient(HTTP_HOST="127.0.0.1")  # a host ALLOWED_HOSTS accepts outside tests
    lines = []
    built = []
    try:
        for size in SIZES:
            t0 = time.perf_counter()
            client, authkey = build(size, args.hours, run)
            built.append(client)
            build_s = time.perf_counter() - t0
            full, full_q, full_ms, first = measure(http, client, authkey, args.requests)
            body = full.json()
            assert body["error"] == 0 and len(body["channels"]) == size, body.get("error_message")
            assert sum(1 for c in body["channels"] if c["program_id"]) == size, "every channel has a programme on air"
            _, compact_q, compact_ms, _ = measure(http, client, authkey, args.requests, params={"compact": 1})
            cached, cached_q, cached_ms, _ = measure(http, client, authkey, args.requests,
                                                     HTTP_IF_NONE_MATCH=first["ETag"])
            assert cached.status_code == 304, cached.status_code
            guest, guest_q, guest_ms, _ = measure(http, client, authkey, args.requests,
                                                  "/tvmiddleware/api/v2/noauth/channel/list/",
                                                  params={"api_key": client.api_key})
            assert len(guest.json()["channels"]) == size, guest.content[:200]
            lines.append(
                f"{size:5d} channels ({size * args.hours:6d} programmes, built in {build_s:5.1f} s, "
                f"{len(full.content) / 1024:7.1f} KiB):\n"
                f"      full 200:     {full_q} queries, {percentiles(full_ms)}\n"
                f"      compact 200:  {compact_q} queries, {percentiles(compact_ms)}\n"
                f"      304 (ETag):   {cached_q} queries, {percentiles(cached_ms)}\n"
                f"      noauth/channel (v2/noauth/channel/list): {guest_q} queries, {percentiles(guest_ms)}")
    finally:
        from tvmiddleware.models import TariffSubscription

        for client in built:
            TariffSubscription.objects.filter(client=client).delete()  # tariffs are protected while held
            client.delete()
    print(f"database: {url.split('@')[-1]}; {args.requests} requests per figure, django.test.Client in-process")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
