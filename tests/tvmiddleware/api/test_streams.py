"""channel/url, program/url and video/url: tokens, failover, access, archive depth, parental lock."""
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from tests import factories
from tvmiddleware import services
from tvmiddleware.models import AccountChannelSetting, PriceCategory, StreamServiceType, VideoFile
from tvmiddleware.streaming import access, tokens


@pytest.fixture(autouse=True)
def _no_local_access_cache(settings):
    settings.TVMIDDLEWARE_ACCESS_LOCAL_CACHE_SECONDS = 0
    access.clear_local_cache()


@pytest.fixture
def lineup(subscriber):
    client = subscriber.client
    live = factories.StreamServiceFactory(client=client, name="Live A", type=StreamServiceType.LIVE, priority=1,
                                          url_mask="http://a.example/$prefix/index.m3u8?token=$token")
    backup = factories.StreamServiceFactory(client=client, name="Live B", type=StreamServiceType.LIVE, priority=2,
                                            url_mask="http://b.example/$cid/index.m3u8?token=$token")
    archive = factories.StreamServiceFactory(
        client=client, name="Archive", type=StreamServiceType.ARCHIVE,
        url_mask="http://a.example/$prefix/video-$flpbt-$flpdur.m3u8?token=$token")
    vod = factories.StreamServiceFactory(client=client, name="VOD", type=StreamServiceType.VOD,
                                         url_mask="http://v.example/vod/$file/index.m3u8?token=$token")
    epg = factories.EpgChannelFactory(client=client)
    news = factories.ChannelFactory(client=client, url_prefix="news", max_archive_duration=72, epg_channel=epg)
    sport = factories.ChannelFactory(client=client, url_prefix="sport")
    subscriber.tariff.channels.add(news)
    return {"live": live, "backup": backup, "archive": archive, "vod": vod, "news": news, "sport": sport, "epg": epg}


def token_of(url: str) -> str:
    return parse_qs(urlparse(url).query)["token"][0]


class TestChannelUrl:
    def test_redirects_to_a_tokenized_url(self, logged_in, lineup, subscriber):
        response = logged_in.call("channel/url/", cid=lineup["news"].pk)
        assert response.status_code == 302
        url = response["Location"]
        assert url.startswith("http://a.example/news/index.m3u8?token=")
        check = tokens.verify(token_of(url), name="news")
        assert check.ok and check.account_id == subscriber.account.pk and check.stream_service_id == lineup["live"].pk

    def test_json_answer_and_fresh_token_each_time(self, logged_in, lineup):
        first = logged_in.json("channel/url/", cid=lineup["news"].pk, redirect=0)
        second = logged_in.json("channel/url/", cid=lineup["news"].pk, redirect=0)
        assert first["error"] == 0 and first["stream_service_id"] == lineup["live"].pk
        assert token_of(first["uri"]) != token_of(second["uri"])

    def test_failover_with_exclude_service_id(self, logged_in, lineup):
        body = logged_in.json("channel/url/", cid=lineup["news"].pk, redirect=0, exclude_service_id=lineup["live"].pk)
        assert body["stream_service_id"] == lineup["backup"].pk
        assert body["uri"].startswith(f"http://b.example/{lineup['news'].pk}/index.m3u8")
        both = f"{lineup['live'].pk},{lineup['backup'].pk}"
        assert logged_in.json("channel/url/", cid=lineup["news"].pk, redirect=0, exclude_service_id=both)["error"] == 1

    def test_channel_outside_tariffs_or_unknown(self, logged_in, lineup):
        assert logged_in.json("channel/url/", cid=lineup["sport"].pk, redirect=0)["error"] == 1
        assert logged_in.json("channel/url/", cid=999999, redirect=0)["error"] == 404
        foreign = factories.ChannelFactory()
        assert logged_in.json("channel/url/", cid=foreign.pk, redirect=0)["error"] == 404
        assert logged_in.json("channel/url/", cid="x", redirect=0)["error"] == 1
        assert logged_in.json("channel/url/", redirect=0)["error"] == 1

    def test_blocked_account_gets_no_url(self, logged_in, lineup, subscriber, django_capture_on_commit_callbacks):
        assert logged_in.json("channel/url/", cid=lineup["news"].pk, redirect=0)["error"] == 0  # access cached
        with django_capture_on_commit_callbacks(execute=True):  # the service revokes on commit
            services.account_block_for_debt(account=subscriber.account)
        body = logged_in.json("channel/url/", cid=lineup["news"].pk, redirect=0)
        assert body["error"] == 1 and body["status_reason"] == "DEBT"

    def test_removed_tariff_takes_effect(self, logged_in, lineup, subscriber, django_capture_on_commit_callbacks):
        assert logged_in.json("channel/url/", cid=lineup["news"].pk, redirect=0)["error"] == 0
        with django_capture_on_commit_callbacks(execute=True):
            services.tariff_remove(customer=subscriber.customer, tariff=subscriber.tariff)
        assert logged_in.json("channel/url/", cid=lineup["news"].pk, redirect=0)["error"] == 1

    def test_parental_lock_needs_the_pin(self, logged_in, lineup, subscriber):
        services.account_modify(account=subscriber.account, parent_code="4321")
        AccountChannelSetting.objects.create(client=subscriber.client, account=subscriber.account,
                                             channel=lineup["news"], is_parent_control=True)
        assert logged_in.json("channel/url/", cid=lineup["news"].pk, redirect=0)["error"] == 1
        assert logged_in.json("channel/url/", cid=lineup["news"].pk, redirect=0, parent_code="0000")["error"] == 1
        assert logged_in.json("channel/url/", cid=lineup["news"].pk, redirect=0, parent_code="4321")["error"] == 0


class TestProgramUrl:
    def program(self, lineup, subscriber, *, hours_ago: float, length: float = 1.0, **extra):
        begin = timezone.now().replace(microsecond=0) - timedelta(hours=hours_ago)
        return factories.EpgProgramFactory(epg_channel=lineup["epg"], client=subscriber.client, begin_time=begin,
                                           end_time=begin + timedelta(hours=length), **extra)

    def test_archive_url_by_pid(self, logged_in, lineup, subscriber):
        program = self.program(lineup, subscriber, hours_ago=5)
        body = logged_in.json("program/url/", cid=lineup["news"].pk, pid=program.pk, redirect=0)
        assert body["error"] == 0 and body["stream_service_id"] == lineup["archive"].pk
        assert f"video-{int(program.begin_time.timestamp())}-3600.m3u8" in body["uri"]
        assert tokens.verify(token_of(body["uri"]), name="news").ok

    def test_by_time_and_tv_pause(self, logged_in, lineup, subscriber):
        program = self.program(lineup, subscriber, hours_ago=0.5)  # still running
        moment = int(program.begin_time.timestamp()) + 600
        body = logged_in.json("program/url/", cid=lineup["news"].pk, time=moment, redirect=0, tv_pause=1)
        assert body["error"] == 0 and f"video-{moment}-now.m3u8" in body["uri"]

    def test_outside_archive_depth_or_future(self, logged_in, lineup, subscriber):
        old = self.program(lineup, subscriber, hours_ago=80)
        assert logged_in.json("program/url/", cid=lineup["news"].pk, pid=old.pk, redirect=0)["error"] == 1
        future = self.program(lineup, subscriber, hours_ago=-2)
        assert logged_in.json("program/url/", cid=lineup["news"].pk, pid=future.pk, redirect=0)["error"] == 1

    def test_blocked_recording_and_bad_input(self, logged_in, lineup, subscriber):
        blocked = self.program(lineup, subscriber, hours_ago=3, is_blocked=True)
        assert logged_in.json("program/url/", cid=lineup["news"].pk, pid=blocked.pk, redirect=0)["error"] == 1
        assert logged_in.json("program/url/", cid=lineup["news"].pk, redirect=0)["error"] == 1
        assert logged_in.json("program/url/", cid=lineup["news"].pk, pid=999999, redirect=0)["error"] == 404
        assert logged_in.json("program/url/", cid=lineup["news"].pk, time="yesterday", redirect=0)["error"] == 1


class TestVideoUrl:
    def video(self, subscriber, lineup, **fields):
        video = factories.VideoFactory(client=subscriber.client, **fields)
        VideoFile.objects.create(client=subscriber.client, video=video, path=f"films/{video.pk}.mp4")
        return video

    def test_free_title_plays(self, logged_in, lineup, subscriber):
        video = self.video(subscriber, lineup, price_category=PriceCategory.FREE)
        body = logged_in.json("video/url/", vid=video.pk, redirect=0)
        assert body["error"] == 0 and body["uri"].startswith(f"http://v.example/vod/films/{video.pk}.mp4/")
        check = tokens.verify(token_of(body["uri"]), name=f"films/{video.pk}.mp4")
        assert check.ok and check.kind == "vod" and check.content_id == video.pk

    def test_subscription_title_follows_tariffs(self, logged_in, lineup, subscriber):
        video = self.video(subscriber, lineup, price_category=PriceCategory.SUBSCRIPTION)
        assert logged_in.json("video/url/", vid=video.pk, redirect=0)["error"] == 3
        video.tariffs.add(subscriber.tariff)
        assert logged_in.json("video/url/", vid=video.pk, redirect=0)["error"] == 0

    def test_purchase_title_after_buying(self, logged_in, lineup, subscriber):
        video = self.video(subscriber, lineup, price_category=PriceCategory.PURCHASE, price=Decimal("50.00"))
        assert logged_in.json("video/url/", vid=video.pk, redirect=0)["error"] == 3
        assert logged_in.json("video/action/", vid=video.pk, action="buy")["error"] == 0
        assert logged_in.json("video/url/", vid=video.pk, redirect=0)["error"] == 0

    def test_unknown_or_foreign(self, logged_in, lineup):
        assert logged_in.json("video/url/", vid=999999, redirect=0)["error"] == 1
        foreign = factories.VideoFactory(price_category=PriceCategory.FREE)
        assert logged_in.json("video/url/", vid=foreign.pk, redirect=0)["error"] == 1
        assert logged_in.json("video/url/", redirect=0)["error"] == 1
