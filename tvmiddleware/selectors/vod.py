"""Reads of the VOD catalogue as one subscriber sees it.

The catalogue a subscriber browses is the operator's *available* titles that are free, that a
tariff used for the video list opens (any tariff of the operator, so subscribers also see what they
could subscribe to), or that can be bought. Each title comes with what this subscriber holds: may
they watch it (`VideoAccess`), did they buy it, is it a favourite, where did they stop.

Access rules: those of the streaming token check, implemented once in
`tvmiddleware.streaming.access` ("VOD rules") and called from here, so video/list, video/detail
(`has_subscription`, `actions`) and video/url always agree with what the streamers enforce:
- a free title is open to an active account;
- a title opened by one of the customer's counting subscriptions (open, enabled tariff, granted
  period not over; an inactive account keeps only tariffs marked `available_for_inactive_accounts`);
  purchase-category titles need a purchase even when a tariff lists them, and an online cinema's
  catalogue tariff (`ExternalSystem.tariff`) only lists its titles, it opens none;
- a title bought, or rented and not yet expired, is open to an active account.

List reads run a constant number of SQL queries whatever the page size: relations are prefetched
and the subscriber's flags are read in one query each for the ids of the page.
"""
from __future__ import annotations

import hmac
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Iterable, Sequence

from django.conf import settings
from django.db.models import (
    Case, Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When, Window,
    prefetch_related_objects,
)
from django.db.models.functions import RowNumber
from django.utils import timezone

from ..models import (
    Account, AccountVideoSetting, Actor, Client, ContentKind, ContentPosition, Customer, Episode, Genre,
    PriceCategory, Season, Selection, SelectionItem, Tariff, TariffSubscription, Video, VideoFile,
    VideoPurchase,
)
from ..plugins import VIDEO_IMAGE_FIELDS, registry
from common.errors import NotFound
from ..streaming import access as rules

logger = logging.getLogger(__name__)

NEW_VIDEO_DAYS_SETTING = "TVMIDDLEWARE_VIDEO_NEW_DAYS"
NEW_VIDEO_DAYS_DEFAULT = 30

VideoTariff = Video.tariffs.through


# --- the subscriber --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Viewer:
    """Who is browsing: a customer, optionally through one login (account), and the tariffs that
    count for them right now (already reduced to what an inactive account keeps)."""

    client_id: int
    customer_id: int
    account_id: int | None
    active: bool
    tariff_ids: frozenset[int]


def viewer_get(*, customer: Customer, account: Account | None = None, now: datetime | None = None) -> Viewer:
    """The subscriber's standing, read once per request (one query); which subscriptions count is
    the streaming rules' `subscription_counts`."""
    active = account.active if account is not None else True
    rows = (TariffSubscription.objects.for_client(customer.client_id)
            .filter(customer_id=customer.pk, is_closed=False).values_list(*rules.SUBSCRIPTION_FIELDS))
    counting = rules.counting_subscriptions((rules.CountedSubscription(*row) for row in rows), active=active,
                                            now=now or timezone.now())
    return Viewer(client_id=customer.client_id, customer_id=customer.pk,
                  account_id=account.pk if account is not None else None, active=active,
                  tariff_ids=frozenset(sub.tariff_id for sub in counting))


# --- access ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class VideoAccess:
    """May the subscriber watch a title, and why.

    `reason` is "free", "tariff" or "purchase" when allowed, None otherwise. `purchase` is the
    subscriber's valid purchase of the title (the one that lasts longest) whether or not it is what
    opens it; `expires_at` is when a rental ends (None: bought for good, or no purchase).
    """

    allowed: bool
    reason: str | None = None
    purchase: VideoPurchase | None = None

    @property
    def expires_at(self) -> datetime | None:
        return self.purchase.expires_at if self.purchase is not None else None

    @property
    def is_purchased(self) -> bool:
        return self.purchase is not None


valid_purchases = rules.valid_purchases


def _longest(purchases: Iterable[VideoPurchase]) -> VideoPurchase | None:
    """The purchase that lasts longest: one bought for good, else the latest-ending rental."""
    best = None
    for purchase in purchases:
        if purchase.expires_at is None:
            return purchase
        if best is None or purchase.expires_at > best.expires_at:
            best = purchase
    return best


def decide_access(viewer: Viewer, video: Video, *, opened_by_tariff: bool,
                  purchase: VideoPurchase | None) -> VideoAccess:
    """The access rules (`rules.vod_decision`), given what was already read about the title."""
    reason = rules.vod_decision(category=video.price_category, active=viewer.active,
                                opened_by_tariff=opened_by_tariff, purchased=purchase is not None)
    return VideoAccess(reason is not None, reason, purchase)


def video_access(*, customer: Customer, video: Video, account: Account | None = None,
                 now: datetime | None = None) -> VideoAccess:
    """May this customer (through `account`, whose activity then counts) watch `video` now?

    For `video/url` and anything else that hands out the content itself. A video of another
    operator is never open.
    """
    viewer = viewer_get(customer=customer, account=account)
    if video.client_id != viewer.client_id:
        return VideoAccess(False)
    opened = video.pk in rules.videos_opened_by_tariffs(video_ids=[video.pk], tariff_ids=viewer.tariff_ids)
    purchase = _longest(valid_purchases(client_id=viewer.client_id, customer_id=viewer.customer_id, now=now)
                        .filter(video_id=video.pk))
    return decide_access(viewer, video, opened_by_tariff=opened, purchase=purchase)


def parent_control_passed(*, account: Account, video: Video, parent_code: str) -> bool:
    """A PIN-locked title needs the account's parental code, when the account has set one."""
    if not video.is_parent_control or not account.parent_code:
        return True
    return hmac.compare_digest(account.parent_code.encode(), (parent_code or "").encode("utf-8", "replace"))


# --- the catalogue ---------------------------------------------------------------------------------

def _listing_tariff_exists() -> Exists:
    return Exists(VideoTariff.objects.filter(video_id=OuterRef("pk"), tariff__enabled=True,
                                             tariff__used_for_video_list=True))


def catalogue_videos(*, client: Client | int) -> QuerySet[Video]:
    """Titles the operator offers in its apps: available, and free, purchasable, or opened by a
    tariff used for the video list."""
    return Video.objects.for_client(client).filter(available=True).filter(
        Q(price_category__in=[PriceCategory.FREE, PriceCategory.PURCHASE]) | _listing_tariff_exists())


# `order` values of video/list. Titles without a value sort last; `id` breaks
# ties so that pages never overlap. There are no premiere dates here: `premiere_date` orders by year;
# `average_customers_rating` by the subscribers' ratings (`video/rating/set`).
def _by(name: str, descending: bool) -> list:
    tiebreak = "-id" if descending else "id"
    expression = F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)
    return [expression, tiebreak]


_ORDER_FIELDS = {
    "id": "id", "created_at": "created_at", "updated_at": "updated_at", "premiere_date": "year", "year": "year",
    "name": "name", "average_customers_rating": "customers_rating", "kinopoisk_rating": "kinopoisk_rating",
    "imdb_rating": "imdb_rating",
}
VIDEO_ORDERS: dict[str, list] = {
    **{key: _by(name, False) for key, name in _ORDER_FIELDS.items()},
    **{f"-{key}": _by(name, True) for key, name in _ORDER_FIELDS.items()},
}
DEFAULT_VIDEO_ORDER = ["sort", "-id"]


class Personal:
    """`video/list` filters on the subscriber's own history (mutually exclusive)."""

    PURCHASED = "purchased"
    FAVORITED = "favorited"
    VIEWED = "viewed"
    VIEWING = "viewing"
    HISTORY = "history"


@dataclass
class VideoFilters:
    """What `video/list` can narrow the catalogue by. Empty values filter nothing."""

    search: str = ""
    genres_all: Sequence[int] = ()
    genres_any: Sequence[int] = ()
    actor_id: int | None = None
    years: Sequence[int] = ()
    year_from: int | None = None
    year_to: int | None = None
    kinopoisk_rating_from: Decimal | None = None
    kinopoisk_rating_to: Decimal | None = None
    countries: Sequence[str] = ()
    tariff_ids: Sequence[int] = ()
    exclude_tariff_ids: Sequence[int] = ()
    provider_id: int | None = None
    provider_name: str = ""
    sources: frozenset[int] | None = None  # 1: the operator's own titles, 2: an online cinema's; None: any
    package: bool | None = None
    series: bool | None = None
    announcement: bool = False
    new: bool = False
    premiere: bool = False
    personal: str | None = None
    order: str = ""


def _country_q(country: str) -> Q:
    """`countries` holds a comma separated list: match one whole entry, ignoring case."""
    return Q(countries__iregex=rf"(^|,)\s*{re.escape(country.strip())}\s*(,|$)")


def _filter_sources(queryset: QuerySet[Video], sources: frozenset[int] | None) -> QuerySet[Video]:
    """Keep the operator's own titles (1), an online cinema's (2), both, or (empty set) none."""
    if sources is None or {1, 2} <= sources:
        return queryset
    if not sources:
        return queryset.none()
    return queryset.filter(external_system__isnull=1 in sources)


def _personal_exists(viewer: Viewer, kind: str, now: datetime) -> Exists:
    if kind == Personal.PURCHASED:
        return Exists(valid_purchases(client_id=viewer.client_id, customer_id=viewer.customer_id, now=now)
                      .filter(video_id=OuterRef("pk")))
    if kind == Personal.FAVORITED:
        return Exists(AccountVideoSetting.objects.for_client(viewer.client_id).filter(
            account_id=viewer.account_id, video_id=OuterRef("pk"), is_favorited=True))
    positions = ContentPosition.objects.for_client(viewer.client_id).filter(
        account_id=viewer.account_id, content_type=ContentKind.VIDEO, content_id=OuterRef("pk"))
    if kind == Personal.VIEWED:
        positions = positions.filter(is_viewed=True)
    elif kind == Personal.VIEWING:
        positions = positions.filter(is_viewed=False)
    return Exists(positions)


def filter_videos(queryset: QuerySet[Video], filters: VideoFilters, *, viewer: Viewer,
                  now: datetime | None = None) -> QuerySet[Video]:
    """Apply `video/list` filters to a queryset of videos."""
    now = now or timezone.now()
    f = filters
    if f.search:
        queryset = queryset.filter(Q(name__icontains=f.search) | Q(name_orig__icontains=f.search))
    for genre_id in dict.fromkeys(f.genres_all):
        queryset = queryset.filter(Exists(Video.genres.through.objects.filter(video_id=OuterRef("pk"),
                                                                             genre_id=genre_id)))
    if f.genres_any:
        queryset = queryset.filter(Exists(Video.genres.through.objects.filter(video_id=OuterRef("pk"),
                                                                             genre_id__in=f.genres_any)))
    if f.actor_id is not None:
        queryset = queryset.filter(Exists(Video.actors.through.objects.filter(video_id=OuterRef("pk"),
                                                                             actor_id=f.actor_id)))
    if f.years:
        queryset = queryset.filter(year__in=f.years)
    if f.year_from is not None:
        queryset = queryset.filter(year__gte=f.year_from)
    if f.year_to is not None:
        queryset = queryset.filter(year__lte=f.year_to)
    if f.kinopoisk_rating_from is not None:
        queryset = queryset.filter(kinopoisk_rating__gte=f.kinopoisk_rating_from)
    if f.kinopoisk_rating_to is not None:
        queryset = queryset.filter(kinopoisk_rating__lte=f.kinopoisk_rating_to)
    if f.countries:
        country_q = Q()
        for country in f.countries:
            country_q |= _country_q(country)
        queryset = queryset.filter(country_q)
    if f.tariff_ids:
        queryset = queryset.filter(Exists(VideoTariff.objects.filter(video_id=OuterRef("pk"),
                                                                     tariff_id__in=f.tariff_ids)))
    if f.exclude_tariff_ids:
        queryset = queryset.exclude(Exists(VideoTariff.objects.filter(video_id=OuterRef("pk"),
                                                                      tariff_id__in=f.exclude_tariff_ids)))
    if f.provider_id is not None:
        queryset = queryset.filter(external_system_id=f.provider_id)
    elif f.provider_name:
        queryset = queryset.filter(external_system__name=f.provider_name)
    queryset = _filter_sources(queryset, f.sources)
    if f.package is not None:
        queryset = queryset.filter(is_package=f.package)
    if f.series is not None:
        queryset = queryset.filter(is_series=f.series)
    if f.announcement or f.premiere:
        # No announcements nor premiere dates are kept: nothing qualifies.
        queryset = queryset.none()
    if f.new:
        days = int(getattr(settings, NEW_VIDEO_DAYS_SETTING, NEW_VIDEO_DAYS_DEFAULT))
        queryset = queryset.filter(created_at__gte=now - timedelta(days=days))
    if f.personal is not None:
        queryset = queryset.filter(_personal_exists(viewer, f.personal, now))
    return queryset


# --- a page of videos with the subscriber's flags --------------------------------------------------

@dataclass
class VideoItem:
    """A title as one subscriber sees it. `video` carries `genre_list`, `actor_list` and `main_files`
    (files of the title itself, not of its episodes) already loaded."""

    video: Video
    access: VideoAccess
    is_favorited: bool = False
    position: ContentPosition | None = None  # where the account last stopped in this title
    file_positions: dict[int, ContentPosition] = field(default_factory=dict)
    images: dict[str, str] = field(default_factory=dict)  # from the title's plugin (`plugin_video_images`)

    @property
    def is_purchased(self) -> bool:
        return self.access.is_purchased


@dataclass
class Page:
    items: list
    count: int


def video_relations() -> list:
    """What a rendered title needs besides its own row; for `prefetch_related`."""
    return [
        "external_system",
        Prefetch("genres", queryset=Genre.objects.order_by("sort", "name"), to_attr="genre_list"),
        Prefetch("actors", queryset=Actor.objects.order_by("name", "id"), to_attr="actor_list"),
        Prefetch("files", queryset=VideoFile.objects.filter(episode__isnull=True).order_by("-quality", "id"),
                 to_attr="main_files"),
    ]


def plugin_video_images(videos: list[Video]) -> dict[int, dict[str, str]]:
    """Images the titles' online cinemas keep for them (e.g. a partner's resized thumbnails), by video id:
    one `video_images` call per installed plugin class on the page, whatever the page size.

    `video.external_system` must be loaded (it is, through `video_relations`). A plugin that fails
    is logged and its titles keep the core's covers: pictures never break the catalogue.
    """
    by_class: dict[type, list[Video]] = {}
    for video in videos:
        system = video.external_system if video.external_system_id is not None else None
        if system is None or system.api_class not in registry:
            continue
        cls = registry.get(system.api_class)
        if cls.handles("video_images"):
            by_class.setdefault(cls, []).append(video)
    images: dict[int, dict[str, str]] = {}
    for cls, group in by_class.items():
        try:
            answer = cls.video_images(group)
        except Exception:  # noqa: BLE001 - a plugin's bug or outage must not take the catalogue down
            logger.exception("%s.video_images failed; the core's covers are shown", cls.__name__)
            continue
        own = {v.pk for v in group}
        for video_id, fields in (answer or {}).items():
            if video_id in own:
                images[video_id] = {name: str(url) for name, url in fields.items()
                                    if name in VIDEO_IMAGE_FIELDS and url}
    return images


def decorate_videos(*, viewer: Viewer, videos: list[Video], now: datetime | None = None) -> list[VideoItem]:
    """The subscriber's flags for a page of titles: one query per kind of flag, whatever the page size."""
    now = now or timezone.now()
    if not videos:
        return []
    prefetch_related_objects([v for v in videos if not hasattr(v, "genre_list")], *video_relations())
    ids = [v.pk for v in videos]
    opened = rules.videos_opened_by_tariffs(video_ids=ids, tariff_ids=viewer.tariff_ids)
    purchases: dict[int, list[VideoPurchase]] = {}
    for purchase in valid_purchases(client_id=viewer.client_id, customer_id=viewer.customer_id, now=now) \
            .filter(video_id__in=ids):
        purchases.setdefault(purchase.video_id, []).append(purchase)
    favorites: set[int] = set()
    positions: dict[int, ContentPosition] = {}
    file_positions: dict[tuple[int, int], ContentPosition] = {}
    if viewer.account_id is not None:
        favorites = set(AccountVideoSetting.objects.for_client(viewer.client_id)
                        .filter(account_id=viewer.account_id, video_id__in=ids, is_favorited=True)
                        .values_list("video_id", flat=True))
        for position in (ContentPosition.objects.for_client(viewer.client_id)
                         .filter(account_id=viewer.account_id, content_type=ContentKind.VIDEO, content_id__in=ids)
                         .order_by("updated_at", "id")):
            positions[position.content_id] = position  # the latest wins
            if position.asset_id is not None:
                file_positions[(position.content_id, position.asset_id)] = position
    images = plugin_video_images(videos)
    items = []
    for video in videos:
        access = decide_access(viewer, video, opened_by_tariff=video.pk in opened,
                               purchase=_longest(purchases.get(video.pk, ())))
        items.append(VideoItem(
            video=video, access=access, is_favorited=video.pk in favorites, position=positions.get(video.pk),
            file_positions={f.pk: file_positions[(video.pk, f.pk)] for f in video.main_files
                            if (video.pk, f.pk) in file_positions},
            images=images.get(video.pk, {}),
        ))
    return items


def paginate(queryset: QuerySet, *, page: int, limit: int) -> tuple[list, int]:
    """One page (1-based) and the total count: two queries."""
    count = queryset.count()
    offset = (page - 1) * limit
    rows = list(queryset[offset:offset + limit]) if offset < count else []
    return rows, count


def video_list(*, viewer: Viewer, filters: VideoFilters, page: int = 1, limit: int = 20,
               now: datetime | None = None, catalogue: QuerySet[Video] | None = None) -> Page:
    """`video/list`: the catalogue (or the subscriber's purchases with `personal=purchased`, which
    keeps titles that have since left the catalogue), filtered, ordered and paginated. `catalogue`:
    a narrower catalogue (what guests see)."""
    now = now or timezone.now()
    if catalogue is not None:
        base = catalogue
    elif filters.personal == Personal.PURCHASED:
        base = Video.objects.for_client(viewer.client_id)
    else:
        base = catalogue_videos(client=viewer.client_id)
    queryset = filter_videos(base, filters, viewer=viewer, now=now)
    queryset = queryset.order_by(*VIDEO_ORDERS.get(filters.order, DEFAULT_VIDEO_ORDER))
    rows, count = paginate(queryset.prefetch_related(*video_relations()), page=page, limit=limit)
    return Page(items=decorate_videos(viewer=viewer, videos=rows, now=now), count=count)


# --- one title -------------------------------------------------------------------------------------

def video_get(*, viewer: Viewer, video_id: int, now: datetime | None = None) -> Video:
    """A title of the operator that is available, or that the subscriber holds a valid purchase of
    (a title that left the catalogue stays reachable for those who paid for it)."""
    purchased = Exists(valid_purchases(client_id=viewer.client_id, customer_id=viewer.customer_id, now=now)
                       .filter(video_id=OuterRef("pk")))
    video = (Video.objects.for_client(viewer.client_id).filter(pk=video_id)
             .filter(Q(available=True) | purchased).select_related("external_system").first())
    if video is None:
        raise NotFound("Video not found.")
    return video


@dataclass(frozen=True)
class Offer:
    """A way to get a title, as `video/detail` lists it in `actions`.

    - `play`: the subscriber may watch it (one per file of the title, or one without a file for a
      series, whose files are per episode);
    - `buy` / `rent`: a purchase-category title not yet held (price; a rental lasts `rent_hours`);
    - `subscribe`: a subscription title the customer's tariffs do not open: one per tariff that would
      (enabled and not hidden), to take with `customer/tariff/subscribe`.
    """

    action: str
    caption: str
    price: Decimal | None = None
    activation_price: Decimal | None = None
    periodical: bool | None = None
    tariff_id: int | None = None
    file: VideoFile | None = None
    rent_hours: int | None = None


PLAY, BUY, RENT, SUBSCRIBE = "play", "buy", "rent", "subscribe"
ACTIONS = (PLAY, BUY, RENT, SUBSCRIBE)


def video_offers(*, viewer: Viewer, item: VideoItem) -> list[Offer]:
    """The ways this subscriber can get the title now (see `Offer`)."""
    video = item.video
    if item.access.allowed:
        if video.main_files:
            return [Offer(PLAY, f"{f.quality}p", file=f) for f in video.main_files]
        return [Offer(PLAY, "Play")]
    if video.price_category == PriceCategory.PURCHASE:
        if item.is_purchased:  # held but not watchable now (inactive account)
            return []
        offers = [Offer(BUY, "Buy", price=video.price)]
        if video.rent_price is not None:
            offers.append(Offer(RENT, f"Rent for {video.rent_hours} h", price=video.rent_price,
                                rent_hours=video.rent_hours))
        return offers
    if video.price_category == PriceCategory.SUBSCRIPTION:
        held = TariffSubscription.objects.filter(customer_id=viewer.customer_id, tariff_id=OuterRef("pk"),
                                                 is_closed=False)
        tariffs = (Tariff.objects.for_client(video.client_id).filter(videos=video, enabled=True, hidden=False)
                   .exclude(Exists(held)).order_by("-basic_tariff_priority", "name"))
        if video.external_system_id is not None and video.external_system.tariff_id is not None:
            # The online cinema's catalogue tariff only lists its titles: it opens none (rules).
            tariffs = tariffs.exclude(pk=video.external_system.tariff_id)
        return [Offer(SUBSCRIBE, t.name, price=t.price, activation_price=t.activation_price,
                      periodical=t.period > 0, tariff_id=t.pk) for t in tariffs]
    return []


@dataclass
class VideoDetail:
    item: VideoItem
    offers: list[Offer]
    seasons: list[Season]
    episode_count: int
    people: list[Actor]  # credited people, filtered and ordered as asked, with `film_count`
    package_video_ids: list[int]


ACTOR_ORDERS: dict[str, list] = {
    "name": ["name", "id"], "-name": ["-name", "-id"],
    "birthdate": [F("birthdate").asc(nulls_last=True), "id"],
    "-birthdate": [F("birthdate").desc(nulls_last=True), "-id"],
    "film_count": ["film_count", "name", "id"], "-film_count": ["-film_count", "name", "id"],
    "cyrillic-first": ["non_cyrillic", "name", "id"],
}
PERSON_TYPES = ("actor", "director", "all")


def _people(client_id: int, person_type: str, catalogue: QuerySet[Video] | None = None) -> QuerySet[Actor]:
    """People of the operator with `film_count` (their titles in the catalogue, or in `catalogue`)."""
    titles = catalogue_videos(client=client_id) if catalogue is None else catalogue
    queryset = Actor.objects.for_client(client_id).annotate(
        film_count=Count("videos", filter=Q(videos__in=titles.values("pk")), distinct=True),
        non_cyrillic=Case(When(name__regex=r"^[А-Яа-яЁё]", then=Value(0)), default=Value(1),
                          output_field=IntegerField()),
    )
    if person_type != "all":
        queryset = queryset.filter(type=person_type)
    return queryset


def video_detail(*, viewer: Viewer, video: Video, people_type: str = "actor", people_order: str = "",
                 now: datetime | None = None) -> VideoDetail:
    item = decorate_videos(viewer=viewer, videos=[video], now=now)[0]
    seasons = list(Season.objects.for_client(viewer.client_id).filter(video=video).order_by("number"))
    people = _people(viewer.client_id, people_type).filter(pk__in=video.actors.values("pk"))
    people = people.order_by(*ACTOR_ORDERS.get(people_order, ["name", "id"]))
    package_ids = []
    if video.is_package:
        package_ids = list(catalogue_videos(client=viewer.client_id).filter(packages=video)
                           .order_by("sort", "-id").values_list("pk", flat=True))
    return VideoDetail(
        item=item, offers=video_offers(viewer=viewer, item=item), seasons=seasons,
        episode_count=Episode.objects.for_client(viewer.client_id).filter(video=video).count(),
        people=list(people), package_video_ids=package_ids,
    )


# --- episodes --------------------------------------------------------------------------------------

@dataclass
class EpisodeList:
    video: Video
    season: Season | None
    episodes: list[Episode]  # with `file_list` loaded
    positions: dict[int, ContentPosition]  # by asset (file) id


def episode_list(*, viewer: Viewer, season_id: int | None = None, video_id: int | None = None,
                 now: datetime | None = None) -> EpisodeList:
    """Episodes of one season, or of a whole series (optionally of one of its seasons)."""
    season = None
    if season_id is not None:
        season = Season.objects.for_client(viewer.client_id).filter(pk=season_id).first()
        if season is None or (video_id is not None and season.video_id != video_id):
            raise NotFound("Season not found.")
        video_id = season.video_id
    if video_id is None:
        raise NotFound("Season not found.")
    video = video_get(viewer=viewer, video_id=video_id, now=now)
    episodes = Episode.objects.for_client(viewer.client_id).filter(video=video).select_related("season")
    if season is not None:
        episodes = episodes.filter(season=season)
    episodes = list(episodes.order_by(F("season__number").asc(nulls_first=True), "number", "id").prefetch_related(
        Prefetch("files", queryset=VideoFile.objects.order_by("-quality", "id"), to_attr="file_list")))
    file_ids = [f.pk for e in episodes for f in e.file_list]
    positions: dict[int, ContentPosition] = {}
    if viewer.account_id is not None and file_ids:
        positions = {p.asset_id: p for p in ContentPosition.objects.for_client(viewer.client_id).filter(
            account_id=viewer.account_id, content_type=ContentKind.VIDEO, content_id=video.pk,
            asset_id__in=file_ids)}
    return EpisodeList(video=video, season=season, episodes=episodes, positions=positions)


# --- genres ----------------------------------------------------------------------------------------

def genre_list(*, client: Client | int, provider_id: int | None = None, sources: frozenset[int] | None = None,
               category_id: int | None = None, catalogue: QuerySet[Video] | None = None) -> list[Genre]:
    """The operator's genres, each with `count`: its titles in the catalogue (or in `catalogue`),
    narrowed to one online cinema, a source, or to titles that also have the genre `category_id`."""
    titles = catalogue_videos(client=client) if catalogue is None else catalogue
    if provider_id is not None:
        titles = titles.filter(external_system_id=provider_id)
    titles = _filter_sources(titles, sources)
    if category_id is not None:
        titles = titles.filter(Exists(Video.genres.through.objects.filter(video_id=OuterRef("pk"),
                                                                         genre_id=category_id)))
    return list(Genre.objects.for_client(client)
                .annotate(count=Count("videos", filter=Q(videos__in=titles.values("pk")), distinct=True))
                .order_by("sort", "name", "id"))


# --- people ----------------------------------------------------------------------------------------

def actor_list(*, client: Client | int, person_type: str = "actor", search: str = "", video_id: int | None = None,
               order: str = "name", page: int = 1, limit: int = 20,
               catalogue: QuerySet[Video] | None = None) -> tuple[list[Actor], int]:
    """People with `film_count`; `catalogue`: counted in (and `video_id` looked up in) a narrower
    catalogue (what guests see)."""
    client_id = client if isinstance(client, int) else client.pk
    queryset = _people(client_id, person_type, catalogue)
    titles = Video.objects.for_client(client_id).filter(available=True) if catalogue is None else catalogue
    if video_id is not None and not titles.filter(pk=video_id).exists():
        raise NotFound("Video not found.")
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(name_orig__icontains=search))
    if video_id is not None:
        queryset = queryset.filter(pk__in=Video.actors.through.objects.filter(video_id=video_id).values("actor_id"))
    return paginate(queryset.order_by(*ACTOR_ORDERS[order]), page=page, limit=limit)


def actor_get(*, client: Client | int, actor_id: int) -> Actor:
    actor = Actor.objects.for_client(client).filter(pk=actor_id).first()
    if actor is None:
        raise NotFound("Actor not found.")
    return actor


def actor_genres(*, actor: Actor, catalogue: QuerySet[Video] | None = None) -> list[Genre]:
    """Genres of the person's titles in the catalogue (or in `catalogue`)."""
    titles = (catalogue_videos(client=actor.client_id) if catalogue is None else catalogue).filter(actors=actor)
    return list(Genre.objects.for_client(actor.client_id).filter(videos__in=titles.values("pk"))
                .distinct().order_by("sort", "name", "id"))


def actor_videos(*, viewer: Viewer, actor: Actor, page: int = 1, limit: int = 20,
                 now: datetime | None = None) -> Page:
    """The person's titles in the catalogue, newest first."""
    queryset = (catalogue_videos(client=viewer.client_id).filter(actors=actor)
                .order_by(F("year").desc(nulls_last=True), "-id").prefetch_related(*video_relations()))
    rows, count = paginate(queryset, page=page, limit=limit)
    return Page(items=decorate_videos(viewer=viewer, videos=rows, now=now), count=count)


# --- selections ------------------------------------------------------------------------------------

SELECTION_ORDERS: dict[str, list] = {"": ["sort", "name", "id"], "date": ["id"], "-date": ["-id"]}


@dataclass
class SelectionRow:
    selection: Selection
    count: int  # available titles in the selection
    items: list[VideoItem]  # the first ones, in the selection's order


def selection_list(*, viewer: Viewer, order: str = "", page: int = 1, limit: int = 100, videos_limit: int = 20,
                   now: datetime | None = None) -> Page:
    """Enabled selections, each with its first `videos_limit` available titles (by item order).

    Constant queries: the first titles of every selection of the page come from one windowed query.
    """
    queryset = (Selection.objects.for_client(viewer.client_id).filter(enabled=True)
                .annotate(video_count=Count("items", filter=Q(items__video__available=True)))
                .order_by(*SELECTION_ORDERS[order]))
    selections, count = paginate(queryset, page=page, limit=limit)
    by_selection: dict[int, list[Video]] = {s.pk: [] for s in selections}
    if selections and videos_limit > 0:
        items = (SelectionItem.objects.filter(selection_id__in=list(by_selection),
                                              video__client_id=viewer.client_id, video__available=True)
                 .annotate(rank=Window(RowNumber(), partition_by=[F("selection_id")], order_by=[F("sort"), F("id")]))
                 .filter(rank__lte=videos_limit).select_related("video").order_by("selection_id", "sort", "id"))
        for item in items:
            by_selection[item.selection_id].append(item.video)
    videos = {v.pk: v for rows in by_selection.values() for v in rows}
    decorated = {item.video.pk: item for item in decorate_videos(viewer=viewer, videos=list(videos.values()),
                                                                 now=now)}
    rows = [SelectionRow(selection=s, count=s.video_count,
                         items=[decorated[v.pk] for v in by_selection[s.pk]]) for s in selections]
    return Page(items=rows, count=count)
