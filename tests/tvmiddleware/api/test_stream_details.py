"""channel/url and program/url: the channel's audio and subtitle tracks, its video qualities and,
with get_drm_info=1, its DRM; kept per process (no SQL when warm) and following every change."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories
from tvmiddleware.models import (
    AudioTrack, DeviceType, DrmProfile, DrmType, EpgProgram, ResponseFormat, StreamServiceType, SubtitleTrack,
    VideoQuality,
)
from tvmiddleware.streaming import access, tokens


@pytest.fixture(autouse=True)
def _no_local_access_cache(settings):
    settings.TVMIDDLEWARE_ACCESS_LOCAL_CACHE_SECONDS = 0
    access.clear_local_cache()


@pytest.fixture
def lineup(subscriber):
    client = subscriber.client
    live = factories.StreamServiceFactory(client=client, name="Live", type=StreamServiceType.LIVE, priority=1,
                                          url_mask="http://a.example/$prefix/index.m3u8?token=$token")
    backup = factories.StreamServiceFactory(client=client, name="Backup", type=StreamServiceType.LIVE, priority=2,
                                            url_mask="http://b.example/$prefix/index.m3u8?token=$token")
    archive = factories.StreamServiceFactory(
        client=client, name="Archive", type=StreamServiceType.ARCHIVE,
        url_mask="http://a.example/$prefix/video-$flpbt-$flpdur.m3u8?token=$token")
    epg = factories.EpgChannelFactory(client=client)
    news = factories.ChannelFactory(client=client, url_prefix="news", max_archive_duration=72, epg_channel=epg)
    plain = factories.ChannelFactory(client=client, url_prefix="plain")
    subscriber.tariff.channels.add(news, plain)
    now = timezone.now()
    programme = EpgProgram.objects.create(client=client, epg_channel=epg, name="Earlier",
                                          begin_time=now - timedelta(hours=3), end_time=now - timedelta(hours=2))
    return {"live": live, "backup": backup, "archive": archive, "news": news, "plain": plain,
            "programme": programme}


@pytest.fixture
def tracks(subscriber, lineup):
    client, news = subscriber.client, lineup["news"]
    AudioTrack.objects.create(client=client, channel=news, index=0, lang="rus", display_name="Русский")
    AudioTrack.objects.create(client=client, channel=news, index=1, lang="eng", display_name="English",
                              is_default=True)
    SubtitleTrack.objects.create(client=client, channel=news, index=0, type="webvtt", lang="eng",
                                 display_name="English", url="https://subs.example/news-en.vtt")
    VideoQuality.objects.create(client=client, channel=news, index=0, display_name="1080p", bitrate=6000)
    VideoQuality.objects.create(client=client, channel=news, index=1, display_name="480p", stream_name="news_sd",
                                bitrate=1500)


def _widevine(client, **kwargs) -> DrmProfile:
    defaults = {"name": "Widevine", "type": DrmType.WIDEVINE, "provider": "ezdrm",
                "license_url": "https://license.example/widevine", "params": '{"headers": {"x-operator": "1"}}'}
    return DrmProfile.objects.create(client=client, **{**defaults, **kwargs})


def channel_url(api, channel, **params) -> dict:
    return api.json("channel/url/", cid=channel.pk, redirect=0, **params)


def program_url(api, lineup, **params) -> dict:
    return api.json("program/url/", cid=lineup["news"].pk, pid=lineup["programme"].pk, redirect=0, **params)


class TestTracks:
    def test_channel_url_lists_the_tracks_and_qualities_with_their_types(self, logged_in, lineup, tracks):
        body = channel_url(logged_in, lineup["news"])
        assert body["error"] == 0
        assert body["audio_tracks"] == [
            {"index": 0, "is_active": 0, "lang": "rus", "display_name": "Русский"},
            {"index": 1, "is_active": 1, "lang": "eng", "display_name": "English"},  # the default plays
        ]
        assert body["subtitle_tracks"] == [{"index": 0, "type": "webvtt", "lang": "eng", "display_name": "English",
                                            "url": "https://subs.example/news-en.vtt", "is_active": 0}]
        assert body["video_qualities"] == [{"index": 0, "display_name": "1080p", "is_active": 0, "bitrate": 6000},
                                           {"index": 1, "display_name": "480p", "is_active": 0, "bitrate": 1500}]
        assert "subtitles" not in body and "drm" not in body

    def test_program_url_names_the_subtitle_list_subtitles(self, logged_in, lineup, tracks):
        body = program_url(logged_in, lineup)
        assert body["error"] == 0
        assert [t["lang"] for t in body["audio_tracks"]] == ["rus", "eng"]
        assert body["subtitles"][0]["url"] == "https://subs.example/news-en.vtt"
        assert [q["display_name"] for q in body["video_qualities"]] == ["1080p", "480p"]
        assert "subtitle_tracks" not in body

    def test_a_channel_without_tracks_answers_empty_lists(self, logged_in, lineup, tracks):
        body = channel_url(logged_in, lineup["plain"])
        assert body["audio_tracks"] == [] and body["subtitle_tracks"] == [] and body["video_qualities"] == []

    def test_the_picked_tracks_are_active(self, logged_in, lineup, tracks):
        body = channel_url(logged_in, lineup["news"], audio_pid="0", text_pid="0", video_pid="0")
        assert [t["is_active"] for t in body["audio_tracks"]] == [1, 0]
        assert body["subtitle_tracks"][0]["is_active"] == 1
        assert [q["is_active"] for q in body["video_qualities"]] == [1, 0]
        unknown = channel_url(logged_in, lineup["news"], audio_pid="7")
        assert [t["is_active"] for t in unknown["audio_tracks"]] == [0, 1]  # not a track: the default

    def test_a_quality_with_its_own_stream_is_served_from_it(self, logged_in, lineup, tracks):
        body = channel_url(logged_in, lineup["news"], video_pid="1")
        assert body["uri"].startswith("http://a.example/news_sd/index.m3u8?token=")
        token = parse_qs(urlparse(body["uri"]).query)["token"][0]
        assert tokens.verify(token, name="news_sd").ok and not tokens.verify(token, name="news").ok
        adaptive = channel_url(logged_in, lineup["news"], video_pid="0")  # no stream of its own
        assert adaptive["uri"].startswith("http://a.example/news/index.m3u8?token=")

    def test_program_url_takes_numbers_for_the_deprecated_pids(self, logged_in, lineup, tracks):
        assert program_url(logged_in, lineup, audio_pid=0)["audio_tracks"][0]["is_active"] == 1
        assert program_url(logged_in, lineup, audio_pid="x")["error"] == 1

    def test_a_redirect_is_not_changed(self, logged_in, lineup, tracks):
        response = logged_in.call("channel/url/", cid=lineup["news"].pk, get_drm_info=1)
        assert response.status_code == 302


class TestDrm:
    def test_drm_only_with_get_drm_info(self, logged_in, subscriber, lineup):
        _widevine(subscriber.client, certificate_url="https://license.example/cert").channels.add(lineup["news"])
        assert "drm" not in channel_url(logged_in, lineup["news"])
        body = channel_url(logged_in, lineup["news"], get_drm_info=1)
        assert body["error"] == 0
        assert body["drm"] == {"type": "widevine", "provider": "ezdrm", "license_url": "https://license.example/widevine",
                               "params": '{"headers": {"x-operator": "1"}}',
                               "certificate_url": "https://license.example/cert"}
        assert program_url(logged_in, lineup, get_drm_info=1)["drm"]["type"] == "widevine"

    def test_an_unprotected_stream_has_no_drm(self, logged_in, subscriber, lineup):
        _widevine(subscriber.client).channels.add(lineup["news"])
        body = channel_url(logged_in, lineup["plain"], get_drm_info=1)
        assert body["error"] == 0 and "drm" not in body

    def test_a_stream_services_profile_covers_what_it_serves(self, logged_in, subscriber, lineup):
        _widevine(subscriber.client, name="Backup DRM").stream_services.add(lineup["backup"])
        assert "drm" not in channel_url(logged_in, lineup["plain"], get_drm_info=1)  # served by "Live"
        failover = channel_url(logged_in, lineup["plain"], get_drm_info=1, exclude_service_id=lineup["live"].pk)
        assert failover["stream_service_id"] == lineup["backup"].pk and failover["drm"]["type"] == "widevine"

    def test_the_device_type_and_the_priority_choose(self, logged_in, subscriber, lineup):
        mag = DeviceType.objects.get(system_name="mag")
        other = DeviceType.objects.exclude(pk=mag.pk).first()
        fairplay = _widevine(subscriber.client, name="FairPlay", type=DrmType.FAIRPLAY, priority=1,
                             license_url="https://license.example/fairplay")
        fairplay.channels.add(lineup["news"])
        fairplay.device_types.add(other)
        widevine = _widevine(subscriber.client, priority=2)
        widevine.channels.add(lineup["news"])
        assert channel_url(logged_in, lineup["news"], get_drm_info=1)["drm"]["type"] == "widevine"  # a mag
        assert channel_url(logged_in, lineup["news"], get_drm_info=1,
                           device=other.system_name)["drm"]["type"] == "fairplay"

    def test_no_profile_for_the_device_type_is_error_2(self, logged_in, subscriber, lineup):
        other = DeviceType.objects.exclude(system_name="mag").first()
        profile = _widevine(subscriber.client)
        profile.channels.add(lineup["news"])
        profile.device_types.add(other)
        body = channel_url(logged_in, lineup["news"], get_drm_info=1)
        assert body["error"] == 2 and "uri" not in body
        assert program_url(logged_in, lineup, get_drm_info=1)["error"] == 2
        assert channel_url(logged_in, lineup["news"])["error"] == 0  # DRM not asked for

    def test_a_disabled_profile_does_not_apply(self, logged_in, subscriber, lineup):
        _widevine(subscriber.client, enabled=False).channels.add(lineup["news"])
        assert "drm" not in channel_url(logged_in, lineup["news"], get_drm_info=1)


class TestOperators:
    def test_another_operators_tracks_and_drm_are_invisible(self, logged_in, subscriber, lineup):
        other = factories.ClientFactory()
        foreign = factories.ChannelFactory(client=other, url_prefix="foreign")
        AudioTrack.objects.create(client=other, channel=foreign, index=0, lang="deu", display_name="Deutsch")
        # Rows of another operator pointing at this operator's channel (e.g. made by a script) count for nothing.
        AudioTrack.objects.create(client=other, channel=lineup["news"], index=5, lang="fra", display_name="Français")
        drm = _widevine(other)
        drm.channels.add(lineup["news"])
        drm.stream_services.add(lineup["live"])
        body = channel_url(logged_in, lineup["news"], get_drm_info=1)
        assert body["error"] == 0 and body["audio_tracks"] == [] and "drm" not in body
        assert logged_in.json("channel/url/", cid=foreign.pk, redirect=0)["error"] == 404


class TestCache:
    def test_no_sql_when_warm_with_or_without_details(self, logged_in, subscriber, lineup, tracks, settings):
        settings.TVMIDDLEWARE_ACCESS_LOCAL_CACHE_SECONDS = 60  # as deployed (the other tests read through)
        _widevine(subscriber.client).channels.add(lineup["news"])
        calls = [(lineup["news"], {"get_drm_info": 1}), (lineup["plain"], {"get_drm_info": 1}),
                 (lineup["news"], {"video_pid": "1"})]
        for channel, params in calls:
            assert channel_url(logged_in, channel, **params)["error"] == 0
        for channel, params in calls:
            with CaptureQueriesContext(connection) as queries:
                assert channel_url(logged_in, channel, **params)["error"] == 0
            assert [q["sql"] for q in queries] == []

    def test_changes_show_at_once(self, logged_in, subscriber, lineup, tracks):
        assert len(channel_url(logged_in, lineup["news"])["audio_tracks"]) == 2
        AudioTrack.objects.create(client=subscriber.client, channel=lineup["news"], index=2, lang="ukr")
        assert len(channel_url(logged_in, lineup["news"])["audio_tracks"]) == 3
        AudioTrack.objects.filter(channel=lineup["news"], index=2).delete()
        assert len(channel_url(logged_in, lineup["news"])["audio_tracks"]) == 2
        profile = _widevine(subscriber.client)
        assert "drm" not in channel_url(logged_in, lineup["news"], get_drm_info=1)
        profile.channels.add(lineup["news"])  # m2m
        assert channel_url(logged_in, lineup["news"], get_drm_info=1)["drm"]["type"] == "widevine"
        profile.license_url = "https://license.example/new"
        profile.save()
        assert channel_url(logged_in, lineup["news"], get_drm_info=1)["drm"]["license_url"].endswith("/new")
        profile.channels.clear()
        assert "drm" not in channel_url(logged_in, lineup["news"], get_drm_info=1)


class TestChannelList:
    def drm_flags(self, api, **params) -> dict[int, bool]:
        body = api.json("channel/list/", **params)
        assert body["error"] == 0
        return {row["id"]: row["drm_available"] for row in body["channels"]}

    def test_drm_available_follows_the_profiles(self, logged_in, subscriber, lineup):
        news, plain = lineup["news"], lineup["plain"]
        assert self.drm_flags(logged_in) == {news.pk: False, plain.pk: False}
        profile = _widevine(subscriber.client)
        profile.channels.add(news)
        assert self.drm_flags(logged_in) == {news.pk: True, plain.pk: False}
        assert self.drm_flags(logged_in, search=news.name)[news.pk] is True
        # A server's profile: the channels it may serve (those naming no live server, or naming it).
        profile.channels.clear()
        profile.stream_services.add(lineup["backup"])
        assert self.drm_flags(logged_in) == {news.pk: True, plain.pk: True}
        plain.stream_services.add(lineup["live"])
        assert self.drm_flags(logged_in) == {news.pk: True, plain.pk: False}

    def test_a_drm_change_renews_the_validators(self, logged_in, subscriber, lineup):
        etag = logged_in.call("channel/list/")["ETag"]
        assert logged_in.http.get("/tvmiddleware/api/channel/list/", {"client_id": subscriber.client.pk,
                                                                       "authkey": logged_in.authkey},
                                  HTTP_IF_NONE_MATCH=etag).status_code == 304
        _widevine(subscriber.client).channels.add(lineup["news"])
        fresh = logged_in.http.get("/tvmiddleware/api/channel/list/", {"client_id": subscriber.client.pk,
                                                                        "authkey": logged_in.authkey},
                                   HTTP_IF_NONE_MATCH=etag)
        assert fresh.status_code == 200 and fresh["ETag"] != etag


def test_xml_devices_get_the_tracks_and_drm_as_xml(api, subscriber, lineup, tracks):
    from xml.etree.ElementTree import fromstring

    from apikit import device as framework

    DeviceType.objects.filter(system_name="dune").update(response_format=ResponseFormat.XML)
    framework._device_types.clear()
    _widevine(subscriber.client).channels.add(lineup["news"])
    api.authkey = fromstring(api.call("login/", auth=False, abonement=subscriber.account.abonement,
                                      password=subscriber.password, api_key=subscriber.client.api_key,
                                      device="dune", device_uid="00:1A:79:00:00:09").content).findtext("authkey")
    root = fromstring(api.call("channel/url/", cid=lineup["news"].pk, redirect=0, get_drm_info=1).content)
    framework._device_types.clear()  # the XML "dune" of this test's transaction is not kept for the next tests
    assert root.findtext("error") == "0"
    assert [item.findtext("lang") for item in root.find("audio_tracks").findall("item")] == ["rus", "eng"]
    assert root.find("subtitle_tracks").find("item").findtext("type") == "webvtt"
    assert root.find("drm").findtext("license_url") == "https://license.example/widevine"
