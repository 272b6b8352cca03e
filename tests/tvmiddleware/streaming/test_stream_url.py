"""Handing out stream URLs: mask filling, server choice and failover, archive depth."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from tests import factories
from tvmiddleware import services
from tvmiddleware.models import StreamService, StreamServiceType, VideoFile
from common.errors import Invalid, NotFound
from tvmiddleware.streaming import tokens
from tvmiddleware.streaming.masks import build_url, fill_mask
from tvmiddleware.streaming.stream_urls import stream_url

pytestmark = pytest.mark.django_db

NOW = 1_800_000_000


def query_token(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


class TestMasks:
    def test_longer_names_are_not_eaten_by_shorter_ones(self):
        filled = fill_mask("/$cid$prefix/$flpbt-$flpdur/$file?t=$token&v=$vid", {
            "cid": "C", "prefix": "P", "flpbt": "B", "flpdur": "D", "file": "F", "token": "T", "vid": "V",
        })
        assert filled == "/CP/B-D/F?t=T&v=V"

    def test_values_are_not_substituted_again_and_unknown_names_stay(self):
        assert fill_mask("$prefix/$other", {"prefix": "$token"}) == "$token/$other"

    def test_encoding(self):
        service = StreamService(url_mask="http://h/$prefix/$cid/$file?token=$token&vid=$vid")
        url = build_url(service, token="abc-_", prefix="sport/hd 1", cid="a/b?c", file="films/Ёж & co#1.mp4",
                        vid=5)
        assert url == ("http://h/sport/hd%201/a%2Fb%3Fc/films/%D0%81%D0%B6%20%26%20co%231.mp4"
                       "?token=abc-_&vid=5")

    def test_archive_mask_with_now(self):
        service = StreamService(url_mask="http://h/$cid/video-$flpbt-$flpdur.m3u8?token=$token")
        assert build_url(service, token="t", cid=7, flpbt=100, flpdur="now") == "http://h/7/video-100-now.m3u8?token=t"

    def test_missing_values_are_empty(self):
        service = StreamService(url_mask="http://h/$prefix/index.m3u8?token=$token&b=$flpbt")
        assert build_url(service, token="t", prefix="p") == "http://h/p/index.m3u8?token=t&b="


class TestLive:
    def test_url_and_token(self, world):
        url, service = stream_url(account=world.account, kind="live", channel=world.channel, now=NOW)
        assert service == world.live
        assert url.startswith("http://127.0.0.1:8081/first/index.m3u8?token=")
        check = tokens.verify(query_token(url), name="first", now=NOW + 1)
        assert check.ok and check.kind == "live" and check.content_id == world.channel.pk
        assert check.account_id == world.account.pk and check.stream_service_id == world.live.pk

    def test_cid_is_the_stream_service_id_when_set(self, world):
        world.live.url_mask = "http://h/$cid/index.m3u8?token=$token"
        world.live.save()
        url, _ = stream_url(account=world.account, kind="live", channel=world.channel)
        assert url.startswith(f"http://h/{world.channel.pk}/index.m3u8")
        world.channel.id_for_stream_service = "ch-first"
        world.channel.save()
        url, _ = stream_url(account=world.account, kind="live", channel=world.channel)
        assert url.startswith("http://h/ch-first/index.m3u8")

    def test_ip_bound_only_where_the_service_checks(self, world):
        url, _ = stream_url(account=world.account, kind="live", channel=world.channel, ip="10.0.0.1")
        assert tokens.verify(query_token(url), ip="10.9.9.9").ok
        world.live.check_ip = True
        world.live.save()
        url, _ = stream_url(account=world.account, kind="live", channel=world.channel, ip="10.0.0.1")
        assert tokens.verify(query_token(url), ip="10.9.9.9").error == tokens.OTHER_IP
        with pytest.raises(Invalid):
            stream_url(account=world.account, kind="live", channel=world.channel, ip=None)

    def test_channel_of_another_operator(self, world):
        with pytest.raises(NotFound):
            stream_url(account=world.account, kind="live", channel=factories.ChannelFactory())

    def test_unknown_kind(self, world):
        with pytest.raises(Invalid):
            stream_url(account=world.account, kind="radio", channel=world.channel)


class TestFailover:
    @pytest.fixture
    def backups(self, world):
        second = factories.StreamServiceFactory(client=world.client, type="live", priority=5, url_mask="http://b/$prefix?token=$token")
        third = factories.StreamServiceFactory(client=world.client, type="live", priority=9, url_mask="http://c/$prefix?token=$token")
        return second, third

    def test_priority_order_and_exclusion(self, world, backups):
        second, third = backups

        def pick(*excluded):
            return stream_url(account=world.account, kind="live", channel=world.channel,
                              exclude_service_ids=excluded)[1]

        assert pick() == world.live
        assert pick(world.live.pk) == second
        assert pick(world.live.pk, second.pk) == third
        with pytest.raises(NotFound):
            pick(world.live.pk, second.pk, third.pk)

    def test_disabled_and_other_types_are_skipped(self, world, backups):
        second, _ = backups
        StreamService.objects.filter(pk=world.live.pk).update(enabled=False)
        assert stream_url(account=world.account, kind="live", channel=world.channel)[1] == second

    def test_channel_servers_restrict(self, world, backups):
        _, third = backups
        world.channel.stream_services.add(third, world.archive)
        assert stream_url(account=world.account, kind="live", channel=world.channel)[1] == third
        with pytest.raises(NotFound):
            stream_url(account=world.account, kind="live", channel=world.channel, exclude_service_ids=[third.pk])

    def test_tariff_servers_restrict(self, world, backups):
        second, _ = backups
        world.tariff.stream_services.add(second)
        assert stream_url(account=world.account, kind="live", channel=world.channel)[1] == second
        # a list naming no server of this type leaves the type unrestricted
        video = factories.VideoFactory(client=world.client)
        assert stream_url(account=world.account, kind="vod", video=video, file="a.mp4")[1] == world.vod

    def test_closed_tariffs_do_not_restrict(self, world, backups):
        second, _ = backups
        other = factories.TariffFactory(client=world.client, basic_tariff_priority=0)
        other.stream_services.add(second)
        services.tariff_assign(customer=world.customer, tariff=other)
        services.tariff_remove(customer=world.customer, tariff=other)
        assert stream_url(account=world.account, kind="live", channel=world.channel)[1] == world.live

    def test_other_operators_servers_are_never_used(self, world):
        factories.StreamServiceFactory(type="live", priority=-100)
        assert stream_url(account=world.account, kind="live", channel=world.channel)[1] == world.live


class TestArchive:
    def test_archive_url(self, world):
        begin = NOW - 3600
        url, service = stream_url(account=world.account, kind="archive", channel=world.channel, begin=begin,
                                  duration=1800, now=NOW)
        assert service == world.archive
        assert url.startswith(f"http://archive.example/{world.channel.pk}/video-{begin}-1800.m3u8?token=")
        # The mask puts `$cid` where the stream name goes: Flussonic reports that name, and the token is
        # bound to it (not to the channel's url_prefix, which this URL does not carry).
        check = tokens.verify(query_token(url), name=str(world.channel.pk), now=NOW)
        assert check.ok and check.kind == "archive"
        assert tokens.verify(query_token(url), name="first", now=NOW).error == tokens.OTHER_CONTENT

    def test_pause_of_live_tv(self, world):
        begin = timezone.now() - timedelta(minutes=5)
        url, _ = stream_url(account=world.account, kind="archive", channel=world.channel, begin=begin, tv_pause=True)
        assert f"/video-{int(begin.timestamp())}-now.m3u8?token=" in url

    def test_depth_future_and_no_archive_are_refused(self, world):
        hours = world.channel.max_archive_duration
        with pytest.raises(Invalid, match="72 hours"):
            stream_url(account=world.account, kind="archive", channel=world.channel,
                       begin=NOW - hours * 3600 - 1, duration=60, now=NOW)
        stream_url(account=world.account, kind="archive", channel=world.channel,
                   begin=NOW - hours * 3600, duration=60, now=NOW)
        with pytest.raises(Invalid, match="future"):
            stream_url(account=world.account, kind="archive", channel=world.channel, begin=NOW + 60,
                       duration=60, now=NOW)
        with pytest.raises(Invalid):
            stream_url(account=world.account, kind="archive", channel=world.channel, begin=None, now=NOW)
        with pytest.raises(Invalid):
            stream_url(account=world.account, kind="archive", channel=world.channel, begin=NOW - 60,
                       duration=0, now=NOW)
        world.channel.max_archive_duration = 0
        with pytest.raises(Invalid, match="no archive"):
            stream_url(account=world.account, kind="archive", channel=world.channel, begin=NOW - 60,
                       duration=60, now=NOW)


class TestVod:
    def test_file_path_keeps_slashes_and_names_the_token(self, world):
        video = factories.VideoFactory(client=world.client)
        url, service = stream_url(account=world.account, kind="vod", video=video, file="films/2020/a b.mp4")
        assert service == world.vod
        assert url.startswith("http://vod.example/films/2020/a%20b.mp4/index.m3u8?token=")
        assert parse_qs(urlsplit(url).query)["vid"] == [str(video.pk)]
        check = tokens.verify(query_token(url), name="films/2020/a b.mp4")
        assert check.ok and check.kind == "vod" and check.content_id == video.pk

    def test_video_file_pinned_to_a_server(self, world):
        video = factories.VideoFactory(client=world.client)
        pinned = factories.StreamServiceFactory(client=world.client, type="vod", priority=50,
                                                url_mask="http://pinned/$file?token=$token")
        VideoFile.objects.create(client=world.client, video=video, path="x/1080.mp4", quality=1080,
                                 stream_service=pinned)
        url, service = stream_url(account=world.account, kind="vod", video=video)  # default: first file
        assert service == pinned and url.startswith("http://pinned/x/1080.mp4?token=")

    def test_video_without_files_or_of_another_operator(self, world):
        with pytest.raises(NotFound):
            stream_url(account=world.account, kind="vod", video=factories.VideoFactory(client=world.client))
        with pytest.raises(NotFound):
            stream_url(account=world.account, kind="vod", video=factories.VideoFactory(), file="a.mp4")

    def test_file_of_another_video(self, world):
        video, other = (factories.VideoFactory(client=world.client) for _ in range(2))
        file = VideoFile.objects.create(client=world.client, video=other, path="o.mp4")
        with pytest.raises(Invalid):
            stream_url(account=world.account, kind="vod", video=video, file=file)


def test_every_kind_has_its_own_servers(world):
    assert {s.type for s in (world.live, world.archive, world.vod)} == set(StreamServiceType.values)
