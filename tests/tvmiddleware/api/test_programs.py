"""Device API: program/list, program/detail, program/list/search."""
from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories
from tvmiddleware import services
from tvmiddleware.models import ContentPosition, EpgProgram


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def guide(subscriber):
    """A channel with 48 h of archive and a guide from 3 days ago to tomorrow (hourly), a second channel
    without archive on another EPG channel, both in the line-up; the first in the customer's tariff."""
    client = subscriber.client
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    epg = factories.EpgChannelFactory(client=client)
    other_epg = factories.EpgChannelFactory(client=client)
    channel = factories.ChannelFactory(client=client, name="News 24", epg_channel=epg, max_archive_duration=48)
    plain = factories.ChannelFactory(client=client, name="Plain", epg_channel=other_epg, sort=5)
    subscriber.tariff.channels.add(channel)
    rows = [EpgProgram(client=client, epg_channel=epg, name=f"Show {h}", begin_time=now + timedelta(hours=h),
                       end_time=now + timedelta(hours=h + 1), description=f"About {h}", category="talk",
                       rating=16, preview_url="https://img.example/p.jpg", meta={"genres": ["talk"]})
            for h in range(-72, 24)]
    rows += [EpgProgram(client=client, epg_channel=other_epg, name=f"Plain show {h}",
                        begin_time=now + timedelta(hours=h), end_time=now + timedelta(hours=h + 1))
             for h in range(-3, 3)]
    EpgProgram.objects.bulk_create(rows)
    programmes = {p.name: p for p in EpgProgram.objects.filter(epg_channel__in=[epg, other_epg])}
    return SimpleNamespace(client=client, now=now, epg=epg, channel=channel, plain=plain, programmes=programmes)


def ts(value: datetime) -> int:
    return int(value.timestamp())


class TestProgramList:
    def test_time_window_fields_and_archive_flags(self, logged_in, subscriber, guide):
        blocked = guide.programmes["Show -3"]
        blocked.is_blocked = True
        blocked.save()
        ContentPosition.objects.create(client=guide.client, account=subscriber.account, content_type="program",
                                       content_id=guide.programmes["Show -2"].pk, position=120)
        body = logged_in.json("program/list/", cid=guide.channel.pk, time_from=ts(guide.now - timedelta(hours=50)),
                              time_to=ts(guide.now + timedelta(hours=2)))
        assert body["error"] == 0
        programs = {p["name"]: p for p in body["programs"]}
        assert list(programs)[0] == "Show -50" and list(programs)[-1] == "Show 1"
        show = programs["Show -2"]
        assert show == {
            "id": guide.programmes["Show -2"].pk, "begin_time": ts(guide.now - timedelta(hours=2)),
            "end_time": ts(guide.now - timedelta(hours=1)), "name": "Show -2", "short_name": "Show -2",
            "description": "About -2", "category": "talk", "preview": "https://img.example/p.jpg", "rating": 16,
            "meta": {"genres": ["talk"]}, "url": "", "has_record": 1, "has_subscription": 1, "ads_available": 0,
            "position": 120, "blocked": 0,
        }
        assert programs["Show -3"]["has_record"] == 0 and programs["Show -3"]["blocked"] == 1
        assert programs["Show -47"]["has_record"] == 1  # began less than 48 h ago
        assert programs["Show -49"]["has_record"] == 0  # older than the archive
        assert programs["Show 0"]["has_record"] == 0  # on air, not yet ended
        assert programs["Show 1"]["has_record"] == 0 and programs["Show 1"]["position"] == 0

    def test_no_archive_and_no_subscription(self, logged_in, guide):
        body = logged_in.json("program/list/", cid=guide.plain.pk, time_from=ts(guide.now - timedelta(hours=3)),
                              time_to=ts(guide.now))
        assert [p["name"] for p in body["programs"]] == ["Plain show -3", "Plain show -2", "Plain show -1"]
        assert {(p["has_record"], p["has_subscription"]) for p in body["programs"]} == {(0, 0)}

    def test_date_is_a_local_day(self, logged_in, guide, settings):
        settings.TIME_ZONE = "Europe/Moscow"  # UTC+3: the day starts at 21:00 UTC
        day = timezone.localdate(guide.now - timedelta(days=1))
        body = logged_in.json("program/list/", cid=guide.channel.pk, date=day.strftime("%d.%m.%Y"))
        begins = [p["begin_time"] for p in body["programs"]]
        midnight = timezone.make_aware(datetime.combine(day, datetime.min.time()))
        assert begins[0] == ts(midnight) and len(begins) == 24
        assert begins[-1] == ts(midnight + timedelta(hours=23))

    def test_default_is_today(self, logged_in, guide):
        body = logged_in.json("program/list/", cid=guide.channel.pk)
        today = timezone.localdate()
        assert body["error"] == 0 and body["programs"]
        assert all(timezone.localtime(datetime.fromtimestamp(p["begin_time"], tz=timezone.get_current_timezone()))
                   .date() == today for p in body["programs"])

    def test_pid_from(self, logged_in, guide):
        anchor = guide.programmes["Show -5"]
        body = logged_in.json("program/list/", cid=guide.channel.pk, pid_from=anchor.pk,
                              time_to=ts(guide.now - timedelta(hours=2)))
        assert [p["name"] for p in body["programs"]] == ["Show -5", "Show -4", "Show -3"]
        assert len(logged_in.json("program/list/", cid=guide.channel.pk, pid_from=anchor.pk)["programs"]) == 24

    def test_pid_from_unknown_or_of_another_channel_is_error_2(self, logged_in, guide):
        foreign = factories.EpgProgramFactory(epg_channel=factories.EpgChannelFactory(client=factories.ClientFactory()))
        for pid in (999999, guide.programmes["Plain show 0"].pk, foreign.pk):
            assert logged_in.json("program/list/", cid=guide.channel.pk, pid_from=pid)["error"] == 2

    @pytest.mark.parametrize("params", [
        {"date": "2024-01-31"}, {"date": "31.02.2024"}, {"date": "yesterday"}, {"date": "1.1.1"},
        {"time_from": "abc"}, {"time_from": -5}, {"time_from": 10**15},
        {"time_from": 2000, "time_to": 1000}, {"time_from": 0, "time_to": 86400 * 30},
        {"date": "01.01.2024", "time_from": 1000}, {"is_camera": 1}, {"pid_from": "x"},
    ])
    def test_bad_windows_are_error_1(self, logged_in, guide, params):
        assert logged_in.json("program/list/", cid=guide.channel.pk, **params)["error"] == 1

    def test_unknown_foreign_or_hidden_channel_is_error_1(self, logged_in, guide):
        foreign = factories.ChannelFactory(client=factories.ClientFactory(), epg_channel=None)
        hidden = factories.ChannelFactory(client=guide.client, epg_channel=guide.epg, is_hidden=True)
        for cid in (None, "abc", 999999, foreign.pk, hidden.pk):
            assert logged_in.json("program/list/", cid=cid)["error"] == 1

    def test_channel_without_guide_has_no_programmes(self, logged_in, guide):
        bare = factories.ChannelFactory(client=guide.client)
        assert logged_in.json("program/list/", cid=bare.pk) == {"programs": [], "error_message": "", "error": 0}

    def test_validators(self, logged_in, subscriber, guide):
        url = "/tvmiddleware/api/program/list/"
        params = {"client_id": guide.client.pk, "authkey": logged_in.authkey, "cid": guide.channel.pk,
                  "time_from": ts(guide.now - timedelta(hours=5)), "time_to": ts(guide.now + timedelta(hours=5))}
        first = logged_in.http.get(url, params)
        etag = first["ETag"]
        assert first.status_code == 200 and first["Last-Modified"] and "Cookie" in first["Vary"]
        assert logged_in.http.get(url, params, headers={"If-None-Match": etag}).status_code == 304
        assert logged_in.http.get(url, params,
                                  headers={"If-Modified-Since": first["Last-Modified"]}).status_code == 304
        other_window = {**params, "time_to": params["time_to"] + 3600}
        assert logged_in.http.get(url, other_window, headers={"If-None-Match": etag}).status_code == 200
        factories.EpgProgramFactory(epg_channel=guide.epg, begin_time=guide.now + timedelta(minutes=10),
                                    end_time=guide.now + timedelta(minutes=20))
        changed = logged_in.http.get(url, params, headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed["ETag"] != etag
        etag = changed["ETag"]
        ContentPosition.objects.create(client=guide.client, account=subscriber.account, content_type="program",
                                       content_id=guide.programmes["Show -2"].pk, position=5)
        assert logged_in.http.get(url, params, headers={"If-None-Match": etag}).status_code == 200
        etag = logged_in.http.get(url, params)["ETag"]
        services.tariff_remove(customer=subscriber.customer, tariff=subscriber.tariff)
        assert logged_in.http.get(url, params, headers={"If-None-Match": etag}).status_code == 200

    def test_query_count_does_not_grow_with_programmes(self, logged_in, guide):
        def count(hours: int) -> int:
            params = dict(cid=guide.channel.pk, time_from=ts(guide.now - timedelta(hours=hours)),
                          time_to=ts(guide.now))
            logged_in.json("program/list/", **params)
            with CaptureQueriesContext(connection) as queries:
                assert len(logged_in.json("program/list/", **params)["programs"]) == hours
            return len(queries)

        assert count(5) == count(50) <= 7


class TestProgramDetail:
    def test_fields(self, logged_in, subscriber, guide):
        programme = guide.programmes["Show -1"]
        ContentPosition.objects.create(client=guide.client, account=subscriber.account, content_type="program",
                                       content_id=programme.pk, position=33)
        body = logged_in.json("program/detail/", pid=programme.pk, cid=guide.channel.pk)
        assert body["error"] == 0
        assert body["id"] == programme.pk and body["name"] == "Show -1" and body["short_name"] == "Show -1"
        assert body["begin_time"] == ts(programme.begin_time) and body["end_time"] == ts(programme.end_time)
        assert body["description"] == "About -1" and body["category"] == "talk" and body["rating"] == 16
        assert body["preview"] == "https://img.example/p.jpg" and body["meta"] == {"genres": ["talk"]}
        assert body["has_record"] == 1 and body["has_subscription"] == 1 and body["position"] == 33
        assert body["blocked"] == 0 and body["url"] == "" and body["ads_available"] == 0
        # without cid: the channel that shows the programme
        assert logged_in.json("program/detail/", pid=programme.pk)["has_record"] == 1

    def test_unknown_foreign_or_mismatched_is_error_1(self, logged_in, guide):
        foreign = factories.EpgProgramFactory(epg_channel=factories.EpgChannelFactory(client=factories.ClientFactory()))
        orphan = factories.EpgProgramFactory(epg_channel=factories.EpgChannelFactory(client=guide.client))
        assert logged_in.json("program/detail/", pid=999999)["error"] == 1
        assert logged_in.json("program/detail/", pid=foreign.pk)["error"] == 1
        assert logged_in.json("program/detail/", pid=orphan.pk)["error"] == 1  # on no channel of the line-up
        assert logged_in.json("program/detail/", pid=guide.programmes["Show 0"].pk, cid=guide.plain.pk)["error"] == 1
        for bad in ({"pid": "abc"}, {"pid": None}, {"pid": 1, "cid": -1}):
            assert logged_in.json("program/detail/", **bad)["error"] == 1


class TestProgramSearch:
    def test_upcoming_and_archived_matches(self, logged_in, guide):
        upcoming = [r["program_name"] for r in logged_in.json("program/list/search/", search="show 1",
                                                                  limit=100)["results"]]
        assert upcoming == ["Show 1", "Plain show 1"] + [f"Show {h}" for h in range(10, 20)]
        body = logged_in.json("program/list/search/", search="show -1", limit=100)
        assert body["error"] == 0
        names = [r["program_name"] for r in body["results"]]
        # in the 48 h archive of "News 24"; "Plain show -1" has ended on a channel without archive
        assert names == [f"Show -{h}" for h in range(19, 9, -1)] + ["Show -1"]
        assert "Show -51" not in [r["program_name"] for r in
                                  logged_in.json("program/list/search/", search="show -5", limit=100)["results"]]
        row = next(r for r in body["results"] if r["program_name"] == "Show -1")
        programme = guide.programmes["Show -1"]
        assert row == {
            "id": guide.channel.pk, "name": "News 24", "icon": "", "category_id": None, "has_record": 1,
            "blocked": 0, "has_subscription": 1, "url": "", "program_id": programme.pk,
            "program_begin_time": ts(programme.begin_time), "program_end_time": ts(programme.end_time),
            "program_name": "Show -1", "program_short_name": "Show -1", "program_description": "About -1",
            "program_category": "talk", "program_rating": 16, "program_preview_url": "https://img.example/p.jpg",
            "program_meta": {"genres": ["talk"]},
        }
        begins = [r["program_begin_time"] for r in body["results"]]
        assert begins == sorted(begins)

    def test_only_archive_skip_unavailable_and_pages(self, logged_in, guide):
        archive = logged_in.json("program/list/search/", search="SHOW", only_archive=1, limit=100)["results"]
        assert archive and all(r["has_record"] == 1 for r in archive)
        assert len(archive) == 47  # ended and began less than 48 h ago
        mine = logged_in.json("program/list/search/", search="show", skip_unavailable=1, limit=100)["results"]
        assert {r["id"] for r in mine} == {guide.channel.pk}
        page1 = logged_in.json("program/list/search/", search="show", limit=5)["results"]
        page2 = logged_in.json("program/list/search/", search="show", limit=5, page=2)["results"]
        assert len(page1) == len(page2) == 5
        assert not {r["program_id"] for r in page1} & {r["program_id"] for r in page2}
        assert len(logged_in.json("program/list/search/", search="show")["results"]) == 20  # default limit

    def test_search_window_in_days(self, logged_in, guide, settings):
        settings.TVMIDDLEWARE_PROGRAM_LIST_SEARCH_DAYS = 0
        results = logged_in.json("program/list/search/", search="show", limit=100)["results"]
        assert results and all(r["program_begin_time"] < ts(timezone.now()) for r in results)

    def test_other_operators_programmes_are_not_found(self, logged_in, guide):
        other = factories.ClientFactory()
        epg = factories.EpgChannelFactory(client=other)
        factories.ChannelFactory(client=other, epg_channel=epg)
        factories.EpgProgramFactory(epg_channel=epg, name="Secret show",
                                    begin_time=timezone.now() + timedelta(hours=1))
        assert logged_in.json("program/list/search/", search="secret")["results"] == []

    @pytest.mark.parametrize("params", [{}, {"search": ""}, {"search": "x", "limit": 101}, {"search": "x", "page": 0},
                                        {"search": "x", "only_archive": 2}, {"search": "x" * 500}])
    def test_bad_parameters_are_error_1(self, logged_in, guide, params):
        assert logged_in.json("program/list/search/", **params)["error"] == 1

    def test_query_count_is_constant(self, logged_in, guide):
        logged_in.json("program/list/search/", search="show")
        with CaptureQueriesContext(connection) as small:
            logged_in.json("program/list/search/", search="show", limit=2)
        with CaptureQueriesContext(connection) as large:
            logged_in.json("program/list/search/", search="show", limit=100)
        assert len(small) == len(large) <= 4
