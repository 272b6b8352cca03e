"""The subscriber's film methods: video/episode/detail, video/listing/delete, video/rating/set,
video/settings/set, video/similar, video/subscription/list, video/subscription/cancel, selection/detail."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.tvmiddleware.api.test_method_specs import check_answer
from tests.tvmiddleware.api.test_vod import catalogue, video  # noqa: F401  (fixture)
from tvmiddleware import services
from tvmiddleware.models import (
    AccountVideoSetting, Actor, ContentKind, ContentPosition, EpisodeExtra, Episode, PriceCategory, Season,
    Selection, SelectionExtra, SelectionItem, TariffSubscription, Video, VideoFile, VideoRating,
)

METHODS = ["video/episode/detail/", "video/listing/delete/", "video/rating/set/", "video/settings/set/",
           "video/similar/", "video/subscription/list/", "video/subscription/cancel/", "selection/detail/"]


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def ids(rows) -> list[int]:
    return [row["id"] for row in rows]


def second_login(subscriber, abonement="100002"):
    """Another login of the same operator (another customer), logged in through the device API."""
    from tests.tvmiddleware.api.conftest import DeviceAPI
    from django.test import Client as HttpClient

    customer = services.customer_create(client=subscriber.client, firstname="Olga", lastname="Ivanova")
    account, password = services.account_create(client=subscriber.client, customer=customer, abonement=abonement,
                                                password="2222")
    services.tariff_assign(customer=customer, tariff=subscriber.tariff)
    api = DeviceAPI(HttpClient(), subscriber)
    body = api.json("login/", auth=False, abonement=abonement, password=password,
                    api_key=subscriber.client.api_key, device="mag", device_uid="00:1A:79:00:00:02")
    assert body["error"] == 0, body
    api.authkey = body["authkey"]
    return api, account


@pytest.mark.parametrize("method", METHODS)
def test_every_method_needs_a_session(api, catalogue, method):  # noqa: F811
    assert api.json(method, vid=catalogue.free.pk, episode_id=1, selection_id=1, subscription=1)["error"] == 403


# --- video/episode/detail ---------------------------------------------------------------------------

@pytest.fixture
def series(subscriber, catalogue):  # noqa: F811
    c = subscriber.client
    show = catalogue.base
    season = Season.objects.create(client=c, video=show, number=2)
    first = Episode.objects.create(client=c, video=show, season=season, number=1, name="Pilot", duration=45,
                                   description="It begins")
    low = VideoFile.objects.create(client=c, video=show, episode=first, path="/e1-480.mp4", quality=480, duration=2700)
    high = VideoFile.objects.create(client=c, video=show, episode=first, path="/e1-1080.mp4", quality=1080,
                                    duration=2700)
    coming = Episode.objects.create(client=c, video=show, season=season, number=2)
    EpisodeExtra.objects.create(client=c, episode=coming, data={"preview_url": "https://img.example/e2.jpg"})
    return season, first, low, high, coming


def test_episode_detail(logged_in, subscriber, series):
    season, first, low, high, coming = series
    ContentPosition.objects.create(client=subscriber.client, account=subscriber.account, content_type=ContentKind.VIDEO,
                                   content_id=first.video_id, asset_id=high.pk, position=600, duration=2700)
    body = logged_in.json("video/episode/detail/", episode_id=first.pk)
    check_answer("video/episode/detail/", body)
    assert body["name"] == "Pilot" and body["number"] == 1 and body["description"] == "It begins"
    assert body["video_id"] == first.video_id and body["season_id"] == season.pk and body["season_number"] == 2
    assert ids(body["files"]) == [high.pk, low.pk]  # best quality first
    assert body["files"][0]["position"] == 600 and body["files"][1]["position"] == 0
    assert body["is_planned"] == 0 and body["is_free"] == 0
    planned = logged_in.json("video/episode/detail/", episode_id=coming.pk)
    assert planned["is_planned"] == 1 and planned["files"] == [] and planned["name"] == "Episode 2"
    assert planned["preview_url"] == "https://img.example/e2.jpg"


def test_episode_detail_refuses_what_the_subscriber_may_not_see(logged_in, subscriber, catalogue):  # noqa: F811
    foreign_show = catalogue.foreign
    foreign = Episode.objects.create(client=foreign_show.client, video=foreign_show, number=1)
    withdrawn = Episode.objects.create(client=subscriber.client, video=catalogue.withdrawn, number=1)
    for episode_id in (foreign.pk, withdrawn.pk, 10**12):
        body = logged_in.json("video/episode/detail/", episode_id=episode_id)
        assert body["error"] == 1, body
    for bad in ("", "abc", "-1", "0"):
        assert logged_in.json("video/episode/detail/", episode_id=bad)["error"] == 1


def test_episode_of_a_locked_series_needs_the_pin(logged_in, subscriber, catalogue):  # noqa: F811
    account = subscriber.account
    account.parent_code = "1234"
    account.save(update_fields=["parent_code"])
    episode = Episode.objects.create(client=subscriber.client, video=catalogue.locked, number=1)
    assert logged_in.json("video/episode/detail/", episode_id=episode.pk)["error"] == 1
    assert logged_in.json("video/episode/detail/", episode_id=episode.pk, parent_code="1234")["error"] == 0


# --- video/listing/delete -----------------------------------------------------------------------------

def _position(subscriber, account, video_obj, asset, *, viewed: bool):
    file = VideoFile.objects.create(client=subscriber.client, video=video_obj, path=f"/{asset}.mp4")
    return ContentPosition.objects.create(client=subscriber.client, account=account, content_type=ContentKind.VIDEO,
                                          content_id=video_obj.pk, asset_id=file.pk, position=10, duration=100,
                                          is_viewed=viewed)


def test_listing_delete_forgets_the_listing_only(logged_in, subscriber, catalogue):  # noqa: F811
    c, me = catalogue, subscriber.account
    other_api, other = second_login(subscriber)
    _position(subscriber, me, c.base, "a", viewed=False)
    _position(subscriber, me, c.base, "b", viewed=True)
    _position(subscriber, me, c.free, "c", viewed=False)
    _position(subscriber, other, c.base, "d", viewed=False)

    def listed(flag_name):
        return ids(logged_in.json("video/list/", **{flag_name: 1})["videos"])

    assert sorted(listed("is_viewing")) == sorted([c.base.pk, c.free.pk])
    assert logged_in.json("video/listing/delete/", vid=c.base.pk, listing="is_viewing") == {"error": 0,
                                                                                            "error_message": ""}
    assert listed("is_viewing") == [c.free.pk]
    assert listed("viewed_only") == [c.base.pk]  # the finished part stays
    assert ids(other_api.json("video/list/", is_viewing=1)["videos"]) == [c.base.pk]  # others' positions stay
    assert logged_in.json("video/listing/delete/", vid=f"{c.base.pk},{c.free.pk}", listing="history_only")["error"] == 0
    assert listed("history_only") == []
    assert ContentPosition.objects.filter(account=other).count() == 1


def test_listing_delete_refuses_unknown_titles_and_changes_nothing(logged_in, subscriber, catalogue):  # noqa: F811
    c = catalogue
    _position(subscriber, subscriber.account, c.base, "a", viewed=False)
    for vid in (f"{c.base.pk},{c.foreign.pk}", str(10**12)):
        body = logged_in.json("video/listing/delete/", vid=vid, listing="history_only")
        assert body["error"] == 1 and body["error_fields"] == {"vid": "not found"}, body
    assert ContentPosition.objects.count() == 1
    for params in ({"vid": c.base.pk, "listing": "everything"}, {"vid": "", "listing": "is_viewing"},
                   {"listing": "is_viewing"}, {"vid": c.base.pk}):
        assert logged_in.json("video/listing/delete/", **params)["error"] == 1, params
    # a title that left the catalogue may still be taken out of the history
    _position(subscriber, subscriber.account, c.withdrawn, "w", viewed=True)
    assert logged_in.json("video/listing/delete/", vid=c.withdrawn.pk, listing="viewed_only")["error"] == 0
    assert not ContentPosition.objects.filter(content_id=c.withdrawn.pk).exists()


# --- video/rating/set ----------------------------------------------------------------------------------

def test_rating_sets_the_average_and_the_account_s_own(logged_in, subscriber, catalogue):  # noqa: F811
    c = catalogue
    other_api, _ = second_login(subscriber)
    body = logged_in.json("video/rating/set/", vid=c.base.pk, rating=8)
    check_answer("video/rating/set/", body)
    assert body == {"error": 0, "error_message": "", "average_rating": 8.0}
    assert other_api.json("video/rating/set/", vid=c.base.pk, rating=5)["average_rating"] == 6.5
    assert logged_in.json("video/rating/set/", vid=c.base.pk, rating=10)["average_rating"] == 7.5  # replaced
    assert VideoRating.objects.filter(video=c.base).count() == 2
    rows = {row["id"]: row for row in logged_in.json("video/list/")["videos"]}
    assert rows[c.base.pk]["average_customers_rating"] == 7.5 and rows[c.free.pk]["average_customers_rating"] == 0
    detail = logged_in.json("video/detail/", vid=c.base.pk)
    assert detail["customer_rating"] == 10 and detail["average_customers_rating"] == 7.5
    assert other_api.json("video/detail/", vid=c.base.pk)["customer_rating"] == 5
    assert logged_in.json("video/detail/", vid=c.free.pk)["customer_rating"] == 0
    # ordered by it, the unrated last
    other_api.json("video/rating/set/", vid=c.free.pk, rating=9)
    ordered = ids(logged_in.json("video/list/", order="-average_customers_rating")["videos"])
    assert ordered[:2] == [c.free.pk, c.base.pk]


def test_rating_refuses_bad_marks_and_foreign_titles(logged_in, catalogue):  # noqa: F811
    c = catalogue
    for params in ({"vid": c.base.pk, "rating": 0}, {"vid": c.base.pk, "rating": 11}, {"vid": c.base.pk, "rating": "x"},
                   {"vid": c.base.pk}, {"rating": 5}, {"vid": c.foreign.pk, "rating": 5},
                   {"vid": c.withdrawn.pk, "rating": 5}, {"vid": 10**12, "rating": 5}):
        assert logged_in.json("video/rating/set/", **params)["error"] == 1, params
    assert not VideoRating.objects.exists()
    assert Video.objects.get(pk=c.foreign.pk).customers_rating is None


# --- video/settings/set --------------------------------------------------------------------------------

def test_favourites(logged_in, subscriber, catalogue):  # noqa: F811
    c = catalogue
    other_api, _ = second_login(subscriber)
    assert logged_in.json("video/settings/set/", vid=c.base.pk, is_favorited=1) == {"error": 0, "error_message": ""}
    logged_in.json("video/settings/set/", vid=c.free.pk, is_favorited=1)
    assert sorted(ids(logged_in.json("video/list/", favorited_only=1)["videos"])) == sorted([c.base.pk, c.free.pk])
    assert logged_in.json("video/detail/", vid=c.base.pk)["is_favorited"] == 1
    assert other_api.json("video/list/", favorited_only=1)["videos"] == []  # one login's favourites
    assert logged_in.json("video/settings/set/", vid=c.base.pk, is_favorited=0)["error"] == 0
    assert ids(logged_in.json("video/list/", favorited_only=1)["videos"]) == [c.free.pk]
    assert logged_in.json("video/settings/set/", vid=c.free.pk)["error"] == 0  # nothing to change
    assert AccountVideoSetting.objects.filter(account=subscriber.account, is_favorited=True).count() == 1


def test_favourite_errors(logged_in, catalogue):  # noqa: F811
    c = catalogue
    assert logged_in.json("video/settings/set/", vid=c.base.pk, is_favorited=2)["error"] == 2
    assert logged_in.json("video/settings/set/", vid=c.base.pk, is_favorited="yes")["error"] == 2
    for vid in (c.foreign.pk, 10**12, "abc", ""):
        assert logged_in.json("video/settings/set/", vid=vid, is_favorited=1)["error"] == 1, vid
    assert not AccountVideoSetting.objects.exists()


# --- video/similar -------------------------------------------------------------------------------------

def test_similar_ranks_shared_people_genres_and_shelves(logged_in, subscriber, catalogue):  # noqa: F811
    c, client = catalogue, subscriber.client
    # base: comedy + drama, the actor and the director. cinema_video: comedy + the actor (3 + 2 = 5);
    # free: drama (2); a free title on base's shelf only (1); one sharing nothing.
    shelf = Selection.objects.create(client=client, name="Shelf")
    shelved = video(client, name="Shelved", price_category=PriceCategory.FREE)
    SelectionItem.objects.create(selection=shelf, video=c.base)
    SelectionItem.objects.create(selection=shelf, video=shelved)
    video(client, name="Alone", price_category=PriceCategory.FREE)
    # what the catalogue does not show never comes back, however alike
    video(client, name="Twin off", genres=[c.comedy, c.drama], people=[c.actor], price_category=PriceCategory.FREE,
          available=False)
    video(factories.ClientFactory(), name="Twin elsewhere", price_category=PriceCategory.FREE)
    body = logged_in.json("video/similar/", vid=c.base.pk)
    check_answer("video/similar/", body)
    assert ids(body["videos"]) == [c.cinema_video.pk, c.free.pk, shelved.pk]
    assert body["count"] == 3
    assert ids(logged_in.json("video/similar/", vid=c.base.pk, limit=1, page=2)["videos"]) == [c.free.pk]
    assert logged_in.json("video/detail/", vid=c.base.pk)["is_similar_exist"] == 1
    alone = Video.objects.get(name="Alone")
    assert logged_in.json("video/similar/", vid=alone.pk)["videos"] == []
    assert logged_in.json("video/detail/", vid=alone.pk)["is_similar_exist"] == 0
    for vid in (c.foreign.pk, c.withdrawn.pk, 10**12, "abc"):
        assert logged_in.json("video/similar/", vid=vid)["error"] == 1


def test_similar_runs_constant_queries(logged_in, subscriber, catalogue):  # noqa: F811
    c = catalogue

    def add(n):
        for i in range(n):
            v = video(subscriber.client, name=f"Alike {i}", genres=[c.drama], people=[c.actor],
                      price_category=PriceCategory.FREE)
            VideoFile.objects.create(client=subscriber.client, video=v, path=f"/alike{i}.mp4")

    def count():
        with CaptureQueriesContext(connection) as queries:
            body = logged_in.json("video/similar/", vid=c.base.pk, limit=100)
        assert body["error"] == 0
        return len(queries), len(body["videos"])

    count()  # the session's first use warms what every call shares
    add(2)
    small, rows_small = count()
    add(18)
    large, rows_large = count()
    assert rows_large == rows_small + 18
    assert small == large


# --- video/subscription/list, video/subscription/cancel --------------------------------------------------

def test_subscriptions_list_tariffs_that_open_titles(logged_in, subscriber, catalogue):  # noqa: F811
    c = catalogue
    c.cinema.ext_id = "CIN"
    c.cinema.description = "Films"
    c.cinema.save()
    factories.TariffFactory(client=subscriber.client, name="Channels only", basic_tariff_priority=0)
    hidden = factories.TariffFactory(client=subscriber.client, name="Hidden films", basic_tariff_priority=0,
                                     hidden=True)
    c.orphan.tariffs.add(hidden)
    other_operator = factories.TariffFactory(client=c.foreign.client, name="Foreign films")
    c.foreign.tariffs.add(other_operator)
    body = logged_in.json("video/subscription/list/")
    check_answer("video/subscription/list/", body)
    assert body["subscriptions"] == [
        {"id": subscriber.tariff.pk, "ext_id": "", "name": "Base", "description": "", "price": 300.0, "sort": 1,
         "is_purchased": True},
        {"id": c.cinema.pk, "ext_id": "CIN", "name": "Cinema", "description": "Films", "price": 199.0, "sort": 2,
         "is_purchased": False},
    ]
    assert ids(logged_in.json("video/subscription/list/", is_purchased=1)["subscriptions"]) == [subscriber.tariff.pk]
    assert ids(logged_in.json("video/subscription/list/", is_purchased=0)["subscriptions"]) == [c.cinema.pk]
    assert logged_in.json("video/subscription/list/", is_purchased=2)["error"] == 1
    # a hidden tariff the customer holds is theirs to see
    services.tariff_assign(customer=subscriber.customer, tariff=hidden)
    assert hidden.pk in ids(logged_in.json("video/subscription/list/", is_purchased=1)["subscriptions"])


def test_cancel_a_subscription(logged_in, subscriber, catalogue):  # noqa: F811
    c = catalogue
    services.tariff_assign(customer=subscriber.customer, tariff=c.cinema)
    assert c.cinema.pk in ids(logged_in.json("video/subscription/list/", is_purchased=1)["subscriptions"])
    assert logged_in.json("video/subscription/cancel/", subscription=c.cinema.pk) == {"error": 0, "error_message": ""}
    assert not TariffSubscription.objects.filter(customer=subscriber.customer, tariff=c.cinema, is_closed=False).exists()
    assert ids(logged_in.json("video/subscription/list/", is_purchased=1)["subscriptions"]) == [subscriber.tariff.pk]
    # no longer held, never held, another operator's, a basic tariff, garbage: 1
    foreign = factories.TariffFactory(client=c.foreign.client)
    for value in (c.cinema.pk, foreign.pk, subscriber.tariff.pk, 10**12, "abc", ""):
        assert logged_in.json("video/subscription/cancel/", subscription=value)["error"] == 1, value
    assert TariffSubscription.objects.filter(customer=subscriber.customer, tariff=subscriber.tariff,
                                             is_closed=False).exists()


def test_cancel_keeps_a_required_tariff(logged_in, subscriber, catalogue):  # noqa: F811
    c = catalogue
    c.cinema.required = True
    c.cinema.save()
    services.tariff_assign(customer=subscriber.customer, tariff=c.cinema)
    assert logged_in.json("video/subscription/cancel/", subscription=c.cinema.pk)["error"] == 1
    assert TariffSubscription.objects.filter(customer=subscriber.customer, tariff=c.cinema, is_closed=False).exists()


# --- selection/detail ----------------------------------------------------------------------------------

@pytest.fixture
def shelf(subscriber, catalogue):  # noqa: F811
    c = catalogue
    top = Selection.objects.create(client=subscriber.client, name="Top")
    SelectionExtra.objects.create(client=subscriber.client, selection=top,
                                  data={"promo_image": "https://img.example/top.jpg"})
    for sort, item in enumerate((c.free, c.withdrawn, c.base, c.unlisted, c.cinema_video)):
        SelectionItem.objects.create(selection=top, video=item, sort=sort)
    return top


def test_selection_detail(logged_in, catalogue, shelf):  # noqa: F811
    c = catalogue
    body = logged_in.json("selection/detail/", selection_id=shelf.pk)
    check_answer("selection/detail/", body)
    assert body["name"] == "Top" and body["type"] == 0 and body["promo_image"] == "https://img.example/top.jpg"
    assert body["count"] == 3 and body["next_cursor"] == 0
    videos = [entry["video"] for entry in body["contents"]]
    assert ids(videos) == [c.free.pk, c.base.pk, c.cinema_video.pk]  # the catalogue's, in the shelf's order
    base = videos[1]
    assert base["has_subscription"] == 1 and videos[2]["has_subscription"] == 0
    assert sorted(ids(base["actors_info"])) == sorted([c.actor.pk, c.director.pk]) and base["actors"]
    compact = logged_in.json("selection/detail/", selection_id=shelf.pk, compact=1)
    check_answer("selection/detail/", compact)
    assert not {"actors", "director", "actors_info"} & set(compact["contents"][1]["video"])
    page = logged_in.json("selection/detail/", selection_id=shelf.pk, limit=2)
    assert ids(e["video"] for e in page["contents"]) == [c.free.pk, c.base.pk] and page["next_cursor"] == 2
    rest = logged_in.json("selection/detail/", selection_id=shelf.pk, limit=2, cursor=page["next_cursor"])
    assert ids(e["video"] for e in rest["contents"]) == [c.cinema_video.pk] and rest["next_cursor"] == 0
    assert logged_in.json("selection/detail/", selection_id=shelf.pk, cursor=50)["contents"] == []


def test_selection_detail_of_a_package_lists_its_titles(logged_in, subscriber, catalogue):  # noqa: F811
    c = catalogue
    package = video(subscriber.client, name="Box", is_package=True, price_category=PriceCategory.FREE)
    package.package_videos.set([c.free, c.orphan])  # the orphan is not in the catalogue
    top = Selection.objects.create(client=subscriber.client, name="Boxes")
    SelectionItem.objects.create(selection=top, video=package)
    body = logged_in.json("selection/detail/", selection_id=top.pk)
    assert body["contents"][0]["video"]["package_videos"] == [{"id": c.free.pk}]


def test_selection_detail_errors(logged_in, subscriber, shelf):
    hidden = Selection.objects.create(client=subscriber.client, name="Off", enabled=False)
    foreign = Selection.objects.create(client=factories.ClientFactory(), name="Elsewhere")
    for params in ({"selection_id": hidden.pk}, {"selection_id": foreign.pk}, {"selection_id": 10**12}, {},
                   {"program_id": 5}, {"portal_dashboard_id": 5}, {"selection_id": "abc"},
                   {"selection_id": shelf.pk, "cursor": -1}, {"selection_id": shelf.pk, "order": "name"}):
        assert logged_in.json("selection/detail/", **params)["error"] == 1, params


def test_selection_detail_runs_constant_queries(logged_in, subscriber, catalogue):  # noqa: F811
    top = Selection.objects.create(client=subscriber.client, name="Many")
    person = Actor.objects.create(client=subscriber.client, name="Someone")

    def add(n):
        start = SelectionItem.objects.filter(selection=top).count()
        for i in range(start, start + n):
            v = video(subscriber.client, name=f"Shelf {i}", genres=[catalogue.drama], people=[person],
                      price_category=PriceCategory.FREE, is_package=bool(i % 2))
            VideoFile.objects.create(client=subscriber.client, video=v, path=f"/s{i}.mp4")
            SelectionItem.objects.create(selection=top, video=v, sort=i)

    def count():
        with CaptureQueriesContext(connection) as queries:
            body = logged_in.json("selection/detail/", selection_id=top.pk)
        assert body["error"] == 0
        return len(queries), len(body["contents"])

    count()  # the session's first use warms what every call shares
    add(2)
    small, rows_small = count()
    add(18)
    large, rows_large = count()
    assert (rows_small, rows_large) == (2, 20)
    assert small == large


# --- operators see only their own ------------------------------------------------------------------------

def test_another_operator_s_subscriber_sees_none_of_it(client, subscriber, catalogue, shelf):  # noqa: F811
    """The same ids from a subscriber of another operator: not found, nothing changed."""
    from tests.tvmiddleware.api.conftest import DeviceAPI, Subscriber

    other_client = factories.ClientFactory(api_key="other-key")
    customer = services.customer_create(client=other_client, firstname="A", lastname="B")
    account, password = services.account_create(client=other_client, customer=customer, abonement="200001",
                                                password="3333")
    tariff = factories.TariffFactory(client=other_client, name="Other base", basic_tariff_priority=1,
                                     price=Decimal("1.00"))
    services.tariff_assign(customer=customer, tariff=tariff)
    outsider = DeviceAPI(client, Subscriber(client=other_client, customer=customer, account=account,
                                            password=password, tariff=tariff))
    assert outsider.login()["error"] == 0
    c = catalogue
    episode = Episode.objects.create(client=subscriber.client, video=c.base, number=1)
    assert outsider.json("video/episode/detail/", episode_id=episode.pk)["error"] == 1
    assert outsider.json("video/rating/set/", vid=c.base.pk, rating=3)["error"] == 1
    assert outsider.json("video/settings/set/", vid=c.base.pk, is_favorited=1)["error"] == 1
    assert outsider.json("video/similar/", vid=c.base.pk)["error"] == 1
    assert outsider.json("video/listing/delete/", vid=c.base.pk, listing="history_only")["error"] == 1
    assert outsider.json("selection/detail/", selection_id=shelf.pk)["error"] == 1
    assert outsider.json("video/subscription/cancel/", subscription=c.cinema.pk)["error"] == 1
    assert outsider.json("video/subscription/list/")["subscriptions"] == []
    assert not VideoRating.objects.exists() and not AccountVideoSetting.objects.exists()


# --- video/url: partner playback fields ------------------------------------------------------------------

def test_video_url_of_an_own_title_has_empty_partner_fields(logged_in, subscriber, catalogue):  # noqa: F811
    from tvmiddleware.models import StreamServiceType

    factories.StreamServiceFactory(client=subscriber.client, name="VOD", type=StreamServiceType.VOD,
                                   url_mask="http://v.example/vod/$file/index.m3u8?token=$token")
    VideoFile.objects.create(client=subscriber.client, video=catalogue.free, path="films/free.mp4")
    body = logged_in.json("video/url/", vid=catalogue.free.pk, redirect=0)
    assert body["error"] == 0, body
    assert (body["ext_partner_id"], body["ext_auth_token"], body["ext_apikey"]) == ("", "", "")
    check_answer("video/url/", body)


def test_video_url_answers_the_played_file_s_skip_fragments(logged_in, subscriber, catalogue):  # noqa: F811
    from tvmiddleware.models import SkipVideoFragment, StreamServiceType

    factories.StreamServiceFactory(client=subscriber.client, name="VOD", type=StreamServiceType.VOD,
                                   url_mask="http://v.example/vod/$file/index.m3u8?token=$token")
    first = VideoFile.objects.create(client=subscriber.client, video=catalogue.free, path="films/free-1080.mp4",
                                     quality=1080)
    other = VideoFile.objects.create(client=subscriber.client, video=catalogue.free, path="films/free-480.mp4",
                                     quality=480)
    SkipVideoFragment.objects.create(client=subscriber.client, video_file=first, type=2, begin_time=Decimal("5000"),
                                     end_time=Decimal("5400.5"))
    SkipVideoFragment.objects.create(client=subscriber.client, video_file=first, type=0, begin_time=Decimal("0"),
                                     end_time=Decimal("90"))
    SkipVideoFragment.objects.create(client=subscriber.client, video_file=other, type=1, begin_time=Decimal("1"),
                                     end_time=Decimal("2"))
    body = logged_in.json("video/url/", vid=catalogue.free.pk, redirect=0)
    assert body["skip_video_fragments"] == [{"type": 0, "begin_time": 0.0, "end_time": 90.0},
                                            {"type": 2, "begin_time": 5000.0, "end_time": 5400.5}]
    check_answer("video/url/", body)
    body = logged_in.json("video/url/", vid=catalogue.free.pk, vfid=other.pk, redirect=0)
    assert body["skip_video_fragments"] == [{"type": 1, "begin_time": 1.0, "end_time": 2.0}]


@pytest.mark.parametrize("method", METHODS)
def test_every_method_declares_its_spec(method):
    from tests.tvmiddleware.api.test_method_specs import spec_of

    spec = spec_of(method)
    assert spec.summary and spec.response is not None and spec.invalid_param is not None
    assert all(param.description for param in spec.params), [p.name for p in spec.params if not p.description]


def test_bad_values_answer_declared_codes(logged_in, catalogue, shelf):  # noqa: F811
    """Every parameter of every film method, one bad value at a time: a declared code, never a 500."""
    from tests.tvmiddleware.api.test_method_specs import BAD_VALUES, spec_of

    episode = Episode.objects.create(client=catalogue.base.client, video=catalogue.base, number=1)
    good = {"video/episode/detail/": {"episode_id": episode.pk},
            "video/listing/delete/": {"vid": catalogue.base.pk, "listing": "history_only"},
            "video/rating/set/": {"vid": catalogue.base.pk, "rating": 5},
            "video/settings/set/": {"vid": catalogue.base.pk, "is_favorited": 1},
            "video/similar/": {"vid": catalogue.base.pk}, "video/subscription/list/": {},
            "video/subscription/cancel/": {"subscription": catalogue.cinema.pk},
            "selection/detail/": {"selection_id": shelf.pk}}
    for method in METHODS:
        for value in BAD_VALUES:
            for param in spec_of(method).params:
                response = logged_in.call(method, **{**good[method], param.name: value})
                check_answer(method, response.json())
