"""One VOD rule set: video/list (`has_subscription`, `is_purchased`), video/detail (`actions`),
video/url and the streamers' token check (`streaming.access`) agree on every kind of title —
free, subscription (own tariffs, an online cinema's subscription tariff, its listing-only catalogue
tariff), purchase (bought or not) — and on subscriptions whose granted period is over."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests import factories
from tvmiddleware import services
from tvmiddleware.models import (
    ExternalSystem, PriceCategory, PurchaseKind, StreamServiceType, TariffSubscription, Video, VideoFile,
    VideoPurchase,
)
from tvmiddleware.streaming import access


@pytest.fixture(autouse=True)
def _no_local_access_cache(settings):
    settings.TVMIDDLEWARE_ACCESS_LOCAL_CACHE_SECONDS = 0
    access.clear_local_cache()


@dataclass
class Seen:
    """What each surface says about one title."""

    listed_open: int  # video/list has_subscription
    purchased: int  # video/list is_purchased
    detail_actions: set[str]  # video/detail actions
    url_error: int  # video/url
    token_check: bool  # streaming.access.can_watch

    @property
    def open_everywhere(self) -> bool:
        return (self.listed_open == 1 and self.detail_actions == {"play"} and self.url_error == 0
                and self.token_check)

    @property
    def closed_everywhere(self) -> bool:
        return (self.listed_open == 0 and "play" not in self.detail_actions and self.url_error == 3
                and not self.token_check)


def seen(api, subscriber, video: Video) -> Seen:
    access.invalidate_customer(subscriber.customer.pk)  # the fixtures write without commit callbacks
    rows = {row["id"]: row for row in api.json("video/list/", limit=100, get_purchased=None)["videos"]}
    detail = api.json("video/detail/", vid=video.pk)
    assert detail["error"] == 0, detail
    row = rows.get(video.pk, detail)
    return Seen(listed_open=row["has_subscription"], purchased=row["is_purchased"],
                detail_actions={a["action"] for a in detail["actions"]},
                url_error=api.json("video/url/", vid=video.pk, redirect=0)["error"],
                token_check=access.can_watch(subscriber.account.pk, "vod", video.pk))


@dataclass
class Shop:
    cinema: ExternalSystem
    catalogue: object  # the cinema's catalogue tariff (listing-only)
    cinema_svod: object  # the cinema's subscription tariff
    other: object  # a tariff the subscriber does not hold


@pytest.fixture
def shop(subscriber, test_plugin) -> Shop:
    c = subscriber.client
    factories.StreamServiceFactory(client=c, name="VOD", type=StreamServiceType.VOD,
                                   url_mask="http://v.example/vod/$file/index.m3u8?token=$token")
    # Not hidden on purpose: the rule, not the flag, keeps it from being offered or opening titles.
    catalogue = factories.TariffFactory(client=c, name="Cinema catalogue", basic_tariff_priority=0,
                                        price=Decimal("0.00"))
    cinema_svod = factories.TariffFactory(client=c, name="Cinema subscription", basic_tariff_priority=0,
                                          price=Decimal("5.00"))
    other = factories.TariffFactory(client=c, name="Other", basic_tariff_priority=0, price=Decimal("7.00"))
    cinema = ExternalSystem.objects.create(client=c, name="Cinema", api_class="test_plugin", tariff=catalogue)
    services.tariff_assign(customer=subscriber.customer, tariff=catalogue)
    return Shop(cinema=cinema, catalogue=catalogue, cinema_svod=cinema_svod, other=other)


def title(subscriber, *, tariffs=(), **fields) -> Video:
    video = factories.VideoFactory(client=subscriber.client, **fields)
    video.tariffs.set(tariffs)
    VideoFile.objects.create(client=subscriber.client, video=video, path=f"films/{video.pk}.mp4")
    return video


@pytest.fixture
def session(logged_in, shop):
    return logged_in


class TestAgreement:
    def test_free(self, session, subscriber, shop):
        assert seen(session, subscriber, title(subscriber, price_category=PriceCategory.FREE)).open_everywhere

    def test_subscription_opened_by_a_held_tariff(self, session, subscriber, shop):
        video = title(subscriber, tariffs=[subscriber.tariff])
        assert seen(session, subscriber, video).open_everywhere

    def test_subscription_of_a_tariff_not_held_offers_it(self, session, subscriber, shop):
        video = title(subscriber, tariffs=[shop.other])
        view = seen(session, subscriber, video)
        assert view.closed_everywhere and view.detail_actions == {"subscribe"}

    def test_cinema_catalogue_tariff_only_lists(self, session, subscriber, shop):
        video = title(subscriber, tariffs=[shop.catalogue, shop.cinema_svod], external_system=shop.cinema,
                      ext_id="c-1")
        view = seen(session, subscriber, video)
        assert view.closed_everywhere
        detail = session.json("video/detail/", vid=video.pk)
        assert [(a["action"], a["tariff_id"]) for a in detail["actions"]] == [("subscribe", shop.cinema_svod.pk)]
        # listed in the catalogue all the same
        assert video.pk in {row["id"] for row in session.json("video/list/", limit=100)["videos"]}

    def test_cinema_subscription_tariff_opens(self, session, subscriber, shop):
        video = title(subscriber, tariffs=[shop.catalogue, shop.cinema_svod], external_system=shop.cinema,
                      ext_id="c-2")
        services.tariff_assign(customer=subscriber.customer, tariff=shop.cinema_svod)
        assert seen(session, subscriber, video).open_everywhere

    def test_catalogue_tariff_is_listing_only_for_its_own_cinema_only(self, session, subscriber, shop):
        # the operator's own title that the same tariff opens is not the cinema's: the tariff opens it
        own = title(subscriber, tariffs=[shop.catalogue])
        assert seen(session, subscriber, own).open_everywhere

    def test_purchase_not_bought(self, session, subscriber, shop):
        video = title(subscriber, price_category=PriceCategory.PURCHASE, price=Decimal("10.00"),
                      tariffs=[subscriber.tariff])  # listed by a held tariff: still to be bought
        view = seen(session, subscriber, video)
        assert view.closed_everywhere and view.detail_actions == {"buy"} and view.purchased == 0

    @pytest.mark.parametrize("kind", [PurchaseKind.BUY, PurchaseKind.RENT])
    def test_purchase_bought_or_rented(self, session, subscriber, shop, kind):
        video = title(subscriber, price_category=PriceCategory.PURCHASE, price=Decimal("10.00"),
                      rent_price=Decimal("3.00"), external_system=shop.cinema, ext_id="c-3")
        VideoPurchase.objects.create(client=subscriber.client, customer=subscriber.customer, video=video, kind=kind,
                                     price=Decimal("1.00"),
                                     expires_at=timezone.now() + timedelta(hours=5) if kind == "rent" else None)
        view = seen(session, subscriber, video)
        assert view.open_everywhere and view.purchased == 1

    def test_rental_over(self, session, subscriber, shop):
        video = title(subscriber, price_category=PriceCategory.PURCHASE, price=Decimal("10.00"))
        VideoPurchase.objects.create(client=subscriber.client, customer=subscriber.customer, video=video,
                                     kind=PurchaseKind.RENT, price=Decimal("1.00"),
                                     expires_at=timezone.now() - timedelta(minutes=1))
        view = seen(session, subscriber, video)
        assert view.closed_everywhere and view.purchased == 0 and view.detail_actions == {"buy"}


class TestGrantedPeriods:
    """A non-periodical subscription ends at its `end_date`; a periodical one's `end_date` is "paid
    until" and is left to the billing (DEBT), so it keeps counting."""

    def grant(self, subscriber, tariff, *, periodical: bool, ends_in: timedelta):
        sub = services.tariff_assign(customer=subscriber.customer, tariff=tariff)
        TariffSubscription.objects.filter(pk=sub.pk).update(is_periodical=periodical,
                                                            end_date=timezone.now() + ends_in)
        return sub

    def test_a_granted_period_that_is_over_opens_nothing(self, session, subscriber, shop):
        video = title(subscriber, tariffs=[shop.other])
        self.grant(subscriber, shop.other, periodical=False, ends_in=-timedelta(minutes=1))
        view = seen(session, subscriber, video)
        assert view.closed_everywhere
        assert shop.other.pk not in access.account_state(subscriber.account.pk).tariff_ids

    def test_a_granted_period_still_running_opens(self, session, subscriber, shop):
        video = title(subscriber, tariffs=[shop.other])
        self.grant(subscriber, shop.other, periodical=False, ends_in=timedelta(hours=1))
        assert seen(session, subscriber, video).open_everywhere

    def test_a_periodical_subscription_past_its_paid_until_keeps_counting(self, session, subscriber, shop):
        video = title(subscriber, tariffs=[shop.other])
        self.grant(subscriber, shop.other, periodical=True, ends_in=-timedelta(days=3))
        assert seen(session, subscriber, video).open_everywhere

    def test_the_snapshot_ends_with_the_granted_period(self, subscriber, shop):
        self.grant(subscriber, shop.other, periodical=False, ends_in=timedelta(seconds=30))
        access.invalidate_customer(subscriber.customer.pk)
        state = access.account_state(subscriber.account.pk)
        ends = TariffSubscription.objects.get(customer=subscriber.customer, tariff=shop.other).end_date
        assert shop.other.pk in state.tariff_ids and state.expires_at <= ends.timestamp()
