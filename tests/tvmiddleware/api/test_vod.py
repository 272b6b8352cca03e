"""Device API VOD methods: genres, videos (list, detail, episodes, buying), people, selections."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import CustomerTransaction, TransactionSource
from tests import factories
from tvmiddleware import services
from tvmiddleware.models import (
    AccountVideoSetting, Actor, ContentKind, ContentPosition, DomainEvent, Episode, PriceCategory, PurchaseKind,
    Season, Selection, SelectionItem, Tariff, Video, VideoFile, VideoPurchase,
)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@dataclass
class Catalogue:
    drama: object
    comedy: object
    cinema: Tariff
    free: Video
    base: Video
    cinema_video: Video
    paid: Video
    locked: Video
    unlisted: Video
    orphan: Video
    withdrawn: Video
    foreign: Video
    actor: Actor
    director: Actor


def video(client, **fields) -> Video:
    genres = fields.pop("genres", [])
    tariffs = fields.pop("tariffs", [])
    people = fields.pop("people", [])
    v = factories.VideoFactory(client=client, **fields)
    v.genres.set(genres)
    v.tariffs.set(tariffs)
    v.actors.set(people)
    return v


@pytest.fixture
def catalogue(subscriber) -> Catalogue:
    c = subscriber.client
    drama = factories.GenreFactory(client=c, name="Drama", sort=1)
    comedy = factories.GenreFactory(client=c, name="Comedy", sort=2)
    cinema = factories.TariffFactory(client=c, name="Cinema", basic_tariff_priority=0, price=Decimal("199.00"))
    quiet = factories.TariffFactory(client=c, name="Quiet", basic_tariff_priority=0, used_for_video_list=False)
    actor = Actor.objects.create(client=c, name="Иван Актёров", country="RU", birthdate=date(1970, 1, 2))
    director = Actor.objects.create(client=c, name="Anna Director", type="director")
    free = video(c, name="Free Film", name_orig="Liberty", year=2001, countries="США, Франция",
                 price_category=PriceCategory.FREE, genres=[drama], cover_url="https://img.example/free.jpg")
    base = video(c, name="Base Film", year=2010, countries="Россия", genres=[comedy, drama],
                 tariffs=[subscriber.tariff], people=[actor, director], cover="covers/base.jpg",
                 kinopoisk_rating=Decimal("7.50"), description="About base")
    VideoFile.objects.create(client=c, video=base, path="/vod/base-720.mp4", quality=720, duration=5400)
    VideoFile.objects.create(client=c, video=base, path="/vod/base-1080.mp4", quality=1080, duration=5400)
    cinema_video = video(c, name="Cinema Film", year=2015, countries="США", genres=[comedy], tariffs=[cinema],
                         people=[actor])
    paid = video(c, name="Paid Film", year=2020, price_category=PriceCategory.PURCHASE, price=Decimal("50.00"),
                 rent_price=Decimal("20.00"), rent_hours=48, tariffs=[subscriber.tariff])
    locked = video(c, name="Adult Film", year=1999, price_category=PriceCategory.FREE, is_parent_control=True)
    unlisted = video(c, name="Quiet Film", tariffs=[quiet])
    orphan = video(c, name="Orphan Film")
    withdrawn = video(c, name="Withdrawn Film", price_category=PriceCategory.PURCHASE, price=Decimal("5.00"),
                      available=False)
    foreign = video(factories.ClientFactory(), name="Foreign Film", price_category=PriceCategory.FREE)
    return Catalogue(drama=drama, comedy=comedy, cinema=cinema, free=free, base=base, cinema_video=cinema_video,
                     paid=paid, locked=locked, unlisted=unlisted, orphan=orphan, withdrawn=withdrawn,
                     foreign=foreign, actor=actor, director=director)


def ids(body: dict, key: str = "videos") -> list[int]:
    return [row["id"] for row in body[key]]


METHODS = ["genre/list/", "video/list/", "video/detail/", "video/episode/list/", "video/action/", "actor/list/",
           "actor/list/search/", "actor/detail/", "selection/list/"]


@pytest.mark.parametrize("method", METHODS)
def test_every_method_needs_a_session(api, catalogue, method):
    assert api.json(method, vid=catalogue.free.pk, aid=catalogue.actor.pk, action="buy")["error"] == 403
    assert api.json(method, authkey="0" * 128)["error"] == 403


@pytest.mark.parametrize("method", METHODS)
def test_hostile_input_never_breaks_a_method(logged_in, catalogue, method):
    for value in ("abc", "-1", "1' OR '1'='1", "<script>", "9" * 30, "1,2", "\x00"):
        params = {name: value for name in ("vid", "aid", "season_id", "page", "limit", "order", "genre", "year",
                                           "search", "action", "type", "country", "parent_code")}
        body = logged_in.json(method, **params)
        assert body["error"] != 0 or method in ("genre/list/",), (method, value, body)


class TestVideoList:
    def test_lists_the_catalogue_with_access_flags(self, logged_in, catalogue):
        body = logged_in.json("video/list/", order="name")
        c = catalogue
        assert body["error"] == 0
        # free, opened by a listing tariff (held or not), purchasable; never unlisted, orphan, withdrawn, foreign
        assert ids(body) == [c.locked.pk, c.base.pk, c.cinema_video.pk, c.free.pk, c.paid.pk]
        assert body["count"] == 5
        rows = {row["id"]: row for row in body["videos"]}
        assert rows[c.base.pk]["has_subscription"] == 1
        assert rows[c.cinema_video.pk]["has_subscription"] == 0
        assert rows[c.free.pk]["has_subscription"] == 1
        assert rows[c.paid.pk]["has_subscription"] == 0  # a tariff lists it, yet it must be bought
        assert rows[c.locked.pk]["is_parent_control"] == 1 and rows[c.base.pk]["is_parent_control"] == 0

    def test_row_fields(self, logged_in, catalogue):
        c = catalogue
        rows = {row["id"]: row for row in logged_in.json("video/list/")["videos"]}
        base = rows[c.base.pk]
        assert base["name"] == "Base Film" and base["year"] == 2010 and base["description"] == "About base"
        assert base["genres"] == "Drama, Comedy" and base["countries"] == "Россия"
        assert base["actors"] == "Иван Актёров" and base["director"] == "Anna Director"
        assert base["thumbnail_big"] == "http://testserver/media/covers/base.jpg"
        assert rows[c.free.pk]["thumbnail_small"] == "https://img.example/free.jpg"
        assert base["kinopoisk_rating"] == 7.5 and base["is_season"] == 0 and base["is_package"] == 0
        assert [f["quality"] for f in base["files"]] == [1080, 720]
        assert base["files"][0]["duration"] == 5400 and "path" not in base["files"][0]
        assert base["is_purchased"] == 0 and base["is_favorited"] == 0 and base["video_source"] == 1
        paid = rows[c.paid.pk]
        assert paid["price_category"] == "purchase" and paid["price_category_type"] == 1
        assert paid["price"] == 50.0 and paid["rent_price"] == 20.0 and paid["rent_hours"] == 48

    def test_search_matches_name_and_original_name(self, logged_in, catalogue):
        assert ids(logged_in.json("video/list/", search="base")) == [catalogue.base.pk]
        assert ids(logged_in.json("video/list/", search="libert")) == [catalogue.free.pk]
        assert logged_in.json("video/list/", search="nothing like it")["count"] == 0
        assert logged_in.json("video/list/", search="%")["count"] == 0

    def test_genre_filters(self, logged_in, catalogue):
        c = catalogue
        assert set(ids(logged_in.json("video/list/", genre=c.drama.pk))) == {c.free.pk, c.base.pk}
        assert ids(logged_in.json("video/list/", genre=f"{c.drama.pk},{c.comedy.pk}")) == [c.base.pk]
        assert ids(logged_in.json("video/list/", gid=c.drama.pk, genre=c.comedy.pk)) == [c.base.pk]
        assert set(ids(logged_in.json("video/list/", genre_any=f"{c.drama.pk},{c.comedy.pk}"))) == {
            c.free.pk, c.base.pk, c.cinema_video.pk}
        foreign_genre = factories.GenreFactory()
        assert logged_in.json("video/list/", genre=foreign_genre.pk)["count"] == 0

    def test_year_country_actor_and_tariff_filters(self, logged_in, catalogue):
        c = catalogue
        assert set(ids(logged_in.json("video/list/", year_from=2010, year_to=2015))) == {c.base.pk, c.cinema_video.pk}
        assert set(ids(logged_in.json("video/list/", year="2001,2020"))) == {c.free.pk, c.paid.pk}
        assert set(ids(logged_in.json("video/list/", country="сша"))) == {c.free.pk, c.cinema_video.pk}
        assert set(ids(logged_in.json("video/list/", country="США"))) == {c.free.pk, c.cinema_video.pk}
        assert ids(logged_in.json("video/list/", country="Франция")) == [c.free.pk]
        assert set(ids(logged_in.json("video/list/", aid=c.actor.pk))) == {c.base.pk, c.cinema_video.pk}
        assert ids(logged_in.json("video/list/", tariff=c.cinema.pk)) == [c.cinema_video.pk]
        assert c.cinema_video.pk not in ids(logged_in.json("video/list/", exclude_tariff_id=c.cinema.pk))
        assert ids(logged_in.json("video/list/", kinopoisk_rating_from="7.1")) == [c.base.pk]

    def test_source_and_kind_filters(self, logged_in, catalogue):
        c = catalogue
        cinema_system = factories.ExternalSystemFactory(client=c.free.client, name="Megogo")
        Video.objects.filter(pk=c.free.pk).update(external_system=cinema_system, ext_id="m-1")
        Video.objects.filter(pk=c.base.pk).update(is_series=True)
        assert ids(logged_in.json("video/list/", source_type=2)) == [c.free.pk]
        assert ids(logged_in.json("video/list/", source_internal=0)) == [c.free.pk]
        assert c.free.pk not in ids(logged_in.json("video/list/", source_type=1))
        assert logged_in.json("video/list/", source_internal=0, source_external=0)["count"] == 0
        assert ids(logged_in.json("video/list/", provider_id=cinema_system.pk)) == [c.free.pk]
        assert ids(logged_in.json("video/list/", provider="Megogo")) == [c.free.pk]
        assert ids(logged_in.json("video/list/", season=1)) == [c.base.pk]
        assert c.base.pk not in ids(logged_in.json("video/list/", season=0))
        assert logged_in.json("video/list/", source_type=3)["error"] == 1

    def test_orders(self, logged_in, catalogue):
        c = catalogue
        assert ids(logged_in.json("video/list/", order="-year")) == [
            c.paid.pk, c.cinema_video.pk, c.base.pk, c.free.pk, c.locked.pk]
        assert ids(logged_in.json("video/list/", order="year"))[0] == c.locked.pk
        assert ids(logged_in.json("video/list/", order="-id"))[0] == c.locked.pk
        assert ids(logged_in.json("video/list/", order="-kinopoisk_rating"))[0] == c.base.pk
        for order in ("created_at", "-updated_at", "premiere_date", "-average_customers_rating", "-name"):
            assert logged_in.json("video/list/", order=order)["count"] == 5
        assert logged_in.json("video/list/", order="price; DROP TABLE")["error"] == 1

    def test_pagination(self, logged_in, catalogue):
        first = logged_in.json("video/list/", order="name", limit=2)
        second = logged_in.json("video/list/", order="name", limit=2, page=2)
        last = logged_in.json("video/list/", order="name", limit=2, page=3)
        assert first["count"] == second["count"] == 5
        assert len(first["videos"]) == 2 and len(last["videos"]) == 1
        assert not set(ids(first)) & set(ids(second))
        assert logged_in.json("video/list/", page=99)["videos"] == []
        assert len(logged_in.json("video/list/", limit=1000)["videos"]) == 5  # clamped to 100
        for bad in ({"limit": 0}, {"limit": -5}, {"page": 0}, {"page": "x"}, {"limit": "1.5"}):
            assert logged_in.json("video/list/", **bad)["error"] == 1

    def test_limit_above_100_is_clamped(self, logged_in, subscriber):
        for i in range(105):
            factories.VideoFactory(client=subscriber.client, price_category=PriceCategory.FREE)
        body = logged_in.json("video/list/", limit=500)
        assert body["count"] == 105 and len(body["videos"]) == 100

    def test_personal_filters(self, logged_in, subscriber, catalogue):
        c = catalogue
        account = subscriber.account
        AccountVideoSetting.objects.create(client=subscriber.client, account=account, video=c.free, is_favorited=True)
        ContentPosition.objects.create(client=subscriber.client, account=account, content_type=ContentKind.VIDEO,
                                       content_id=c.base.pk, position=120, is_viewed=False)
        ContentPosition.objects.create(client=subscriber.client, account=account, content_type=ContentKind.VIDEO,
                                       content_id=c.cinema_video.pk, position=10, is_viewed=True)
        VideoPurchase.objects.create(client=subscriber.client, customer=subscriber.customer, video=c.withdrawn,
                                     kind=PurchaseKind.BUY, price=Decimal("5.00"))
        assert ids(logged_in.json("video/list/", favorited_only=1)) == [c.free.pk]
        assert ids(logged_in.json("video/list/", is_viewing=1)) == [c.base.pk]
        assert ids(logged_in.json("video/list/", viewed_only=1)) == [c.cinema_video.pk]
        assert set(ids(logged_in.json("video/list/", history_only=1))) == {c.base.pk, c.cinema_video.pk}
        # purchases stay listed after the title left the catalogue
        assert ids(logged_in.json("video/list/", get_purchased=1)) == [c.withdrawn.pk]
        assert logged_in.json("video/list/", get_purchased=1, favorited_only=1)["error"] == 2
        rows = {row["id"]: row for row in logged_in.json("video/list/")["videos"]}
        assert rows[c.free.pk]["is_favorited"] == 1
        assert rows[c.base.pk]["position"] == 120 and rows[c.cinema_video.pk]["is_viewed"] == 1

    def test_new_announcement_and_premiere(self, logged_in, catalogue):
        Video.objects.filter(pk=catalogue.free.pk).update(created_at=timezone.now() - timedelta(days=400))
        assert catalogue.free.pk not in ids(logged_in.json("video/list/", new=1))
        assert logged_in.json("video/list/", new=1)["count"] == 4
        assert logged_in.json("video/list/", announcement=1)["count"] == 0
        assert logged_in.json("video/list/", premiere=1)["count"] == 0

    def test_constant_number_of_queries(self, logged_in, subscriber, django_assert_max_num_queries):
        c = subscriber.client
        genres = [factories.GenreFactory(client=c) for _ in range(3)]
        people = [Actor.objects.create(client=c, name=f"Person {i}") for i in range(3)]

        def add(n):
            for _ in range(n):
                v = video(c, price_category=PriceCategory.PURCHASE, price=Decimal("1.00"), genres=genres,
                          people=people, tariffs=[subscriber.tariff])
                VideoFile.objects.create(client=c, video=v, path="/x.mp4")
                VideoPurchase.objects.create(client=c, customer=subscriber.customer, video=v, kind="buy",
                                             price=Decimal("1.00"))
                AccountVideoSetting.objects.create(client=c, account=subscriber.account, video=v, is_favorited=True)

        add(5)
        logged_in.json("video/list/", limit=100)  # warm the session cache
        with CaptureQueriesContext(connection) as five:
            assert len(logged_in.json("video/list/", limit=100)["videos"]) == 5
        add(45)
        with django_assert_max_num_queries(len(five.captured_queries)):
            body = logged_in.json("video/list/", limit=100)
        assert len(body["videos"]) == 50
        assert all(row["is_purchased"] == 1 and row["is_favorited"] == 1 for row in body["videos"])


class TestVideoDetail:
    def test_fields_and_play_actions(self, logged_in, catalogue, subscriber):
        c = catalogue
        season = Season.objects.create(client=subscriber.client, video=c.base, number=1, name="First")
        Episode.objects.create(client=subscriber.client, video=c.base, season=season, number=1)
        body = logged_in.json("video/detail/", vid=c.base.pk)
        assert body["error"] == 0
        assert body["id"] == c.base.pk and body["name"] == "Base Film" and body["is_purchased"] == 0
        assert body["seasons"] == [{"id": season.pk, "name": "First", "number": 1}] and body["episode_count"] == 1
        assert body["actors_info"] == [{"id": c.actor.pk, "name": "Иван Актёров", "photo": "", "country": "RU",
                                        "gender": "", "birthdate": "1970-01-02", "type": "actor"}]
        assert [a["name"] for a in logged_in.json("video/detail/", vid=c.base.pk, type="all")["actors_info"]] == [
            "Anna Director", "Иван Актёров"]
        plays = body["actions"]
        assert [a["action"] for a in plays] == ["play", "play"]
        assert [a["quality"] for a in plays] == [1080, 720] and plays[0]["file_id"]
        assert body["has_subscription"] == 1 and body["genres"] == "Drama, Comedy"

    def test_buy_and_rent_actions(self, logged_in, catalogue):
        body = logged_in.json("video/detail/", vid=catalogue.paid.pk)
        actions = {a["action"]: a for a in body["actions"]}
        assert set(actions) == {"buy", "rent"}
        assert actions["buy"]["price"] == 50.0
        assert actions["rent"]["price"] == 20.0 and actions["rent"]["rent_hours"] == 48
        assert actions["rent"]["duration"] == str(48 * 3600)

    def test_subscribe_actions_name_the_tariffs_that_open_it(self, logged_in, catalogue):
        body = logged_in.json("video/detail/", vid=catalogue.cinema_video.pk)
        assert [(a["action"], a["tariff_id"], a["price"]) for a in body["actions"]] == [
            ("subscribe", catalogue.cinema.pk, 199.0)]
        assert body["has_subscription"] == 0

    def test_unknown_foreign_and_withdrawn_titles_are_error_1(self, logged_in, catalogue, subscriber):
        for vid in (catalogue.foreign.pk, 99999999, catalogue.withdrawn.pk):
            assert logged_in.json("video/detail/", vid=vid)["error"] == 1
        assert logged_in.json("video/detail/")["error"] == 1
        assert logged_in.json("video/detail/", vid="x")["error"] == 1
        assert logged_in.json("video/detail/", vid=catalogue.base.pk, actors_order="shoe")["error"] == 1
        # a withdrawn title stays reachable for those who bought it
        VideoPurchase.objects.create(client=subscriber.client, customer=subscriber.customer, video=catalogue.withdrawn,
                                     kind=PurchaseKind.BUY, price=Decimal("5.00"))
        body = logged_in.json("video/detail/", vid=catalogue.withdrawn.pk)
        assert body["error"] == 0 and body["is_purchased"] == 1
        assert [a["action"] for a in body["actions"]] == ["play"]

    def test_parental_control(self, logged_in, catalogue, subscriber):
        assert logged_in.json("video/detail/", vid=catalogue.locked.pk)["error"] == 0  # no code set: open
        services.account_modify(account=subscriber.account, parent_code="1234")
        body = logged_in.json("video/detail/", vid=catalogue.locked.pk)
        assert body["error"] == 1 and "parent_code" in body["error_message"]
        assert logged_in.json("video/detail/", vid=catalogue.locked.pk, parent_code="0000")["error"] == 1
        assert logged_in.json("video/detail/", vid=catalogue.locked.pk, parent_code="1234")["error"] == 0
        assert logged_in.json("video/detail/", vid=catalogue.free.pk)["error"] == 0  # not locked


class TestVideoAction:
    def test_buy_charges_once_and_records_everything(self, logged_in, catalogue, subscriber):
        body = logged_in.json("video/action/", vid=catalogue.paid.pk, action="buy")
        assert body["error"] == 0 and body["expires_at"] is None and body["balance"] == "50.00"
        subscriber.customer.refresh_from_db()
        assert subscriber.customer.balance == Decimal("50.00")
        purchase = VideoPurchase.objects.get(customer=subscriber.customer, video=catalogue.paid)
        assert purchase.kind == "buy" and purchase.price == Decimal("50.00") and purchase.expires_at is None
        assert purchase.transaction.amount == Decimal("-50.00")
        assert purchase.transaction.source == TransactionSource.PURCHASE
        event = DomainEvent.objects.get(name="video.purchased")
        assert event.customer_id == subscriber.customer.pk and event.payload["purchase_id"] == purchase.pk
        assert event.payload["video_id"] == catalogue.paid.pk and event.payload["price"] == "50.00"
        # the second time: already bought, nothing charged
        assert logged_in.json("video/action/", vid=catalogue.paid.pk, action="buy")["error"] == 3
        assert logged_in.json("video/action/", vid=catalogue.paid.pk, action="rent")["error"] == 3
        assert CustomerTransaction.objects.filter(customer=subscriber.customer,
                                                  source=TransactionSource.PURCHASE).count() == 1
        # and the title shows as bought and watchable
        detail = logged_in.json("video/detail/", vid=catalogue.paid.pk)
        assert detail["is_purchased"] == 1 and detail["has_subscription"] == 1
        assert [a["action"] for a in detail["actions"]] == ["play"]
        row = next(r for r in logged_in.json("video/list/")["videos"] if r["id"] == catalogue.paid.pk)
        assert row["is_purchased"] == 1 and row["has_subscription"] == 1

    def test_rent_expires_and_can_be_rented_again(self, logged_in, catalogue, subscriber):
        body = logged_in.json("video/action/", vid=catalogue.paid.pk, action="rent")
        purchase = VideoPurchase.objects.get()
        assert body["error"] == 0 and purchase.kind == "rent" and purchase.price == Decimal("20.00")
        assert timedelta(hours=47) < purchase.expires_at - timezone.now() <= timedelta(hours=48)
        assert body["expires_at"] == int(purchase.expires_at.timestamp())
        assert logged_in.json("video/detail/", vid=catalogue.paid.pk)["purchase_expires_at"] == body["expires_at"]
        assert logged_in.json("video/action/", vid=catalogue.paid.pk, action="rent")["error"] == 3
        VideoPurchase.objects.filter(pk=purchase.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
        assert logged_in.json("video/detail/", vid=catalogue.paid.pk)["is_purchased"] == 0
        assert logged_in.json("video/action/", vid=catalogue.paid.pk, action="rent")["error"] == 0
        subscriber.customer.refresh_from_db()
        assert subscriber.customer.balance == Decimal("60.00")

    def test_insufficient_funds_leaves_no_trace(self, logged_in, catalogue, subscriber):
        Video.objects.filter(pk=catalogue.paid.pk).update(price=Decimal("100.01"))
        assert logged_in.json("video/action/", vid=catalogue.paid.pk, action="buy")["error"] == 2
        subscriber.customer.refresh_from_db()
        assert subscriber.customer.balance == Decimal("100.00")
        assert not VideoPurchase.objects.exists() and not DomainEvent.objects.filter(name="video.purchased").exists()
        assert not CustomerTransaction.objects.filter(source=TransactionSource.PURCHASE).exists()

    def test_refusals(self, logged_in, catalogue, subscriber):
        c = catalogue
        assert logged_in.json("video/action/", vid=c.free.pk, action="buy")["error"] == 1
        assert logged_in.json("video/action/", vid=c.cinema_video.pk, action="buy")["error"] == 1
        assert logged_in.json("video/action/", vid=c.cinema_video.pk, action="subscribe")["error"] == 1
        assert logged_in.json("video/action/", vid=c.paid.pk, action="steal")["error"] == 1
        assert logged_in.json("video/action/", vid=c.paid.pk)["error"] == 1
        assert logged_in.json("video/action/", vid=c.foreign.pk, action="buy")["error"] == 5
        assert logged_in.json("video/action/", vid=c.withdrawn.pk, action="buy")["error"] == 5
        assert logged_in.json("video/action/", vid=987654321, action="buy")["error"] == 5
        Video.objects.filter(pk=c.paid.pk).update(rent_price=None)
        assert logged_in.json("video/action/", vid=c.paid.pk, action="rent")["error"] == 1
        assert not VideoPurchase.objects.exists()
        subscriber.customer.refresh_from_db()
        assert subscriber.customer.balance == Decimal("100.00")

    def test_inactive_account_cannot_buy(self, logged_in, catalogue, subscriber):
        services.account_block_for_debt(account=subscriber.account)
        cache.clear()  # the session cache may hold the account; the account row is read per request anyway
        body = logged_in.json("video/action/", vid=catalogue.paid.pk, action="buy")
        assert body["error"] == 4
        assert not VideoPurchase.objects.exists()

    def test_locked_title_needs_the_parent_code(self, logged_in, catalogue, subscriber):
        Video.objects.filter(pk=catalogue.paid.pk).update(is_parent_control=True)
        services.account_modify(account=subscriber.account, parent_code="4321")
        assert logged_in.json("video/action/", vid=catalogue.paid.pk, action="buy")["error"] == 1
        assert not VideoPurchase.objects.exists()
        assert logged_in.json("video/action/", vid=catalogue.paid.pk, action="buy", parent_code="4321")["error"] == 0


class TestEpisodes:
    @pytest.fixture
    def series(self, subscriber, catalogue):
        c = subscriber.client
        Video.objects.filter(pk=catalogue.base.pk).update(is_series=True)
        seasons = [Season.objects.create(client=c, video=catalogue.base, number=n) for n in (1, 2)]
        episodes = []
        for season in seasons:
            for number in (2, 1):
                e = Episode.objects.create(client=c, video=catalogue.base, season=season, number=number,
                                           name=f"S{season.number}E{number}", duration=45)
                VideoFile.objects.create(client=c, video=catalogue.base, episode=e, path=f"/e{e.pk}.mp4", quality=720)
                episodes.append(e)
        return seasons

    def test_episodes_of_a_season(self, logged_in, series):
        body = logged_in.json("video/episode/list/", season_id=series[1].pk)
        assert body["error"] == 0 and body["season_number"] == 2
        assert [e["name"] for e in body["episodes"]] == ["S2E1", "S2E2"]
        first = body["episodes"][0]
        assert first["number"] == 1 and first["duration"] == 45 and first["is_free"] == 0
        assert len(first["files"]) == 1 and first["files"][0]["quality"] == 720

    def test_episodes_of_a_whole_series(self, logged_in, series, catalogue):
        body = logged_in.json("video/episode/list/", vid=catalogue.base.pk)
        assert [e["name"] for e in body["episodes"]] == ["S1E1", "S1E2", "S2E1", "S2E2"]

    def test_unknown_and_foreign_seasons(self, logged_in, series, catalogue):
        foreign_video = catalogue.foreign
        foreign_season = Season.objects.create(client=foreign_video.client, video=foreign_video, number=1)
        assert logged_in.json("video/episode/list/", season_id=foreign_season.pk)["error"] == 1
        assert logged_in.json("video/episode/list/", season_id=99999999)["error"] == 1
        assert logged_in.json("video/episode/list/")["error"] == 1
        assert logged_in.json("video/episode/list/", vid=foreign_video.pk)["error"] == 1
        assert logged_in.json("video/episode/list/", vid=catalogue.free.pk, season_id=series[0].pk)["error"] == 1


class TestGenres:
    def test_genres_with_catalogue_counts(self, logged_in, catalogue):
        factories.GenreFactory(name="Foreign")  # another operator's
        body = logged_in.json("genre/list/")
        assert body["error"] == 0
        assert [(g["name"], g["count"], g["is_category"]) for g in body["genres"]] == [
            ("Drama", 2, 0), ("Comedy", 2, 0)]
        # unavailable titles do not count
        Video.objects.filter(pk=catalogue.free.pk).update(available=False)
        assert [g["count"] for g in logged_in.json("genre/list/")["genres"]] == [1, 2]
        assert logged_in.json("genre/list/", categories=1)["genres"] == []
        counts = [g["count"] for g in logged_in.json("genre/list/", category_id=catalogue.drama.pk)["genres"]]
        assert counts == [1, 1]
        assert logged_in.json("genre/list/", categories=7)["error"] == 1


class TestActors:
    def test_list_search_order_and_pagination(self, logged_in, catalogue):
        c = catalogue
        body = logged_in.json("actor/list/")
        assert body["error"] == 0 and body["count"] == 1 and body["actors"][0]["name"] == "Иван Актёров"
        assert body["actors"][0]["film_count"] == 2 and body["actors"][0]["profession"] == "Actor"
        everyone = logged_in.json("actor/list/", type="all", order="cyrillic-first")
        assert [a["name"] for a in everyone["actors"]] == ["Иван Актёров", "Anna Director"]
        assert [a["name"] for a in logged_in.json("actor/list/", type="director")["actors"]] == ["Anna Director"]
        assert logged_in.json("actor/list/", type="all", search="anna")["count"] == 1
        assert logged_in.json("actor/list/search/", search="Anna", type="all")["count"] == 1
        assert logged_in.json("actor/list/search/")["error"] == 1
        assert logged_in.json("actor/list/", vid=c.cinema_video.pk, type="all")["count"] == 1
        assert logged_in.json("actor/list/", vid=c.foreign.pk)["error"] == 1
        assert logged_in.json("actor/list/", order="salary")["error"] == 1
        assert logged_in.json("actor/list/", type="all", limit=1, page=2)["actors"][0]["name"] == "Иван Актёров"

    def test_detail_with_videos(self, logged_in, catalogue):
        body = logged_in.json("actor/detail/", aid=catalogue.actor.pk)
        assert body["error"] == 0 and body["name"] == "Иван Актёров" and body["birthdate"] == "1970-01-02"
        assert {g["name"] for g in body["genres"]} == {"Drama", "Comedy"}
        assert ids(body) == [catalogue.cinema_video.pk, catalogue.base.pk] and body["videos_count"] == 2
        assert logged_in.json("actor/detail/", aid=Actor.objects.create(
            client=catalogue.foreign.client, name="Stranger").pk)["error"] == 1
        assert logged_in.json("actor/detail/")["error"] == 1


class TestSelections:
    def test_enabled_selections_in_order_with_available_items(self, logged_in, catalogue, subscriber):
        c = subscriber.client
        top = Selection.objects.create(client=c, name="Top", sort=1)
        new = Selection.objects.create(client=c, name="New", sort=2)
        Selection.objects.create(client=c, name="Off", sort=0, enabled=False)
        Selection.objects.create(client=catalogue.foreign.client, name="Foreign", sort=0)
        for sort, v in enumerate([catalogue.paid, catalogue.withdrawn, catalogue.free, catalogue.base]):
            SelectionItem.objects.create(selection=top, video=v, sort=10 - sort)
        SelectionItem.objects.create(selection=new, video=catalogue.base, sort=0)
        body = logged_in.json("selection/list/")
        assert body["error"] == 0 and [s["name"] for s in body["selections"]] == ["Top", "New"]
        first = body["selections"][0]
        assert first["count"] == 3 and first["type"] == 0
        assert ids(first) == [catalogue.base.pk, catalogue.free.pk, catalogue.paid.pk]
        assert ids(logged_in.json("selection/list/", videos_limit=2)["selections"][0]) == [
            catalogue.base.pk, catalogue.free.pk]
        assert [s["name"] for s in logged_in.json("selection/list/", limit=1, page=2)["selections"]] == ["New"]
        assert [s["name"] for s in logged_in.json("selection/list/", order="-date")["selections"]] == ["New", "Top"]
        assert logged_in.json("selection/list/", type=1)["selections"] == []
        assert logged_in.json("selection/list/", content_type=0)["selections"] == []
        assert logged_in.json("selection/list/", order="rank")["error"] == 1

    def test_constant_number_of_queries(self, logged_in, subscriber, django_assert_max_num_queries):
        c = subscriber.client
        genre = factories.GenreFactory(client=c)

        def add(n):
            for _ in range(n):
                selection = Selection.objects.create(client=c, name="S")
                for _ in range(3):
                    v = video(c, price_category=PriceCategory.FREE, genres=[genre])
                    SelectionItem.objects.create(selection=selection, video=v)

        add(5)
        logged_in.json("selection/list/")
        with CaptureQueriesContext(connection) as five:
            assert len(logged_in.json("selection/list/")["selections"]) == 5
        add(45)
        with django_assert_max_num_queries(len(five.captured_queries)):
            body = logged_in.json("selection/list/")
        assert len(body["selections"]) == 50 and all(len(s["videos"]) == 3 for s in body["selections"])
