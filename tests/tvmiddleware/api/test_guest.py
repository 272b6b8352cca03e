"""Guest browsing (noauth/*), provider/list and the v2 channel methods."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories
from tests.tvmiddleware.api.test_method_specs import check_answer
from tvmiddleware.models import (
    Actor, Channel, ChannelExtra, Client, EpgProgram, Episode, ExternalSystem, GuestBrowsing, PriceCategory,
    ProviderBranding, Season, Selection, SelectionItem, Tariff, Video, VideoFile, VideoTrailer,
)

API = "/tvmiddleware/api/"
GUEST_METHODS = [
    "noauth/category/list/", "noauth/genre/list/", "noauth/actor/list/", "noauth/actor/detail/",
    "noauth/program/list/", "noauth/program/detail/", "noauth/selection/list/", "noauth/selection/detail/",
    "noauth/video/list/", "noauth/video/detail/", "noauth/video/episode/list/", "noauth/video/url/",
    "noauth/provider/list/", "v2/noauth/channel/list/", "v2/noauth/channel/info/",
]


@dataclass
class Shop:
    """An operator's line-up and catalogue: what is for sale, what is hidden, what is nowhere."""

    client: Client
    settings: GuestBrowsing
    base: Tariff
    hidden: Tariff
    news: Channel
    sport: Channel
    secret: Channel
    loose: Channel
    programme: EpgProgram
    film: Video
    hidden_film: Video
    free: Video
    paid: Video
    series: Video
    season: Season
    trailer: VideoTrailer
    film_file: VideoFile
    selection: Selection
    actor: Actor
    cinema: ExternalSystem


def build_shop(client: Client, *, base: Tariff | None = None, enabled: bool = True) -> Shop:
    now = timezone.now()
    base = base or factories.TariffFactory(client=client, name="Base", price=Decimal("300.00"))
    hidden = factories.TariffFactory(client=client, name="Staff only", hidden=True, basic_tariff_priority=0)
    epg = factories.EpgChannelFactory(client=client)
    category = factories.ChannelCategoryFactory(client=client, name="News")
    news = factories.ChannelFactory(client=client, name="News 24", epg_channel=epg, category=category, sort=1,
                                    lcn_number=5, max_archive_duration=24)
    sport = factories.ChannelFactory(client=client, name="Sport", sort=2)
    secret = factories.ChannelFactory(client=client, name="Secret", sort=3)
    loose = factories.ChannelFactory(client=client, name="Loose", sort=4)
    base.channels.add(news, sport)
    hidden.channels.add(secret)
    programme = EpgProgram.objects.create(client=client, epg_channel=epg, name="Evening news",
                                          begin_time=now - timedelta(minutes=10), end_time=now + timedelta(minutes=50))
    cinema = factories.ExternalSystemFactory(client=client, name="Cinema One")
    actor = Actor.objects.create(client=client, name="Anna Star")
    film = Video.objects.create(client=client, name="Base Film", year=2010, external_system=cinema)
    film.tariffs.add(base)
    film.actors.add(actor)
    film.genres.add(factories.GenreFactory(client=client, name="Drama"))
    hidden_film = Video.objects.create(client=client, name="Hidden Film")
    hidden_film.tariffs.add(hidden)
    hidden_film.actors.add(actor)
    free = Video.objects.create(client=client, name="Free Film", price_category=PriceCategory.FREE)
    paid = Video.objects.create(client=client, name="Paid Film", price_category=PriceCategory.PURCHASE,
                                price=Decimal("50.00"))
    series = Video.objects.create(client=client, name="Series", is_series=True)
    series.tariffs.add(base)
    season = Season.objects.create(client=client, video=series, number=1)
    episode = Episode.objects.create(client=client, video=series, season=season, number=1)
    VideoFile.objects.create(client=client, video=series, episode=episode, path="/vod/s1e1.mp4")
    film_file = VideoFile.objects.create(client=client, video=film, path="/vod/film.mp4", quality=1080, duration=5400)
    trailer = VideoTrailer.objects.create(client=client, video=film, name="Teaser", url="https://cdn.example/t.mp4",
                                          quality=720, duration=90)
    selection = Selection.objects.create(client=client, name="Top")
    for sort, title in enumerate((hidden_film, film, free)):
        SelectionItem.objects.create(selection=selection, video=title, sort=sort)
    settings = GuestBrowsing.objects.create(client=client, enabled=enabled)
    return Shop(client=client, settings=settings, base=base, hidden=hidden, news=news, sport=sport, secret=secret,
                loose=loose, programme=programme, film=film, hidden_film=hidden_film, free=free, paid=paid,
                series=series, season=season, trailer=trailer, film_file=film_file, selection=selection, actor=actor,
                cinema=cinema)


@pytest.fixture
def shop(subscriber) -> Shop:
    return build_shop(subscriber.client, base=subscriber.tariff)


@pytest.fixture
def rival(db) -> Shop:
    """Another operator with guest browsing on and the same kinds of rows."""
    return build_shop(factories.ClientFactory(api_key="rival-key"))


def call(http, client: Client, method: str, *, post: bool = False, **params):
    params = {"client_id": client.pk, "api_key": client.api_key, **params}
    response = http.post(API + method, params) if post else http.get(API + method, params)
    assert response.status_code < 500, response.content
    return response


def guest(http, client: Client, method: str, **params) -> dict:
    body = call(http, client, method, **params).json()
    check_answer(method, body)
    return body


def ids(rows: list[dict]) -> list[int]:
    return [row["id"] for row in rows]


def required_params(shop: Shop) -> dict[str, dict]:
    return {
        "noauth/actor/detail/": {"aid": shop.actor.pk}, "noauth/program/list/": {"cid": shop.news.pk},
        "noauth/program/detail/": {"pid": shop.programme.pk},
        "noauth/selection/detail/": {"selection_id": shop.selection.pk},
        "noauth/video/detail/": {"vid": shop.film.pk}, "noauth/video/episode/list/": {"season_id": shop.season.pk},
        "noauth/video/url/": {"vid": shop.film.pk, "vfid": shop.trailer.pk, "redirect": 0},
        "v2/noauth/channel/info/": {"channel_ids": shop.news.pk},
    }


# --- the switch ------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", GUEST_METHODS)
def test_off_by_default_and_when_switched_off(client, subscriber, method):
    params = required_params(build_shop(subscriber.client, base=subscriber.tariff, enabled=False))
    GuestBrowsing.objects.filter(client=subscriber.client).delete()
    assert guest(client, subscriber.client, method, **params.get(method, {}))["error"] == 403  # no settings at all
    GuestBrowsing.objects.create(client=subscriber.client, enabled=False)
    assert guest(client, subscriber.client, method, **params.get(method, {}))["error"] == 403
    GuestBrowsing.objects.filter(client=subscriber.client).update(enabled=True)
    GuestBrowsing.objects.get(client=subscriber.client).save()  # the panel saves: the settings are read again
    assert guest(client, subscriber.client, method, **params.get(method, {}))["error"] == 0


@pytest.mark.parametrize("method", GUEST_METHODS)
def test_a_wrong_api_key_is_refused(client, shop, method):
    body = call(client, shop.client, method, api_key="wrong", **required_params(shop).get(method, {})).json()
    assert body["error"] == 403


# --- channels and the guide --------------------------------------------------------------------------

def test_guests_see_the_channels_of_the_tariffs_for_sale(client, shop, rival):
    rows = guest(client, shop.client, "v2/noauth/channel/list/")["channels"]
    assert ids(rows) == [shop.news.pk, shop.sport.pk]  # not the hidden tariff's, not the channel of no tariff
    assert rows[0] == {"id": shop.news.pk, "name": "News 24", "category_id": shop.news.category_id, "sort": 1,
                       "lcn_number": 5, "is_parent_control": 0, "show_in_all": 1, "icon": ""}
    shop.news.name = "News 25"  # the rendered guest line-up follows a change of the line-up
    shop.news.save()
    assert guest(client, shop.client, "v2/noauth/channel/list/")["channels"][0]["name"] == "News 25"
    categories = {c["id"]: c["channels_count"] for c in guest(client, shop.client, "noauth/category/list/")["categories"]}
    assert categories == {shop.news.category_id: 1}


def test_the_operators_choice_of_tariffs_wins(client, shop):
    shop.settings.tariffs.set([shop.hidden])
    assert ids(guest(client, shop.client, "v2/noauth/channel/list/")["channels"]) == [shop.secret.pk]
    titles = ids(guest(client, shop.client, "noauth/video/list/")["videos"])
    assert shop.hidden_film.pk in titles and shop.film.pk not in titles
    shop.settings.untariffed_titles = False
    shop.settings.save()
    assert ids(guest(client, shop.client, "noauth/video/list/")["videos"]) == [shop.hidden_film.pk]
    shop.hidden.enabled = False  # a disabled tariff shows nothing
    shop.hidden.save()
    assert guest(client, shop.client, "v2/noauth/channel/list/")["channels"] == []


def test_tariff_filters_of_the_guest_list(client, shop):
    assert ids(guest(client, shop.client, "v2/noauth/channel/list/", tariff_id=shop.base.pk)["channels"]) == [
        shop.news.pk, shop.sport.pk]
    other = factories.TariffFactory(client=shop.client)
    other.channels.add(shop.sport)
    assert ids(guest(client, shop.client, "v2/noauth/channel/list/", exclude_tariff_id=other.pk)["channels"]) == [
        shop.news.pk]
    assert guest(client, shop.client, "v2/noauth/channel/list/", tariff_id="x")["error"] == 400


def test_guest_channel_info_has_no_stream_and_no_subscription(client, shop):
    ChannelExtra.objects.create(client=shop.client, channel=shop.news, data={"meta": {"genre": "news"}})
    rows = guest(client, shop.client, "v2/noauth/channel/info/", channel_ids=f"{shop.sport.pk},{shop.news.pk}",
                 )["programs"]
    assert ids(rows) == [shop.news.pk, shop.sport.pk]
    news = rows[0]
    assert news["url"] == "" and news["has_subscription"] == 0 and news["program_name"] == "Evening news"
    assert news["meta"] == {"genre": "news"} and rows[1]["meta"] == ""
    compact = guest(client, shop.client, "v2/noauth/channel/info/", channel_ids=shop.news.pk, compact=1)["programs"]
    assert "program_name" not in compact[0]
    for hidden in (shop.secret.pk, shop.loose.pk, 10**9):
        assert guest(client, shop.client, "v2/noauth/channel/info/", channel_ids=hidden)["error"] == 404
    assert guest(client, shop.client, "v2/noauth/channel/info/")["error"] == 400


def test_guest_guide(client, shop):
    programmes = guest(client, shop.client, "noauth/program/list/", cid=shop.news.pk,
                       time_from=int(shop.programme.begin_time.timestamp()) - 60)["programs"]
    assert ids(programmes) == [shop.programme.pk]
    assert programmes[0]["url"] == "" and programmes[0]["has_subscription"] == 0
    assert guest(client, shop.client, "noauth/program/list/", cid=shop.secret.pk)["error"] == 1
    assert guest(client, shop.client, "noauth/program/list/", cid=shop.news.pk, pid_from=10**9)["error"] == 2
    detail = guest(client, shop.client, "noauth/program/detail/", pid=shop.programme.pk)
    assert detail["name"] == "Evening news" and detail["channel_name"] == "News 24" and detail["url"] == ""
    shop.base.channels.remove(shop.news)  # the programme's channel is no longer shown to guests
    assert guest(client, shop.client, "noauth/program/detail/", pid=shop.programme.pk)["error"] == 1


# --- titles ------------------------------------------------------------------------------------------

def test_guest_catalogue_as_a_non_subscriber(client, shop):
    videos = guest(client, shop.client, "noauth/video/list/")["videos"]
    assert set(ids(videos)) == {shop.film.pk, shop.free.pk, shop.paid.pk, shop.series.pk}
    assert all(v["has_subscription"] == 0 and v["is_purchased"] == 0 and v["is_favorited"] == 0 for v in videos)
    film = next(v for v in videos if v["id"] == shop.film.pk)
    assert film["files"] == [{"id": shop.trailer.pk, "promo_image": "", "name": "Teaser", "duration": 90,
                              "ext_id": "", "position": 0, "is_viewed": 0, "quality": 720}]  # trailers, not the film
    assert guest(client, shop.client, "noauth/video/list/", search="Base")["count"] == 1
    assert guest(client, shop.client, "noauth/video/list/", get_purchased=1)["count"] == 4  # not a guest's parameter


def test_guest_video_detail_offers_trailers_and_ways_to_buy(client, shop):
    detail = guest(client, shop.client, "noauth/video/detail/", vid=shop.film.pk)
    actions = [(a["action"], a["file_id"], a["tariff_id"]) for a in detail["actions"]]
    assert actions == [("trailer", str(shop.trailer.pk), None), ("subscribe", "", shop.base.pk)]
    assert detail["has_subscription"] == 0 and [a["id"] for a in detail["actors_info"]] == [shop.actor.pk]
    assert guest(client, shop.client, "noauth/video/detail/", vid=shop.paid.pk)["actions"][0]["action"] == "buy"
    assert guest(client, shop.client, "noauth/video/detail/", vid=shop.hidden_film.pk)["error"] == 1
    package = Video.objects.create(client=shop.client, name="Box", is_package=True, price_category=PriceCategory.FREE)
    package.package_videos.add(shop.film, shop.hidden_film)
    assert guest(client, shop.client, "noauth/video/detail/", vid=package.pk)["package_videos"] == [
        {"id": shop.film.pk}]  # not the title guests are not shown


def test_guest_video_url_plays_trailers_only(client, shop):
    body = guest(client, shop.client, "noauth/video/url/", vid=shop.film.pk, vfid=shop.trailer.pk, redirect=0)
    assert body["uri"] == "https://cdn.example/t.mp4" and body["stream_service_id"] == 0
    response = call(client, shop.client, "noauth/video/url/", vid=shop.film.pk, vfid=shop.trailer.pk)
    assert response.status_code == 302 and response["Location"] == "https://cdn.example/t.mp4"
    film_file = guest(client, shop.client, "noauth/video/url/", vid=shop.film.pk, vfid=shop.film_file.pk, redirect=0)
    assert film_file["error"] == 3 and "uri" not in film_file
    assert call(client, shop.client, "noauth/video/url/", vid=shop.film.pk, vfid=shop.film_file.pk).status_code == 200
    hidden_trailer = VideoTrailer.objects.create(client=shop.client, video=shop.hidden_film, url="https://cdn.example/h")
    for vid, vfid in ((shop.hidden_film.pk, hidden_trailer.pk), (shop.free.pk, shop.trailer.pk), (10**9, 1)):
        assert guest(client, shop.client, "noauth/video/url/", vid=vid, vfid=vfid, redirect=0)["error"] == 1


def test_guest_episodes_genres_people_selections(client, shop):
    episodes = guest(client, shop.client, "noauth/video/episode/list/", season_id=shop.season.pk)
    assert episodes["season_number"] == 1 and len(episodes["episodes"]) == 1 and "files" not in episodes["episodes"][0]
    shop.base.videos.remove(shop.series)
    assert guest(client, shop.client, "noauth/video/episode/list/", season_id=shop.season.pk)["error"] == 1
    genres = guest(client, shop.client, "noauth/genre/list/")["genres"]
    assert [(g["name"], g["count"]) for g in genres] == [("Drama", 1)]
    actors = guest(client, shop.client, "noauth/actor/list/")["actors"]
    assert [(a["id"], a["film_count"]) for a in actors] == [(shop.actor.pk, 1)]  # the hidden film does not count
    assert guest(client, shop.client, "noauth/actor/list/", vid=shop.hidden_film.pk)["error"] == 1
    assert guest(client, shop.client, "noauth/actor/detail/", aid=shop.actor.pk)["genres"][0]["name"] == "Drama"
    selections = guest(client, shop.client, "noauth/selection/list/")["selections"]
    assert [(s["id"], s["count"]) for s in selections] == [(shop.selection.pk, 2)]
    detail = guest(client, shop.client, "noauth/selection/detail/", selection_id=shop.selection.pk, limit=1)
    assert [c["video"]["id"] for c in detail["contents"]] == [shop.film.pk] and detail["next_cursor"] == 1
    rest = guest(client, shop.client, "noauth/selection/detail/", selection_id=shop.selection.pk, cursor=1,
                 compact=1)
    assert [c["video"]["id"] for c in rest["contents"]] == [shop.free.pk] and rest["next_cursor"] == 0  # the last page
    assert "actors" not in rest["contents"][0]["video"]
    assert guest(client, shop.client, "noauth/selection/detail/")["error"] == 1


def test_providers(client, shop, logged_in):
    ProviderBranding.objects.create(client=shop.client, external_system=shop.cinema, icon="provider_icons/one.png")
    factories.ExternalSystemFactory(client=shop.client, name="No titles")
    rows = guest(client, shop.client, "noauth/provider/list/")["providers"]
    assert [(r["id"], r["name"], r["type"]) for r in rows] == [(shop.cinema.pk, "Cinema One", 1)]
    assert rows[0]["icon_url"].endswith("/provider_icons/one.png") and rows[0]["movie_label_icon"] == ""
    session = logged_in.json("provider/list/")
    check_answer("provider/list/", session)
    assert ids(session["providers"]) == [shop.cinema.pk]
    shop.base.videos.remove(shop.film)  # the cinema's only title is no longer shown to guests
    assert guest(client, shop.client, "noauth/provider/list/")["providers"] == []
    assert ids(logged_in.json("provider/list/")["providers"]) == []  # nor in the catalogue (no listing tariff)


# --- operators never see each other ------------------------------------------------------------------

def test_other_operators_rows_are_invisible(client, shop, rival):
    c = shop.client
    assert guest(client, c, "v2/noauth/channel/info/", channel_ids=rival.news.pk)["error"] == 404
    assert guest(client, c, "noauth/program/list/", cid=rival.news.pk)["error"] == 1
    assert guest(client, c, "noauth/program/detail/", pid=rival.programme.pk)["error"] == 1
    assert guest(client, c, "noauth/video/detail/", vid=rival.film.pk)["error"] == 1
    assert guest(client, c, "noauth/video/url/", vid=rival.film.pk, vfid=rival.trailer.pk, redirect=0)["error"] == 1
    mixed = guest(client, c, "noauth/video/url/", vid=shop.film.pk, vfid=rival.trailer.pk, redirect=0)
    assert mixed["error"] in (1, 3) and "uri" not in mixed  # 3 when the id is also one of the film's files
    assert guest(client, c, "noauth/video/episode/list/", season_id=rival.season.pk)["error"] == 1
    assert guest(client, c, "noauth/actor/detail/", aid=rival.actor.pk)["error"] == 1
    assert guest(client, c, "noauth/selection/detail/", selection_id=rival.selection.pk)["error"] == 1
    rival_ids = {rival.film.pk, rival.free.pk, rival.paid.pk, rival.series.pk}
    assert not rival_ids & set(ids(guest(client, c, "noauth/video/list/", limit=100)["videos"]))
    assert not {rival.news.pk, rival.sport.pk} & set(ids(guest(client, c, "v2/noauth/channel/list/")["channels"]))
    assert rival.selection.pk not in ids(guest(client, c, "noauth/selection/list/")["selections"])
    assert ids(guest(client, c, "noauth/provider/list/")["providers"]) == [shop.cinema.pk]
    assert rival.actor.pk not in ids(guest(client, c, "noauth/actor/list/")["actors"])
    # the rival's switch is its own: switched off there, still on here
    rival.settings.enabled = False
    rival.settings.save()
    assert guest(client, rival.client, "noauth/video/list/")["error"] == 403
    assert guest(client, c, "noauth/video/list/")["error"] == 0


# --- v2 with a session -------------------------------------------------------------------------------

def test_v2_channel_list_and_info_with_a_session(logged_in, shop, rival):
    from tvmiddleware.models import AccountChannelSetting

    AccountChannelSetting.objects.create(client=shop.client, account=logged_in.subscriber.account,
                                         channel=shop.loose, is_favorited=True, sort=0)
    body = logged_in.json("v2/channel/list/")
    check_answer("v2/channel/list/", body)
    rows = {r["id"]: r for r in body["channels"]}
    assert ids(body["channels"])[0] == shop.loose.pk  # the account's own order first
    assert set(rows) == {shop.news.pk, shop.sport.pk, shop.secret.pk, shop.loose.pk}
    assert rows[shop.news.pk]["has_subscription"] == 1 and rows[shop.secret.pk]["has_subscription"] == 0
    assert rows[shop.loose.pk]["is_favorited"] == 1 and rows[shop.loose.pk]["sort"] == 0
    info = logged_in.json("v2/channel/info/", channel_ids=f"{shop.news.pk},{shop.loose.pk}")
    check_answer("v2/channel/info/", info)
    assert ids(info["programs"]) == [shop.loose.pk, shop.news.pk]
    assert info["programs"][1]["has_subscription"] == 1 and info["programs"][1]["url"] == ""
    refused = logged_in.json("v2/channel/info/", channel_ids=rival.news.pk)
    assert refused["error"] == 1
    assert logged_in.json("v2/channel/info/", channel_ids="")["error"] == 400
    assert logged_in.json("v2/channel/list/", authkey="nope")["error"] == 403


# --- constant queries --------------------------------------------------------------------------------

def _grow(shop: Shop, n: int) -> None:
    c = shop.client
    for i in range(n):
        channel = factories.ChannelFactory(client=c, name=f"Extra {i}", epg_channel=factories.EpgChannelFactory(client=c))
        shop.base.channels.add(channel)
        title = Video.objects.create(client=c, name=f"Extra film {i}", external_system=shop.cinema)
        title.tariffs.add(shop.base)
        title.actors.add(shop.actor)
        VideoTrailer.objects.create(client=c, video=title, url=f"https://cdn.example/{i}")
        SelectionItem.objects.create(selection=shop.selection, video=title, sort=10 + i)


LISTS = ["v2/noauth/channel/list/", "noauth/category/list/", "noauth/video/list/", "noauth/genre/list/",
         "noauth/actor/list/", "noauth/selection/list/", "noauth/selection/detail/", "noauth/provider/list/",
         "v2/noauth/channel/info/"]


def _counts(http, shop: Shop) -> dict[str, int]:
    channel_ids = ",".join(str(i) for i in Channel.objects.filter(client=shop.client).values_list("pk", flat=True)
                           if i not in (shop.secret.pk, shop.loose.pk))
    params = {"noauth/selection/detail/": {"selection_id": shop.selection.pk},
              "v2/noauth/channel/info/": {"channel_ids": channel_ids}, "noauth/video/list/": {"limit": 100}}
    counts = {}
    for method in LISTS:
        guest(http, shop.client, method, **params.get(method, {}))  # warm
        with CaptureQueriesContext(connection) as queries:
            assert guest(http, shop.client, method, **params.get(method, {}))["error"] == 0
        counts[method] = len(queries)
    return counts


def test_lists_keep_a_constant_number_of_queries(client, shop):
    _grow(shop, 2)
    few = _counts(client, shop)
    _grow(shop, 18)
    assert _counts(client, shop) == few
    assert few["v2/noauth/channel/list/"] == 0  # warm: the line-up, tariff contents and settings are kept


def test_v2_session_lists_keep_a_constant_number_of_queries(logged_in, shop):
    def count() -> tuple[int, int]:
        ids_ = ",".join(str(i) for i in Channel.objects.filter(client=shop.client).values_list("pk", flat=True))
        results = []
        for method, params in (("v2/channel/list/", {}), ("v2/channel/info/", {"channel_ids": ids_})):
            logged_in.json(method, **params)
            with CaptureQueriesContext(connection) as queries:
                assert logged_in.json(method, **params)["error"] == 0
            results.append(len(queries))
        return tuple(results)

    _grow(shop, 2)
    few = count()
    _grow(shop, 18)
    assert count() == few
    assert few[0] == 0


def test_xml_devices_get_guest_answers_as_xml(client, shop):
    from xml.etree.ElementTree import fromstring

    from apikit import device as framework
    from tvmiddleware.models import DeviceType, ResponseFormat

    DeviceType.objects.filter(system_name="dune").update(response_format=ResponseFormat.XML)
    framework._device_types.clear()
    response = call(client, shop.client, "v2/noauth/channel/list/", device="dune")
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    root = fromstring(response.content)
    assert root.findtext("error") == "0"
    assert [item.findtext("name") for item in root.find("channels").findall("item")] == ["News 24", "Sport"]
    shop.settings.enabled = False
    shop.settings.save()
    assert fromstring(call(client, shop.client, "noauth/video/list/", device="dune").content).findtext("error") == "403"


BAD_VALUES = ["", "abc", "-1", "0", "1", "2", "1,,2", "9" * 30, "31.02.2024", "１", "x" * 300]


def test_bad_values_answer_declared_codes(client, shop, logged_in):
    from tests.tvmiddleware.api.test_method_specs import spec_of

    required = required_params(shop)
    for method in [*GUEST_METHODS, "provider/list/", "v2/channel/list/", "v2/channel/info/"]:
        session = not method.startswith(("noauth/", "v2/noauth/"))
        base = {"channel_ids": shop.news.pk} if method == "v2/channel/info/" else required.get(method, {})
        for name in [param.name for param in spec_of(method).params]:
            for value in BAD_VALUES:
                params = {**base, name: value}
                response = logged_in.call(method, **params) if session else call(client, shop.client, method,
                                                                                   **params)
                if response.status_code == 302:  # noauth/video/url: redirect=1 and a trailer
                    assert response["Location"] == shop.trailer.url
                    continue
                check_answer(method, response.json())
