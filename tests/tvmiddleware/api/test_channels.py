"""Device API: category/list, channel/list (+search, +programs), channel/detail, and HTTP validators."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories
from tvmiddleware import services
from tvmiddleware.models import AccountChannelSetting, Channel, EpgProgram, EpgSource

SESSION_METHODS = ["category/list/", "channel/list/", "channel/list/search/", "channel/list/programs/",
                   "channel/detail/", "program/list/", "program/detail/", "program/list/search/"]


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def build_lineup(subscriber):
    """Two visible channels (one with a guide on air), one hidden and one disabled, two categories."""
    client = subscriber.client
    news = factories.ChannelCategoryFactory(client=client, name="News", sort=1)
    sport = factories.ChannelCategoryFactory(client=client, name="Sport", sort=2)
    epg = factories.EpgChannelFactory(client=client)
    first = factories.ChannelFactory(client=client, name="First", sort=10, category=news, epg_channel=epg,
                                     max_archive_duration=48, lcn_number=1, option1="o1", timeshift_offset=2)
    second = factories.ChannelFactory(client=client, name="Second Sport", sort=20, category=sport,
                                      is_parent_control=True)
    hidden = factories.ChannelFactory(client=client, name="Hidden", sort=30, category=news, is_hidden=True)
    disabled = factories.ChannelFactory(client=client, name="Disabled", sort=40, category=news, enabled=False)
    second.additional_categories.add(news)
    subscriber.tariff.channels.add(first)
    now = timezone.now()
    current = factories.EpgProgramFactory(epg_channel=epg, begin_time=now - timedelta(minutes=30),
                                          end_time=now + timedelta(minutes=30), name="Evening news",
                                          description="Today", category="news", rating=12,
                                          meta={"year": "2024"})
    following = factories.EpgProgramFactory(epg_channel=epg, begin_time=now + timedelta(minutes=30),
                                            end_time=now + timedelta(minutes=90), name="Weather")
    return SimpleNamespace(client=client, news=news, sport=sport, epg=epg, first=first, second=second,
                           hidden=hidden, disabled=disabled, current=current, following=following)


@pytest.fixture
def lineup(subscriber):
    return build_lineup(subscriber)


def channels(api, **params) -> list[dict]:
    body = api.json("channel/list/", **params)
    assert body["error"] == 0, body
    return body["channels"]


def by_id(items: list[dict]) -> dict[int, dict]:
    return {item["id"]: item for item in items}


class TestSession:
    @pytest.mark.parametrize("method", SESSION_METHODS)
    def test_every_method_needs_a_session(self, api, lineup, method):
        assert api.json(method, cid=lineup.first.pk, pid=lineup.current.pk, search="a")["error"] == 403
        api.authkey = "f" * 128
        assert api.json(method, cid=lineup.first.pk, pid=lineup.current.pk, search="a")["error"] == 403

    def test_session_in_a_cookie(self, logged_in, lineup):
        logged_in.http.cookies["authkey"] = logged_in.authkey
        response = logged_in.http.get("/tvmiddleware/api/channel/list/", {"client_id": lineup.client.pk})
        assert response.json()["error"] == 0

    @pytest.mark.parametrize("route", ["channel/list", "category/list", "program/list/search"])
    def test_routes_without_trailing_slash(self, logged_in, lineup, route):
        assert logged_in.call(route, search="x").status_code == 200


class TestChannelList:
    def test_visible_channels_in_order_with_fields(self, logged_in, lineup):
        items = channels(logged_in)
        assert [c["id"] for c in items] == [lineup.first.pk, lineup.second.pk]
        first = items[0]
        assert first["name"] == "First" and first["category_id"] == lineup.news.pk and first["url"] == ""
        assert first["has_record"] == 1 and first["max_archive_duration"] == 48
        assert first["has_subscription"] == 1 and first["is_parent_control"] == 0
        assert first["is_favorited"] == 0 and first["is_hidden"] == 0
        assert first["timeshift_offset"] == 2 and first["channel_sort"] == 10 and first["lcn_number"] == 1
        assert first["icon"] == "" and first["additional_categories"] == []
        assert first["program_id"] == lineup.current.pk and first["program_name"] == "Evening news"
        assert first["program_begin_time"] == int(lineup.current.begin_time.timestamp())
        assert first["program_end_time"] == int(lineup.current.end_time.timestamp())
        assert first["program_description"] == "Today" and first["program_category"] == "news"
        assert first["program_rating"] == 12 and first["program_meta"] == {"year": "2024"}
        assert first["program_preview_url"] == ""
        assert first["next_program_id"] == lineup.following.pk and first["next_program_name"] == "Weather"
        assert first["option1"] == "o1" and first["option2"] == "" and first["option3"] == ""
        second = items[1]
        assert second["has_subscription"] == 0 and second["is_parent_control"] == 1 and second["has_record"] == 0
        assert second["additional_categories"] == [{"id": lineup.news.pk, "name": "News"}]
        assert second["program_id"] is None and second["program_name"] == ""
        assert second["next_program_id"] is None

    def test_gap_in_the_guide_gives_only_the_next_programme(self, logged_in, lineup):
        lineup.current.delete()
        first = channels(logged_in)[0]
        assert first["program_id"] is None and first["next_program_id"] == lineup.following.pk

    def test_icon_is_an_absolute_url(self, logged_in, lineup):
        Channel.objects.filter(pk=lineup.first.pk).update(icon="channel_icons/first.png")
        assert channels(logged_in)[0]["icon"] == "http://testserver/media/channel_icons/first.png"

    def test_compact_omits_programme_and_option_fields(self, logged_in, lineup):
        first = channels(logged_in, compact=1)[0]
        assert "program_id" not in first and "next_program_name" not in first and "option1" not in first
        assert first["name"] == "First" and first["has_subscription"] == 1

    def test_search_page_and_limit(self, logged_in, lineup):
        assert [c["id"] for c in channels(logged_in, search="sPORT")] == [lineup.second.pk]
        assert channels(logged_in, search="hidden") == []
        assert [c["id"] for c in channels(logged_in, limit=1)] == [lineup.first.pk]
        assert [c["id"] for c in channels(logged_in, limit=1, page=2)] == [lineup.second.pk]
        assert channels(logged_in, limit=1, page=3) == []
        assert channels(logged_in, search="' OR 1=1 --") == []

    @pytest.mark.parametrize("params", [
        {"page": 0}, {"page": "abc"}, {"limit": -1}, {"limit": 100000}, {"compact": 5}, {"account_sort": "x"},
        {"search": "x" * 201}, {"icon_width": "wide"}, {"channel_sort_id": 1}, {"page": "9" * 30},
    ])
    def test_bad_parameters_are_error_1(self, logged_in, lineup, params):
        assert logged_in.json("channel/list/", **params)["error"] == 1

    def test_account_sort_and_flags(self, logged_in, subscriber, lineup):
        AccountChannelSetting.objects.create(client=lineup.client, account=subscriber.account, channel=lineup.second,
                                             sort=1, is_favorited=True, is_hidden=True)
        items = channels(logged_in)
        assert [c["id"] for c in items] == [lineup.second.pk, lineup.first.pk]
        second = by_id(items)[lineup.second.pk]
        assert second["channel_sort"] == 1 and second["is_favorited"] == 1 and second["is_hidden"] == 1
        # account_sort=0: the operator's order
        assert [c["id"] for c in channels(logged_in, account_sort=0)] == [lineup.first.pk, lineup.second.pk]

    def test_parental_flag_per_channel_and_per_account(self, logged_in, subscriber, lineup):
        def locked() -> dict[int, int]:
            return {c["id"]: c["is_parent_control"] for c in channels(logged_in)}

        assert locked() == {lineup.first.pk: 0, lineup.second.pk: 1}
        for channel, value in ((lineup.first, True), (lineup.second, False)):
            AccountChannelSetting.objects.create(client=lineup.client, account=subscriber.account, channel=channel,
                                                 is_parent_control=value)
        assert locked() == {lineup.first.pk: 1, lineup.second.pk: 0}
        for setting in AccountChannelSetting.objects.filter(account=subscriber.account):
            setting.is_parent_control = None  # saved as the services and the admin save (the cache follows saves)
            setting.save()
        assert locked() == {lineup.first.pk: 0, lineup.second.pk: 1}

    def test_has_subscription_follows_tariffs(self, logged_in, subscriber, lineup):
        sport = factories.TariffFactory(client=lineup.client, name="Sport", basic_tariff_priority=0)
        sport.channels.add(lineup.second)
        assert by_id(channels(logged_in))[lineup.second.pk]["has_subscription"] == 0
        services.tariff_assign(customer=subscriber.customer, tariff=sport)
        assert by_id(channels(logged_in))[lineup.second.pk]["has_subscription"] == 1
        services.tariff_remove(customer=subscriber.customer, tariff=sport)
        assert by_id(channels(logged_in))[lineup.second.pk]["has_subscription"] == 0
        # a disabled tariff opens nothing
        services.tariff_assign(customer=subscriber.customer, tariff=sport)
        sport.enabled = False
        sport.save()
        assert by_id(channels(logged_in))[lineup.second.pk]["has_subscription"] == 0

    def test_other_operators_channels_are_not_listed(self, logged_in, lineup):
        other = factories.ClientFactory()
        foreign = factories.ChannelFactory(client=other, name="First foreign")
        assert foreign.pk not in by_id(channels(logged_in))
        assert foreign.pk not in by_id(channels(logged_in, search="foreign"))

    def test_inactive_account_still_gets_the_list(self, logged_in, subscriber, lineup):
        services.account_block_for_debt(account=subscriber.account)
        items = channels(logged_in)
        assert len(items) == 2 and items[0]["url"] == ""

    def test_post_is_accepted(self, logged_in, lineup):
        assert logged_in.call("channel/list/", post=True).json()["error"] == 0


def _make_channels(subscriber, count: int) -> None:
    """`count` channels, each with its own guide (a current and two next programmes), categories and
    account flags, half of them in the customer's tariff."""
    client = subscriber.client
    category = factories.ChannelCategoryFactory(client=client)
    now = timezone.now()
    programmes = []
    for index in range(count):
        epg = factories.EpgChannelFactory(client=client)
        channel = factories.ChannelFactory(client=client, category=category, epg_channel=epg, sort=index)
        channel.additional_categories.add(category)
        if index % 2:
            subscriber.tariff.channels.add(channel)
            AccountChannelSetting.objects.create(client=client, account=subscriber.account, channel=channel,
                                                 is_favorited=True, sort=count - index)
        for hour in range(-1, 2):
            programmes.append(EpgProgram(client=client, epg_channel=epg, name=f"P{index}/{hour}",
                                         begin_time=now + timedelta(hours=hour, minutes=-10),
                                         end_time=now + timedelta(hours=hour + 1, minutes=-10)))
    EpgProgram.objects.bulk_create(programmes)


class TestQueryCount:
    def _count(self, api, method: str, **params) -> int:
        api.json(method, **params)  # warm the session cache
        with CaptureQueriesContext(connection) as queries:
            body = api.call(method, post=method.endswith("programs/"), **params).json()
        assert body["error"] == 0, body
        return len(queries)

    @pytest.mark.parametrize("method,params", [
        ("channel/list/", {}), ("channel/list/", {"compact": 1}), ("channel/list/search/", {"search": "chan"}),
        ("channel/list/programs/", {"programs_from_ts": 1, "programs_to_ts": 86400 * 3}),
        ("category/list/", {}),
    ])
    def test_constant_for_5_and_50_channels(self, logged_in, subscriber, method, params):
        if method == "channel/list/programs/":
            now = int(timezone.now().timestamp())
            params = {"programs_from_ts": now - 3600, "programs_to_ts": now + 3600}
        _make_channels(subscriber, 5)
        small = self._count(logged_in, method, **params)
        _make_channels(subscriber, 45)
        cache.clear()
        assert len(channels(logged_in)) == 50
        large = self._count(logged_in, method, **params)
        assert small == large, (small, large)
        assert large <= 8

    def test_full_list_within_budget(self, logged_in, subscriber, django_assert_max_num_queries):
        _make_channels(subscriber, 50)
        logged_in.json("channel/list/")
        with django_assert_max_num_queries(8):
            assert len(channels(logged_in)) == 50


class TestValidators:
    def _get(self, api, headers: dict | None = None, method: str = "channel/list/", **params):
        params = {"client_id": api.subscriber.client.pk, "authkey": api.authkey, **params}
        return api.http.get("/tvmiddleware/api/" + method, params, headers=headers or {})

    def test_etag_and_last_modified_round_trip(self, logged_in, lineup):
        response = self._get(logged_in)
        assert response.status_code == 200
        etag, last_modified = response["ETag"], response["Last-Modified"]
        assert etag.startswith('W/"') and last_modified.endswith("GMT")
        assert "Cookie" in response["Vary"] and "private" in response["Cache-Control"]
        again = self._get(logged_in, {"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
        assert self._get(logged_in, {"If-None-Match": etag.removeprefix("W/")}).status_code == 304
        assert self._get(logged_in, {"If-None-Match": '"other", ' + etag}).status_code == 304
        assert self._get(logged_in, {"If-None-Match": '"other"'}).status_code == 200
        assert self._get(logged_in, {"If-Modified-Since": last_modified}).status_code == 304
        assert self._get(logged_in, {"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}).status_code == 200
        assert self._get(logged_in, {"If-Modified-Since": "garbage"}).status_code == 200
        # another page of the list is another resource
        assert self._get(logged_in, {"If-None-Match": etag}, limit=1).status_code == 200

    def test_no_session_gets_no_304(self, api, lineup):
        response = api.http.get("/tvmiddleware/api/channel/list/", {"client_id": lineup.client.pk},
                                headers={"If-None-Match": "*"})
        assert response.status_code == 200 and response.json()["error"] == 403

    @pytest.mark.parametrize("change", ["tariff_removed", "tariff_channel_removed", "channel_renamed",
                                        "channel_hidden", "account_setting", "setting_removed",
                                        "programme_started", "epg_imported"])
    def test_a_change_changes_the_validators(self, logged_in, subscriber, lineup, change):
        first = self._get(logged_in)
        etag, last_modified = first["ETag"], first["Last-Modified"]
        if change == "setting_removed":
            AccountChannelSetting.objects.create(client=lineup.client, account=subscriber.account,
                                                 channel=lineup.first, is_favorited=True)
            etag, last_modified = (lambda r: (r["ETag"], r["Last-Modified"]))(self._get(logged_in))
        _apply(change, subscriber, lineup)
        response = self._get(logged_in, {"If-None-Match": etag})
        assert response.status_code == 200 and response["ETag"] != etag
        assert self._get(logged_in, {"If-Modified-Since": last_modified}).status_code == 200
        assert self._get(logged_in, {"If-None-Match": response["ETag"]}).status_code == 304

    def test_returning_to_an_earlier_state_does_not_revive_an_old_date(self, logged_in, subscriber, lineup):
        before = self._get(logged_in)
        setting = AccountChannelSetting.objects.create(client=lineup.client, account=subscriber.account,
                                                       channel=lineup.first, is_favorited=True)
        changed = self._get(logged_in)
        setting.delete()
        back = self._get(logged_in, {"If-Modified-Since": changed["Last-Modified"]})
        # same content as the first answer, but newer than what the client holds: a full answer
        assert back["ETag"] == before["ETag"] and back.status_code in (200, 304)
        if back.status_code == 304:  # only when both changes fell within one second
            assert back["Last-Modified"] == changed["Last-Modified"]


def _apply(change: str, subscriber, lineup) -> None:
    if change == "tariff_removed":
        services.tariff_remove(customer=subscriber.customer, tariff=subscriber.tariff)
    elif change == "tariff_channel_removed":
        subscriber.tariff.channels.remove(lineup.first)
    elif change == "channel_renamed":
        lineup.first.name = "First HD"
        lineup.first.save()
    elif change == "channel_hidden":
        lineup.second.is_hidden = True
        lineup.second.save()
    elif change == "account_setting":
        AccountChannelSetting.objects.create(client=lineup.client, account=subscriber.account, channel=lineup.first,
                                             is_parent_control=True)
    elif change == "setting_removed":
        AccountChannelSetting.objects.filter(account=subscriber.account).delete()
    elif change == "programme_started":
        # what the clock does: the current programme ends and the next one begins
        now = timezone.now()
        lineup.current.end_time = now - timedelta(seconds=1)
        lineup.current.begin_time = now - timedelta(minutes=40)
        lineup.current.save()
        lineup.following.begin_time = now - timedelta(seconds=1)
        lineup.following.save()
    elif change == "epg_imported":
        EpgSource.objects.create(client=lineup.client, name="Feed", last_import_at=timezone.now())


class TestCategoryList:
    def test_categories_with_counts_and_icons(self, logged_in, lineup):
        lineup.sport.icon = "category_icons/sport.png"
        lineup.sport.save()
        factories.ChannelCategoryFactory(client=factories.ClientFactory(), name="Foreign")
        body = logged_in.json("category/list/")
        assert body["error"] == 0
        rows = {c["name"]: c for c in body["categories"]}
        assert list(rows) == ["News", "Sport"]
        assert rows["News"]["channels_count"] == 1  # hidden and disabled channels do not count
        assert rows["Sport"]["channels_count"] == 1
        assert rows["Sport"]["icon_url"] == "http://testserver/media/category_icons/sport.png"
        assert rows["Sport"]["icon_tv_url"] == rows["Sport"]["icon_url"] and rows["News"]["icon_url"] == ""
        assert set(rows["News"]) == {"id", "name", "description", "color", "channels_count", "icon_url",
                                     "icon_tv_url", "dashboard_icon_url"}


class TestChannelSearch:
    def test_search_is_required_and_case_insensitive(self, logged_in, lineup):
        assert logged_in.json("channel/list/search/")["error"] == 1
        assert logged_in.json("channel/list/search/", search="   ")["error"] == 1
        body = logged_in.json("channel/list/search/", search="FIR")
        assert body["error"] == 0 and [c["id"] for c in body["channels"]] == [lineup.first.pk]
        assert body["channels"][0]["program_name"] == "Evening news"
        assert logged_in.json("channel/list/search/", search="hid")["channels"] == []
        paged = logged_in.json("channel/list/search/", search="s", limit=1, page=1)["channels"]
        assert [c["id"] for c in paged] == [lineup.first.pk]


class TestChannelDetail:
    def test_actions_are_tariffs_to_subscribe(self, logged_in, subscriber, lineup):
        sport = factories.TariffFactory(client=lineup.client, name="Sport", basic_tariff_priority=0, period=30,
                                        default_activation_price="5.00")
        hidden = factories.TariffFactory(client=lineup.client, name="Hidden", basic_tariff_priority=0, hidden=True)
        disabled = factories.TariffFactory(client=lineup.client, name="Off", basic_tariff_priority=0, enabled=False)
        system = factories.TariffFactory(client=lineup.client, name="System", basic_tariff_priority=0, period=0,
                                         price="0.00")
        for tariff in (sport, hidden, disabled, system):
            tariff.channels.add(lineup.second)
        body = logged_in.json("channel/detail/", cid=lineup.second.pk)
        assert body["error"] == 0 and body["id"] == lineup.second.pk and body["name"] == "Second Sport"
        actions = {a["tariff_id"]: a for a in body["actions"]}
        assert set(actions) == {sport.pk, system.pk}
        assert actions[sport.pk] == {"action": "subscribe", "tariff_id": sport.pk, "is_virtual": False,
                                     "caption": "Sport", "price": 10.0, "periodical": True,
                                     "activation_price": 5.0}
        assert actions[system.pk]["periodical"] is False
        services.tariff_assign(customer=subscriber.customer, tariff=sport)
        actions = logged_in.json("channel/detail/", cid=lineup.second.pk, show_virtual_tariffs=1)["actions"]
        assert [a["tariff_id"] for a in actions] == [system.pk]
        # a channel the held basic tariff opens offers nothing more
        assert logged_in.json("channel/detail/", cid=lineup.first.pk)["actions"] == []

    def test_unknown_foreign_hidden_or_disabled_channel_is_404(self, logged_in, lineup):
        foreign = factories.ChannelFactory(client=factories.ClientFactory())
        for cid in (999999, foreign.pk, lineup.hidden.pk, lineup.disabled.pk):
            assert logged_in.json("channel/detail/", cid=cid)["error"] == 404

    @pytest.mark.parametrize("cid", [None, "", "abc", "-1", "0", "1; DROP TABLE x", "9" * 40])
    def test_bad_cid_is_error_1(self, logged_in, lineup, cid):
        assert logged_in.json("channel/detail/", cid=cid)["error"] == 1


class TestChannelListPrograms:
    def _window(self, hours_before: int = 2, hours_after: int = 2) -> dict:
        now = int(timezone.now().timestamp())
        return {"programs_from_ts": now - hours_before * 3600, "programs_to_ts": now + hours_after * 3600}

    def test_programmes_of_the_requested_channels(self, logged_in, lineup):
        older = factories.EpgProgramFactory(epg_channel=lineup.epg, name="Morning",
                                            begin_time=lineup.current.begin_time - timedelta(hours=5),
                                            end_time=lineup.current.begin_time - timedelta(hours=4))
        body = logged_in.call("channel/list/programs/", post=True,
                              channel_ids=f"{lineup.second.pk},{lineup.first.pk}", **self._window()).json()
        assert body["error"] == 0
        assert [c["id"] for c in body["channels"]] == [lineup.first.pk, lineup.second.pk]
        first, second = body["channels"]
        assert first["current_program_id"] == lineup.current.pk
        assert [p["id"] for p in first["programs"]] == [lineup.current.pk, lineup.following.pk]
        assert older.pk not in [p["id"] for p in first["programs"]]
        entry = first["programs"][0]
        assert entry["name"] == "Evening news" and entry["description"] == "Today" and entry["rating"] == 12
        assert entry["program_meta"] == {"year": "2024"} and entry["program_genres"] == []
        assert set(entry) >= {"id", "name", "begin_time", "end_time", "category_id", "category", "description",
                              "preview_url", "rating"}
        assert second == {"id": lineup.second.pk, "current_program_id": None, "programs": []}

    def test_get_repeated_ids_and_all_channels(self, logged_in, lineup):
        window = self._window()
        body = logged_in.json("channel/list/programs/", **window)
        assert [c["id"] for c in body["channels"]] == [lineup.first.pk, lineup.second.pk]
        assert logged_in.json("channel/list/programs/", channel_ids="", **window)["channels"] == body["channels"]
        url = "/tvmiddleware/api/channel/list/programs/"
        response = logged_in.http.post(url, {"client_id": lineup.client.pk, "authkey": logged_in.authkey,
                                             "channel_ids[]": [lineup.first.pk], **window})
        assert [c["id"] for c in response.json()["channels"]] == [lineup.first.pk]

    def test_foreign_hidden_and_unknown_ids_are_left_out(self, logged_in, lineup):
        foreign = factories.ChannelFactory(client=factories.ClientFactory())
        ids = f"{foreign.pk},{lineup.hidden.pk},999999"
        body = logged_in.call("channel/list/programs/", post=True, channel_ids=ids, **self._window()).json()
        assert body == {"channels": [], "error_message": "", "error": 0}

    @pytest.mark.parametrize("params,code", [
        ({"channel_ids": "1,abc"}, 2), ({"channel_ids": "-1"}, 2), ({"channel_ids": ",".join(["1"] * 1001)}, 2),
        ({"programs_from_ts": None}, 1), ({"programs_to_ts": "tomorrow"}, 1), ({"channel_sort_id": 3}, 1),
        ({"programs_to_ts": 0}, 1), ({"programs_to_ts": int(timezone.now().timestamp()) + 15 * 86400}, 1),
    ])
    def test_bad_parameters(self, logged_in, lineup, params, code):
        body = logged_in.call("channel/list/programs/", post=True, **{**self._window(), **params}).json()
        assert body["error"] == code, body
