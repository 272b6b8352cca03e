"""The busiest device-API methods answer without SQL once warm, and their caches follow every change.

What is cached where, and how each copy is kept current: docs/design.md ("The device API's hot path
reads no SQL when warm").
"""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories
from tvmiddleware.models import AccountChannelSetting, ContentPosition, EpgProgram, Message, StreamServiceType
from tvmiddleware.selectors import account_facts, guide_cache
from tvmiddleware.services.account_settings import (
    ChannelPreference, channel_setting_update, channels_sort_save, message_mark_read,
)

from .conftest import API


@pytest.fixture
def world(subscriber):
    """A line-up with live and archive servers and an hourly guide from three days ago to tomorrow."""
    client = subscriber.client
    factories.StreamServiceFactory(client=client, name="Live", type=StreamServiceType.LIVE,
                                   url_mask="http://a.example/$prefix/index.m3u8?token=$token")
    factories.StreamServiceFactory(client=client, name="Archive", type=StreamServiceType.ARCHIVE,
                                   url_mask="http://a.example/$prefix/video-$flpbt-$flpdur.m3u8?token=$token")
    epg = factories.EpgChannelFactory(client=client)
    news = factories.ChannelFactory(client=client, name="News", url_prefix="news", max_archive_duration=72,
                                    epg_channel=epg)
    locked = factories.ChannelFactory(client=client, name="Late", url_prefix="late", is_parent_control=True)
    subscriber.tariff.channels.add(news, locked)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    EpgProgram.objects.bulk_create([
        EpgProgram(client=client, epg_channel=epg, name=f"Show {h}", begin_time=now + timedelta(hours=h),
                   end_time=now + timedelta(hours=h + 1)) for h in range(-72, 24)])
    programmes = {p.name: p for p in EpgProgram.objects.filter(epg_channel=epg)}
    return SimpleNamespace(client=client, news=news, locked=locked, epg=epg, now=now, programmes=programmes)


def _mix(api, world) -> list[tuple[str, dict]]:
    start = int((world.now - timedelta(hours=1)).timestamp())
    return [
        ("account/status/", {}),
        ("channel/list/", {}),
        ("portal/settings/list/", {"api_key": world.client.api_key, "device": "android_stb", "authkey": None}),
        ("channel/list/programs/", {"channel_ids": f"{world.news.pk},{world.locked.pk}",
                                    "programs_from_ts": start, "programs_to_ts": start + 10800}),
        ("channel/url/", {"cid": world.news.pk, "redirect": 0}),
        ("channel/url/", {"cid": world.locked.pk, "redirect": 0}),
        ("health/check/", {}),
        ("program/list/", {"cid": world.news.pk, "date": timezone.localdate().strftime("%d.%m.%Y")}),
        ("program/url/", {"cid": world.news.pk, "pid": world.programmes["Show -3"].pk, "redirect": 0}),
    ]


def _call(api, method: str, params: dict) -> dict:
    if params.get("authkey", "") is None:  # a method without session
        params = {k: v for k, v in params.items() if k != "authkey"}
        response = api.http.get(API + method, {"client_id": api.subscriber.client.pk, **params})
    else:
        response = api.call(method, **params)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["error"] == 0, body
    return body


def test_the_busiest_methods_run_no_sql_when_warm(logged_in, world):
    for method, params in _mix(logged_in, world):
        _call(logged_in, method, dict(params))  # warms this method's caches
    for method, params in _mix(logged_in, world):
        with CaptureQueriesContext(connection) as queries:
            _call(logged_in, method, dict(params))
        assert [q["sql"] for q in queries] == [], method


class TestAccountFacts:
    def test_a_channel_setting_shows_at_once(self, logged_in, world, subscriber):
        def favourite() -> int:
            channels = _call(logged_in, "channel/list/", {})["channels"]
            return {c["id"]: c["is_favorited"] for c in channels}[world.news.pk]

        assert favourite() == 0
        channel_setting_update(account=subscriber.account, channel_id=world.news.pk, is_favorited=True)
        assert favourite() == 1
        AccountChannelSetting.objects.filter(account=subscriber.account).delete()  # as the panel deletes
        assert favourite() == 0

    def test_the_bulk_sort_renews_the_flags(self, logged_in, world, subscriber):
        _call(logged_in, "channel/list/", {})
        channels_sort_save(account=subscriber.account, items=[
            ChannelPreference(channel_id=world.locked.pk, sort=1, is_favorited=True),
            ChannelPreference(channel_id=world.news.pk, sort=2)])
        channels = _call(logged_in, "channel/list/", {})["channels"]
        assert [c["id"] for c in channels] == [world.locked.pk, world.news.pk] and channels[0]["is_favorited"] == 1

    def test_messages_broadcast_read_and_expiry(self, logged_in, world, subscriber):
        assert _call(logged_in, "account/status/", {})["has_new_messages"] == 0
        broadcast = Message.objects.create(client=world.client, subject="All", text="Maintenance tonight", urgent=True)
        status = _call(logged_in, "account/status/", {})
        assert status["has_new_messages"] == 1 and status["message"]["text"] == "Maintenance tonight"
        own = Message.objects.create(client=world.client, account=subscriber.account, subject="You", text="Pay",
                                     urgent=True, expires_at=timezone.now() + timedelta(seconds=1))
        assert _call(logged_in, "account/status/", {})["message"]["text"] == "Pay"  # the newest urgent one
        own.expires_at = timezone.now() - timedelta(seconds=1)
        own.save()
        assert _call(logged_in, "account/status/", {})["message"]["text"] == "Maintenance tonight"
        message_mark_read(account=subscriber.account, message=broadcast)
        assert _call(logged_in, "account/status/", {})["has_new_messages"] == 0

    def test_a_stored_answer_is_not_used_past_the_expiry_of_its_message(self, logged_in, world, subscriber):
        Message.objects.create(client=world.client, account=subscriber.account, subject="Soon", text="gone",
                               expires_at=timezone.now() + timedelta(hours=1))
        first = account_facts.poll_facts(client_id=world.client.pk, account_id=subscriber.account.pk,
                                         now=timezone.now()).first_unread
        assert first["text"] == "gone"
        later = timezone.now() + timedelta(hours=2)
        assert account_facts.poll_facts(client_id=world.client.pk, account_id=subscriber.account.pk,
                                        now=later).first_unread is None

    def test_positions_make_program_list_the_accounts_own(self, logged_in, world, subscriber):
        params = {"cid": world.news.pk, "date": timezone.localdate().strftime("%d.%m.%Y")}
        shown = world.programmes["Show -3"]
        before = {p["id"]: p["position"] for p in _call(logged_in, "program/list/", params)["programs"]}
        assert before.get(shown.pk, 0) == 0
        ContentPosition.objects.create(client=world.client, account=subscriber.account, content_type="program",
                                       content_id=shown.pk, position=42)
        after = {p["id"]: p["position"] for p in _call(logged_in, "program/list/", params)["programs"]}
        if shown.pk in after:  # "Show -3" is today unless the test runs in the first hours of the day
            assert after[shown.pk] == 42
        assert account_facts.programme_positions(client_id=world.client.pk, account_id=subscriber.account.pk)[0] == 1


class TestVersionTokens:
    def test_a_value_read_before_a_change_committed_is_never_used_after_it(self, db):
        from common.versioned_cache import VersionedEntries, renew_versions

        entries = VersionedEntries("test-race")
        state = {"value": "old"}

        def load_during_a_write():
            seen = state["value"]
            state["value"] = "new"
            renew_versions(["thing:1"])  # the writer commits while this reader still holds "old"
            return seen

        assert entries.get(key=1, versions=["thing:1"], load=load_during_a_write) == "old"
        assert entries.get(key=1, versions=["thing:1"], load=lambda: state["value"]) == "new"
        assert entries.get(key=1, versions=["thing:1"], load=lambda: "not read") == "new"  # stored now

    def test_a_lost_version_starts_afresh(self, db):
        from common.versioned_cache import VersionedEntries

        entries = VersionedEntries("test-lost")
        assert entries.get(key=1, versions=["thing:2"], load=lambda: "first") == "first"
        cache.delete("tvmw:version:thing:2")  # evicted, or deleted during an outage
        assert entries.get(key=1, versions=["thing:2"], load=lambda: "second") == "second"


class TestGuideCache:
    def test_windows_match_the_database(self, world):
        """Every window, overlapping or by start, answers what the SQL would, across day boundaries."""
        from tvmiddleware.selectors.channels import programmes_overlapping

        EpgProgram.objects.create(client=world.client, epg_channel=world.epg, name="Marathon",
                                  begin_time=world.now - timedelta(hours=80), end_time=world.now - timedelta(hours=20))
        for hours_from, length in ((-75, 3), (-30, 30), (-1, 2), (-49, 48), (0, 1), (23, 5), (-100, 200)):
            time_from = world.now + timedelta(hours=hours_from, minutes=17)
            time_to = time_from + timedelta(hours=length)
            expected = [row["id"] for row in programmes_overlapping(
                client=world.client, epg_channel_ids=[world.epg.pk], time_from=time_from, time_to=time_to)
                .values("id")]
            got = guide_cache.programmes_by_channel(client_id=world.client.pk, epg_channel_ids=[world.epg.pk],
                                                    time_from=time_from, time_to=time_to)
            assert [row["id"] for row in got.get(world.epg.pk, [])] == expected, (hours_from, length)
            begins = list(EpgProgram.objects.filter(epg_channel=world.epg, begin_time__gte=time_from,
                                                    begin_time__lt=time_to).order_by("begin_time", "id")
                          .values_list("id", flat=True))
            got = guide_cache.programmes_by_channel(client_id=world.client.pk, epg_channel_ids=[world.epg.pk],
                                                    time_from=time_from, time_to=time_to, begins_in_window=True)
            assert [row["id"] for row in got.get(world.epg.pk, [])] == begins, (hours_from, length)

    def test_missing_days_of_many_channels_are_read_in_one_query(self, world):
        epgs = [factories.EpgChannelFactory(client=world.client) for _ in range(10)]
        # The first query of a shape also checks its prepared plan (common/prepared.py): not counted.
        guide_cache.programmes_by_channel(client_id=world.client.pk, epg_channel_ids=[e.pk for e in epgs[5:]],
                                          time_from=world.now - timedelta(days=3), time_to=world.now)
        epgs = epgs[:5]
        with CaptureQueriesContext(connection) as queries:
            guide_cache.programmes_by_channel(client_id=world.client.pk, epg_channel_ids=[e.pk for e in epgs],
                                              time_from=world.now - timedelta(days=3), time_to=world.now)
        assert len(queries) == 1

    def test_a_change_in_another_process_shows_within_the_refresh(self, world, monkeypatch):
        window = dict(client_id=world.client.pk, epg_channel_ids=[world.epg.pk], time_from=world.now,
                      time_to=world.now + timedelta(hours=2))
        first = guide_cache.programmes_by_channel(**window)[world.epg.pk]
        EpgProgram.objects.filter(pk=first[0]["id"]).update(name="Renamed elsewhere")  # no signal here
        assert guide_cache.programmes_by_channel(**window)[world.epg.pk][0]["name"] == first[0]["name"]
        cache.set(guide_cache.GUIDE.key, 12345)  # what the other process's commit leaves in Redis
        monkeypatch.setattr(guide_cache.GUIDE, "_read_at", float("-inf"))  # its refresh second has passed
        assert guide_cache.programmes_by_channel(**window)[world.epg.pk][0]["name"] == "Renamed elsewhere"

    def test_an_import_renews_the_guide(self, world):
        from tvmiddleware.models import EpgChannel
        from tvmiddleware.services.epg import epg_import_xmltv, epg_source_for_url

        source = epg_source_for_url(client=world.client, url="http://epg.example/guide.xml")
        start = world.now.strftime("%Y%m%d%H%M%S +0000")
        end = (world.now + timedelta(hours=1)).strftime("%Y%m%d%H%M%S +0000")

        def feed(title: str) -> bytes:
            return (f'<tv><channel id="x"><display-name>X</display-name></channel><programme channel="x" '
                    f'start="{start}" stop="{end}"><title>{title}</title></programme></tv>').encode()

        epg_import_xmltv(source=source, data=feed("First"))
        epg = EpgChannel.objects.get(source=source, ext_id="x")
        window = dict(client_id=world.client.pk, epg_channel_ids=[epg.pk], time_from=world.now,
                      time_to=world.now + timedelta(hours=1))
        assert guide_cache.programmes_by_channel(**window)[epg.pk][0]["name"] == "First"
        generation = guide_cache.GUIDE.current()
        epg_import_xmltv(source=source, data=feed("Second"))
        assert guide_cache.GUIDE.current() != generation
        assert guide_cache.programmes_by_channel(**window)[epg.pk][0]["name"] == "Second"


class TestHealthProbe:
    def test_polling_reuses_a_successful_probe_for_a_second(self, client, db):
        assert client.get("/tvmiddleware/api/health/check/").json()["alive"] == 1
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/tvmiddleware/api/health/check/").json()["alive"] == 1
        assert len(queries) == 0

    def test_a_failed_probe_is_not_reused(self, client, db, monkeypatch):
        from apis import health

        monkeypatch.setattr(health, "_check_databases", lambda: ["database default: OperationalError"])
        assert client.get("/tvmiddleware/api/health/check/").status_code == 503
        monkeypatch.undo()
        assert client.get("/tvmiddleware/api/health/check/").json()["alive"] == 1
