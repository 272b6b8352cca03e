"""channel/action, channel/icon/list, channel/programs, channel/sort/list, premiere/list, and the
channel fields channel/list gained (pause, aspect ratio, audience measurement) and `channel_sort_id`."""
from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories
from tvmiddleware.models import (
    AspectRatio, ChannelSort, ChannelSortItem, EpgProgram, TariffSubscription, Telemeter,
)

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def guide(subscriber):
    client = subscriber.client
    epg = factories.EpgChannelFactory(client=client)
    news = factories.ChannelFactory(client=client, name="News", epg_channel=epg, sort=1)
    now = timezone.now().replace(second=0, microsecond=0)
    shows = [EpgProgram.objects.create(client=client, epg_channel=epg, name=f"Show {h}", description=f"About {h}",
                                       begin_time=now + timedelta(hours=h), end_time=now + timedelta(hours=h + 1))
             for h in range(-1, 8)]
    subscriber.tariff.channels.add(news)
    return news, shows


# --- the new channel fields ------------------------------------------------------------------------

def test_channel_list_answers_the_channels_playback_and_measurement_fields(logged_in, guide):
    news, _ = guide
    news.pause_live_tv_shift = 3600
    news.aspect_ratio = AspectRatio.RATIO_16_9
    news.telemeter = Telemeter.MEDIASCOPE
    news.telemeter_account_name = "operator"
    news.telemeter_tmsec_name = "news_tv"
    news.telemeter_cat_id = "7"
    news.telemeter_vc_id = "vc-1"
    news.telemeter_vc_version = "2"
    news.save()
    for method, extra in (("channel/list/", {}), ("channel/list/", {"compact": 1}),
                          ("channel/list/search/", {"search": "new"})):
        item = logged_in.json(method, **extra)["channels"][0]
        assert {k: item[k] for k in ("pause_live_tv_shift", "aspect_ratio", "telemeter", "telemeter_account_name",
                                     "telemeter_tmsec_name", "telemeter_cat_id", "telemeter_vc_id",
                                     "telemeter_vc_version")} == {
            "pause_live_tv_shift": 3600, "aspect_ratio": 1, "telemeter": "0", "telemeter_account_name": "operator",
            "telemeter_tmsec_name": "news_tv", "telemeter_cat_id": "7", "telemeter_vc_id": "vc-1",
            "telemeter_vc_version": "2"}, method
    news.telemeter = None  # a change shows at once (and a % survives the template's slots)
    news.telemeter_account_name = "100%"
    news.save()
    item = logged_in.json("channel/list/")["channels"][0]
    assert item["telemeter"] == "" and item["telemeter_account_name"] == "100%"


# --- channel sorts -----------------------------------------------------------------------------------

@pytest.fixture
def lineup(subscriber):
    client = subscriber.client
    channels = [factories.ChannelFactory(client=client, name=f"C{i}", sort=i) for i in range(4)]
    sport = ChannelSort.objects.create(client=client, name="Sport first", sort=1)
    for position, channel in ((1, channels[3]), (2, channels[1])):
        ChannelSortItem.objects.create(channel_sort=sport, channel=channel, position=position)
    ChannelSort.objects.create(client=client, name="Off", enabled=False)
    other = factories.ClientFactory()
    foreign = ChannelSort.objects.create(client=other, name="Theirs")
    return channels, sport, foreign


def test_channel_sort_list_and_its_order_in_channel_list(logged_in, subscriber, lineup):
    channels, sport, foreign = lineup
    assert logged_in.json("channel/sort/list/") == {
        "error": 0, "error_message": "", "channel_sort": [{"id": sport.pk, "name": "Sport first"}]}
    ids = [c.pk for c in channels]
    expected = [ids[3], ids[1], ids[0], ids[2]]
    body = logged_in.json("channel/list/", channel_sort_id=sport.pk)
    assert [c["id"] for c in body["channels"]] == expected
    assert [c["channel_sort"] for c in body["channels"]] == [0, 1, 2, 3]
    assert [c["id"] for c in logged_in.json("channel/list/", channel_sort_id=sport.pk, limit=2, page=2)[
        "channels"]] == expected[2:]
    assert [c["id"] for c in logged_in.json("channel/list/search/", search="C", channel_sort_id=sport.pk)[
        "channels"]] == expected
    now = int(timezone.now().timestamp())
    grid = logged_in.json("channel/list/programs/", channel_sort_id=sport.pk, programs_from_ts=now,
                          programs_to_ts=now + 3600)
    assert [c["id"] for c in grid["channels"]] == expected
    assert [c["id"] for c in logged_in.json("channel/list/")["channels"]] == ids  # the operator's own
    # a sort wins over the account's own order, which stays for calls without one
    assert logged_in.json("v2/account/channels/sort/", post=True, channel_ids=str(ids[::-1]))["error"] == 0
    assert [c["id"] for c in logged_in.json("channel/list/")["channels"]] == ids[::-1]
    assert [c["id"] for c in logged_in.json("channel/list/", channel_sort_id=sport.pk)["channels"]] == expected
    for unknown in (foreign.pk, ChannelSort.objects.get(name="Off").pk, 10**9):
        assert logged_in.json("channel/list/", channel_sort_id=unknown)["error"] == 1
        assert logged_in.json("channel/list/programs/", channel_sort_id=unknown, programs_from_ts=now,
                              programs_to_ts=now + 60)["error"] == 1


def test_a_changed_sort_shows_at_once(logged_in, lineup):
    channels, sport, _ = lineup
    first = logged_in.call("channel/list/", channel_sort_id=sport.pk)
    ChannelSortItem.objects.filter(channel_sort=sport, channel=channels[1]).update(position=0)
    again = logged_in.call("channel/list/", channel_sort_id=sport.pk, HTTP_IF_NONE_MATCH=first["ETag"])
    assert [c["id"] for c in again.json()["channels"]][:2] == [channels[1].pk, channels[3].pk]


def test_channel_sort_list_is_the_operators_own(api, subscriber, lineup):
    other = factories.ClientFactory(api_key="k2")
    ChannelSort.objects.create(client=other, name="Another")
    assert api.login()["error"] == 0
    assert [s["name"] for s in api.json("channel/sort/list/")["channel_sort"]] == ["Sport first"]


# --- channel/icon/list -------------------------------------------------------------------------------

def test_icon_list_needs_the_api_key_and_lists_visible_channels(api, subscriber):
    client = subscriber.client
    shown = factories.ChannelFactory(client=client, name="Shown", sort=1,
                                     icon=SimpleUploadedFile("shown.png", PNG, content_type="image/png"))
    bare = factories.ChannelFactory(client=client, name="Bare", sort=2)
    factories.ChannelFactory(client=client, name="Hidden", is_hidden=True)
    factories.ChannelFactory(client=client, name="Off", enabled=False)
    factories.ChannelFactory(client=factories.ClientFactory(), name="Theirs")
    body = api.json("channel/icon/list/", auth=False, api_key="device-key")
    assert body["error"] == 0 and [i["id"] for i in body["icons"]] == [shown.pk, bare.pk]
    assert body["icons"][0]["icon"].startswith("http://testserver/") and body["icons"][0]["icon"].endswith(".png")
    assert body["icons"][1]["icon"] == ""
    assert api.json("channel/icon/list/", auth=False, api_key="wrong")["error"] == 403
    assert api.json("channel/icon/list/", auth=False)["error"] == 403


def test_icon_list_queries_stay_constant(api, subscriber):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api.json("channel/icon/list/", auth=False, api_key="device-key")["error"] == 0
        return len(ctx.captured_queries)

    queries()  # the operator's row, kept per process
    factories.ChannelFactory(client=subscriber.client)
    factories.ChannelFactory(client=subscriber.client)
    two = queries()
    for _ in range(18):
        factories.ChannelFactory(client=subscriber.client)
    assert queries() == two


# --- channel/programs --------------------------------------------------------------------------------

def test_channel_programs_is_the_current_and_next_ones(logged_in, guide):
    news, shows = guide
    response = logged_in.call("channel/programs/", cid=news.pk, limit=3)
    body = response.json()
    assert body["error"] == 0
    assert [p["id"] for p in body["programs"]] == [s.pk for s in shows[1:4]]  # shows[0] ended an hour ago
    first = body["programs"][0]
    assert first["program_name"] == "Show 0" and first["program_description"] == "About 0"
    assert first["program_begin_time"] == first["datetime_begin"] == int(shows[1].begin_time.timestamp())
    assert "max-age=" in response["Cache-Control"]
    assert len(logged_in.json("channel/programs/", cid=news.pk)["programs"]) == 6  # the default limit
    compact = logged_in.json("channel/programs/", cid=news.pk, compact=1)["programs"][0]
    assert "program_description" not in compact


def test_channel_programs_with_a_time_shift(logged_in, guide):
    news, shows = guide
    body = logged_in.json("channel/programs/", cid=news.pk, limit=1, timeshift_offset=3600)
    shifted = body["programs"][0]
    assert shifted["id"] == shows[0].pk  # an hour behind: what was on an hour ago
    assert shifted["datetime_begin"] == int(shows[0].begin_time.timestamp())
    assert shifted["program_begin_time"] == int(shows[0].begin_time.timestamp()) + 3600


@pytest.mark.parametrize("params", [{}, {"cid": "x"}, {"cid": 10**12}, {"limit": 0}, {"limit": 101},
                                    {"timeshift_offset": "soon"}])
def test_channel_programs_bad_input_is_1(logged_in, guide, params):
    params = {"cid": guide[0].pk, **params} if "cid" not in params and params else params
    assert logged_in.json("channel/programs/", **params)["error"] == 1


def test_channel_programs_of_another_operator_is_1(logged_in, subscriber):
    theirs = factories.ChannelFactory(client=factories.ClientFactory())
    assert logged_in.json("channel/programs/", cid=theirs.pk)["error"] == 1


def test_a_channel_without_a_guide_has_no_programmes(logged_in, subscriber):
    bare = factories.ChannelFactory(client=subscriber.client)
    assert logged_in.json("channel/programs/", cid=bare.pk) == {"error": 0, "error_message": "", "programs": []}


# --- premiere/list -----------------------------------------------------------------------------------

def test_premieres_of_the_operators_channels(logged_in, subscriber, guide):
    news, shows = guide
    client = subscriber.client
    for show in (shows[0], shows[3], shows[5]):  # shows[0] has ended
        show.is_premiere = True
        show.save()
    other_epg = factories.EpgChannelFactory(client=client)
    sport = factories.ChannelFactory(client=client, name="Sport", epg_channel=other_epg, sort=2)
    now = timezone.now()
    final = EpgProgram.objects.create(client=client, epg_channel=other_epg, name="Final", is_premiere=True,
                                      begin_time=now + timedelta(minutes=30), end_time=now + timedelta(hours=2))
    hidden_epg = factories.EpgChannelFactory(client=client)
    factories.ChannelFactory(client=client, epg_channel=hidden_epg, is_hidden=True)
    EpgProgram.objects.create(client=client, epg_channel=hidden_epg, name="Unseen", is_premiere=True,
                              begin_time=now + timedelta(hours=1), end_time=now + timedelta(hours=2))
    body = logged_in.json("premiere/list/")
    assert body["error"] == 0
    assert [(p["id"], p["program_id"]) for p in body["premieres"]] == [
        (sport.pk, final.pk), (news.pk, shows[3].pk), (news.pk, shows[5].pk)]
    first = body["premieres"][1]
    assert first["name"] == "News" and first["program_name"] == "Show 2" == first["program_short_name"]
    assert first["program_description"] == "About 2" and first["program_meta"] == {}
    assert first["program_begin_time"] == int(shows[3].begin_time.timestamp())
    assert [p["program_id"] for p in logged_in.json("premiere/list/", cid=news.pk, limit=1)["premieres"]] == [
        shows[3].pk]
    assert "program_description" not in logged_in.json("premiere/list/", compact=1)["premieres"][0]
    assert logged_in.json("premiere/list/", cid=10**9)["error"] == 1
    assert logged_in.json("premiere/list/", limit="many")["error"] == 1


def test_premieres_are_the_operators_own(api, subscriber):
    other = factories.ClientFactory()
    epg = factories.EpgChannelFactory(client=other)
    theirs = factories.ChannelFactory(client=other, epg_channel=epg)
    now = timezone.now()
    EpgProgram.objects.create(client=other, epg_channel=epg, name="Theirs", is_premiere=True,
                              begin_time=now + timedelta(hours=1), end_time=now + timedelta(hours=2))
    assert api.login()["error"] == 0
    assert api.json("premiere/list/")["premieres"] == []
    assert api.json("premiere/list/", cid=theirs.pk)["error"] == 1


def test_premiere_list_queries_stay_constant(logged_in, subscriber):
    client = subscriber.client
    now = timezone.now()

    def add(n: int) -> None:
        for _ in range(n):
            epg = factories.EpgChannelFactory(client=client)
            factories.ChannelFactory(client=client, epg_channel=epg)
            EpgProgram.objects.create(client=client, epg_channel=epg, name="P", is_premiere=True,
                                      begin_time=now + timedelta(hours=1), end_time=now + timedelta(hours=2))

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            body = logged_in.json("premiere/list/")
        return len(ctx.captured_queries), len(body["premieres"])

    queries()  # the session and the operator's row, kept per process
    add(2)
    two, count = queries()
    assert count == 2
    add(18)
    assert queries() == (two, 20)


# --- channel/action ----------------------------------------------------------------------------------

@pytest.fixture
def extra_tariff(subscriber):
    client = subscriber.client
    movies = factories.ChannelFactory(client=client, name="Movies")
    tariff = factories.TariffFactory(client=client, name="Movies+", basic_tariff_priority=0, price=Decimal("40.00"))
    tariff.channels.add(movies)
    return movies, tariff


def test_channel_action_subscribes_to_the_channels_tariff(logged_in, subscriber, extra_tariff):
    movies, tariff = extra_tariff
    offers = logged_in.json("channel/detail/", cid=movies.pk)["actions"]
    assert [(a["action"], a["tariff_id"]) for a in offers] == [("subscribe", tariff.pk)]
    assert logged_in.json("channel/action/", cid=movies.pk, action="subscribe", tariff_id=tariff.pk) == {
        "error": 0, "error_message": "", "result": "subscribed"}
    assert TariffSubscription.objects.filter(customer=subscriber.customer, tariff=tariff, is_closed=False).exists()
    subscriber.customer.refresh_from_db()
    assert subscriber.customer.balance == Decimal("60.00")
    movies_row = {c["id"]: c for c in logged_in.json("channel/list/")["channels"]}[movies.pk]
    assert movies_row["has_subscription"] == 1
    # asking again: nothing to buy
    assert logged_in.json("channel/action/", cid=movies.pk, action="subscribe", tariff_id=tariff.pk)["error"] == 3


def test_channel_action_refusals(logged_in, subscriber, extra_tariff, guide):
    movies, tariff = extra_tariff
    news, _ = guide
    call = lambda **p: logged_in.json("channel/action/", **{"cid": movies.pk, "action": "subscribe",  # noqa: E731
                                                            "tariff_id": tariff.pk, **p})["error"]
    assert call(action="play") == 1
    assert call(tariff_id=10**9) == 1
    assert call(tariff_id=subscriber.tariff.pk) == 5  # does not open the channel
    assert call(cid=news.pk, tariff_id=subscriber.tariff.pk) == 3  # already open
    theirs = factories.ChannelFactory(client=factories.ClientFactory())
    assert call(cid=theirs.pk) == 4
    assert call(cid=10**9) == 4
    hidden = factories.ChannelFactory(client=subscriber.client, is_hidden=True)
    assert call(cid=hidden.pk) == 4
    tariff.hidden = True
    tariff.save()
    assert call() == 1
    tariff.hidden = False
    tariff.price = Decimal("500.00")
    tariff.save()
    assert call() == 2
    assert not TariffSubscription.objects.filter(tariff=tariff).exists()
    for params in ({"cid": "x"}, {"tariff_id": ""}, {"action": ""}):
        assert call(**params) == 1


def test_channel_action_with_another_operators_tariff(logged_in, extra_tariff):
    movies, _ = extra_tariff
    theirs = factories.TariffFactory(client=factories.ClientFactory())
    theirs.channels.add(factories.ChannelFactory(client=theirs.client))
    assert logged_in.json("channel/action/", cid=movies.pk, action="subscribe", tariff_id=theirs.pk)["error"] == 1


# --- answers match the declared specs ----------------------------------------------------------------

SPEC_BAD_VALUES = ["", "abc", "-1", "0", "1", "2", "1,,2", "9" * 30, "[1]", '[{"channel_id": 1}]', "x" * 300]


def test_answers_match_the_declared_specs(logged_in, subscriber, guide, lineup, extra_tariff):
    from tests.tvmiddleware.api.test_method_specs import check_answer, spec_of

    news, shows = guide
    movies, tariff = extra_tariff
    shows[4].is_premiere = True
    shows[4].save()
    channels, sport, _ = lineup
    calls = {
        "channel/action/": {"cid": movies.pk, "action": "subscribe", "tariff_id": tariff.pk},
        "channel/icon/list/": {"api_key": "device-key"},
        "channel/programs/": {"cid": news.pk},
        "channel/sort/list/": {},
        "premiere/list/": {},
        "v2/account/channels/accountsettingsinfo/": {},
        "v2/account/channels/sort/": {"channel_ids": json.dumps([c.pk for c in channels])},
        "v2/account/channels/update/": {"account_channels": json.dumps([{"channel_id": news.pk, "is_favorited": 1}])},
        "v2/account/video/update/": {"account_video": "[]"},
    }
    for method, params in calls.items():
        body = logged_in.json(method, post=True, **params)
        assert body["error"] == 0, (method, body)
        check_answer(method, body)
    for method, params in calls.items():
        for name in [param.name for param in spec_of(method).params]:
            for value in SPEC_BAD_VALUES:
                body = logged_in.json(method, post=True, **{**params, name: value})
                check_answer(method, body)


def test_an_epg_import_keeps_the_operators_premiere_mark(subscriber):
    from tvmiddleware.models import EpgSource
    from tvmiddleware.services.epg import epg_import_xmltv

    source = EpgSource.objects.create(client=subscriber.client, name="Feed")
    feed = """<tv><channel id="k"><display-name>Kino</display-name></channel>
      <programme start="20361125190000" stop="20361125200000" channel="k"><title>{}</title></programme></tv>"""
    epg_import_xmltv(source=source, data=feed.format("Film").encode())
    film = EpgProgram.objects.get(epg_channel__source=source)
    film.is_premiere = True
    film.save()
    epg_import_xmltv(source=source, data=feed.format("Film (director's cut)").encode())
    film.refresh_from_db()
    assert film.name == "Film (director's cut)" and film.is_premiere
