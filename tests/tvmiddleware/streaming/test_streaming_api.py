"""Streaming API (`/streaming/api/`, signed with the Streaming API key): maintenance windows, and what
the device API answers for a channel under maintenance."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from django.utils import timezone as dj_timezone

from tests import factories
from tests.billing.api.conftest import SignedAPI
from tests.tvmiddleware.api import conftest as device_api
from tvmiddleware.models import MaintenanceWindow, StreamServiceType
from tvmiddleware.streaming.maintenance import channel_maintenance

UTC = timezone.utc

# The device API's fixtures (a subscriber who can log in), for the maintenance answers of channel/url.
subscriber, api, logged_in = device_api.subscriber, device_api.api, device_api.logged_in


@pytest.fixture
def operator(db):
    return factories.ClientFactory(content_api_key="content-secret", streaming_api_key="streaming-secret")


@pytest.fixture
def streaming_api(client, operator) -> SignedAPI:
    return SignedAPI(client, operator, prefix="/streaming/api/", key_field="streaming_api_key")


@pytest.fixture
def channels(operator):
    return {prefix: factories.ChannelFactory(client=operator, url_prefix=prefix) for prefix in ("news", "sport")}


def iso(moment: datetime) -> str:
    return moment.isoformat()


class TestMaintenanceCreate:
    def test_creates_a_window_on_the_prefixed_channels(self, streaming_api, operator, channels):
        body = streaming_api.json("maintenance/create/", channel_prefix="news,sport",
                                  datetime_begin="2030-01-01T10:00:00.0+03:00",
                                  datetime_end="2030-01-01T12:30:00.0+03:00", description="Router swap")
        assert body["error"] == 0 and body["error_message"] == ""
        window = MaintenanceWindow.objects.get(pk=body["id"])
        assert window.client == operator and window.comment == "Router swap"
        assert window.starts_at == datetime(2030, 1, 1, 7, 0, tzinfo=UTC)
        assert window.ends_at == datetime(2030, 1, 1, 9, 30, tzinfo=UTC)
        assert set(window.channels.all()) == set(channels.values())

    def test_open_ended_window(self, streaming_api, channels):
        body = streaming_api.json("maintenance/create/", channel_prefix="news", datetime_begin="2030-01-01T10:00:00Z")
        assert MaintenanceWindow.objects.get(pk=body["id"]).ends_at is None

    def test_unknown_or_foreign_prefix_answers_1(self, streaming_api, channels):
        factories.ChannelFactory(url_prefix="elsewhere")  # another operator's channel
        for prefixes in ("news,movies", "elsewhere"):
            body = streaming_api.json("maintenance/create/", channel_prefix=prefixes,
                                      datetime_begin="2030-01-01T10:00:00Z")
            assert body["error"] == 1 and "channel_prefix" in body["error_fields"]
        assert not MaintenanceWindow.objects.exists()

    @pytest.mark.parametrize("params", [
        {"datetime_begin": "2030-01-01T10:00:00Z"},
        {"channel_prefix": "news"},
        {"channel_prefix": "news", "datetime_begin": "tomorrow"},
        {"channel_prefix": "news", "datetime_begin": "2030-02-30T10:00:00Z"},
        {"channel_prefix": ",,", "datetime_begin": "2030-01-01T10:00:00Z"},
        {"channel_prefix": "news", "datetime_begin": "2030-01-01T10:00:00Z", "datetime_end": "2030-01-01T09:00:00Z"},
        {"channel_prefix": "news' OR 1=1 --", "datetime_begin": "2030-01-01T10:00:00Z", "datetime_end": "x"},
    ])
    def test_bad_parameters_answer_20(self, streaming_api, channels, params):
        assert streaming_api.json("maintenance/create/", **params)["error"] == 20
        assert not MaintenanceWindow.objects.exists()

    def test_signed_with_the_streaming_key_only(self, streaming_api, operator, channels):
        params = {"channel_prefix": "news", "datetime_begin": "2030-01-01T10:00:00Z"}
        assert streaming_api.json("maintenance/create/", key=operator.content_api_key, **params)["error"] == -2
        assert streaming_api.json("maintenance/create/", client_id=999999, **params)["error"] == -3
        assert not MaintenanceWindow.objects.exists()


class TestMaintenanceEdit:
    @pytest.fixture
    def window(self, streaming_api, channels):
        body = streaming_api.json("maintenance/create/", channel_prefix="news", datetime_begin="2030-01-01T10:00:00Z",
                                  datetime_end="2030-01-01T11:00:00Z")
        return MaintenanceWindow.objects.get(pk=body["id"])

    def test_changes_what_is_given(self, streaming_api, window, channels):
        body = streaming_api.json("maintenance/edit/", id=window.pk, datetime_end="2030-01-01T13:00:00Z",
                                  channel_prefix="sport", description="Longer")
        assert body == {"error": 0, "error_message": ""}
        window.refresh_from_db()
        assert window.starts_at == datetime(2030, 1, 1, 10, tzinfo=UTC)
        assert window.ends_at == datetime(2030, 1, 1, 13, tzinfo=UTC) and window.comment == "Longer"
        assert list(window.channels.all()) == [channels["sport"]]

    def test_errors(self, streaming_api, window, channels):
        foreign = MaintenanceWindow.objects.create(client=factories.ClientFactory(),
                                                   starts_at=dj_timezone.now())
        assert streaming_api.json("maintenance/edit/", id=foreign.pk, description="x")["error"] == 1
        assert streaming_api.json("maintenance/edit/", id=999999, description="x")["error"] == 1
        assert streaming_api.json("maintenance/edit/", id=window.pk, channel_prefix="movies")["error"] == 2
        assert streaming_api.json("maintenance/edit/", description="x")["error"] == 20
        assert streaming_api.json("maintenance/edit/", id="x")["error"] == 20
        assert streaming_api.json("maintenance/edit/", id=window.pk, datetime_begin="2030-01-01T12:00:00Z")[
            "error"] == 20  # would begin after its end
        window.refresh_from_db()
        assert window.starts_at == datetime(2030, 1, 1, 10, tzinfo=UTC) and list(window.channels.all()) == [
            channels["news"]]


def test_token_check_route_is_not_shadowed(client, db):
    body = client.get("/streaming/api/streamservice/token/check/", {"token": "bogus"})
    assert body.status_code == 403 and set(body.json()) == {"error"}


class TestChannelMaintenanceRule:
    def test_windows_now_past_future_and_open_ended(self, channels, operator):
        news = channels["news"]
        now = dj_timezone.now()
        assert channel_maintenance(channel=news) is None
        past = MaintenanceWindow.objects.create(client=operator, starts_at=now - timedelta(hours=2),
                                                ends_at=now - timedelta(hours=1))
        future = MaintenanceWindow.objects.create(client=operator, starts_at=now + timedelta(hours=1))
        past.channels.add(news)
        future.channels.add(news)
        assert channel_maintenance(channel=news) is None
        current = MaintenanceWindow.objects.create(client=operator, starts_at=now - timedelta(minutes=5),
                                                   ends_at=now + timedelta(minutes=30))
        current.channels.add(news)
        assert channel_maintenance(channel=news).until == current.ends_at
        assert channel_maintenance(channel=channels["sport"]) is None
        open_ended = MaintenanceWindow.objects.create(client=operator, starts_at=now - timedelta(minutes=1))
        open_ended.channels.add(news)
        assert channel_maintenance(channel=news).until is None


class TestDeviceApiDuringMaintenance:
    @pytest.fixture
    def lineup(self, subscriber):
        client = subscriber.client
        factories.StreamServiceFactory(client=client, type=StreamServiceType.LIVE,
                                       url_mask="http://a.example/$prefix/index.m3u8?token=$token")
        factories.StreamServiceFactory(client=client, type=StreamServiceType.ARCHIVE,
                                       url_mask="http://a.example/$prefix/video-$flpbt-$flpdur.m3u8?token=$token")
        epg = factories.EpgChannelFactory(client=client)
        news = factories.ChannelFactory(client=client, url_prefix="news", max_archive_duration=72, epg_channel=epg)
        subscriber.tariff.channels.add(news)
        begin = dj_timezone.now() - timedelta(hours=3)
        programme = factories.EpgProgramFactory(epg_channel=epg, begin_time=begin, end_time=begin + timedelta(hours=1))
        return news, programme

    def test_urls_refused_while_the_works_last(self, logged_in, lineup, subscriber):
        news, programme = lineup
        assert logged_in.json("channel/url/", cid=news.pk, redirect=0)["error"] == 0
        now = dj_timezone.now()
        window = MaintenanceWindow.objects.create(client=subscriber.client, starts_at=now - timedelta(minutes=1),
                                                  ends_at=now + timedelta(minutes=20))
        window.channels.add(news)
        until = int(window.ends_at.timestamp())
        for method, params in (("channel/url/", {}), ("program/url/", {"pid": programme.pk})):
            body = logged_in.json(method, cid=news.pk, redirect=0, **params)
            assert body == {"error": 1, "error_message": "maintenance", "maintenance_until": until}, method
            assert logged_in.call(method, cid=news.pk, **params).status_code == 200  # no redirect either
        window.ends_at = None
        window.save()
        assert logged_in.json("channel/url/", cid=news.pk, redirect=0)["maintenance_until"] is None
        window.ends_at = now - timedelta(seconds=1)
        window.starts_at = now - timedelta(hours=1)
        window.save()
        assert logged_in.json("channel/url/", cid=news.pk, redirect=0)["error"] == 0
        assert logged_in.json("program/url/", cid=news.pk, pid=programme.pk, redirect=0)["error"] == 0

    def test_maintenance_announced_through_the_api_reaches_apps(self, client, logged_in, lineup, subscriber):
        news, _ = lineup
        signed = SignedAPI(client, subscriber.client, prefix="/streaming/api/", key_field="streaming_api_key")
        now = dj_timezone.now()
        body = signed.json("maintenance/create/", channel_prefix="news", datetime_begin=iso(now - timedelta(minutes=1)),
                        datetime_end=iso(now + timedelta(hours=1)))
        assert body["error"] == 0
        assert logged_in.json("channel/url/", cid=news.pk, redirect=0)["error_message"] == "maintenance"
