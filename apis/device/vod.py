"""VOD methods: genres, videos (list, detail, episodes), buying and renting, people, selections.

Names of `actions` in `video/detail` (the reference does not list them): "play" (the subscriber may
watch: one per file, with `file_id` and `quality`; the stream itself comes from `video/url`), "buy"
and "rent" (a purchase-category title not held yet; `price`, and for "rent" `rent_hours` and
`duration` in seconds), "subscribe" (a subscription title: one per tariff that opens it, with
`tariff_id`, `price`, `activation_price`, `periodical`; taken with `customer/tariff/subscribe`).
`video/action` performs "buy" and "rent".

Image fields (`thumbnail_small`, `thumbnail_big`, `vertical_poster`...) come from the title's
online cinema when its plugin keeps pictures of it (`ExternalSystemAPI.video_images`: MEGOGO's
resized thumbnails), else `thumbnail_*` and `vertical_poster` are the title's cover.
Fields the catalogue has no data for are present with empty values (screenshots, logos, banners,
reviews, announcements, video providers, channel links). Extensions beyond the
reference, in list and detail rows: `price_category` ("subscription", "purchase", "free"), `price`,
`rent_price`, `rent_hours`, `purchase_expires_at` (unix time of a rental's end), `age_rating`.
`average_customers_rating` is the average of the subscribers' own ratings (`video/rating/set`), and
`customer_rating` in video/detail this account's (0: not rated); `is_similar_exist` says whether
`video/similar` has titles for it. `price_category_type` is 0 subscription, 1 purchase, 2 free;
`video_source` is 1 for the operator's own titles and 2 for titles of an online cinema (as
`source_type` filters them).
"""
from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest, JsonResponse

from billing.purchases import (
    AccountInactive, AlreadyPurchased, ExternalBillingError, InsufficientFunds, NotPurchasable, PartnerRefused,
    video_purchase,
)
from billing.selectors.external import customer_balance_view
from tvmiddleware.selectors import vod, vod_account
from tvmiddleware.models import Actor, PersonType, PriceCategory, PurchaseKind, Video, VideoFile
from common.errors import NotFound

from apikit.device import Auth, DeviceContext, device_method
from apikit.device_responses import error, flag, ok, unixtime
from apikit.spec import INT, MONEY, TIMESTAMP, Args, ErrorCode, ListOf, Obj, Param, nullable
from common.params import ParamError
from common.readers import Choice, Dec, Flag, Id, Int, IntList, Text, TextList

from . import vod_shapes as shapes
from .errors import (
    ACTION_ACCOUNT_INACTIVE, ACTION_INSUFFICIENT_FUNDS, ACTION_REFUSED, ACTION_VIDEO_NOT_FOUND, ACTOR_NOT_FOUND,
    ALREADY_BOUGHT, FILTERS_CONFLICT, INVALID_PARAM, PARENTAL_CONTROL, SEASON_NOT_FOUND, VIDEO_NOT_FOUND,
)

MAX_LIMIT = 100
MAX_PAGE = 1_000_000
PRICE_CATEGORY_TYPES = {PriceCategory.SUBSCRIPTION: 0, PriceCategory.PURCHASE: 1, PriceCategory.FREE: 2}
VIDEO_PERSONAL_FLAGS = {
    "get_purchased": vod.Personal.PURCHASED, "favorited_only": vod.Personal.FAVORITED,
    "viewed_only": vod.Personal.VIEWED, "is_viewing": vod.Personal.VIEWING, "history_only": vod.Personal.HISTORY,
}
ACTOR_LIST_ORDERS = tuple(vod.ACTOR_ORDERS)
DETAIL_ACTOR_ORDERS = tuple(k for k in vod.ACTOR_ORDERS if k != "cyrillic-first")


# --- parameters ------------------------------------------------------------------------------------

def pagination_params(*, default_limit: int) -> tuple[Param, Param]:
    return (Param("page", Int(1, MAX_PAGE), default=1, description="Page number, from 1."),
            Param("limit", Int(1), default=default_limit,
                  description=f"Items per page (default {default_limit}); above {MAX_LIMIT} it is {MAX_LIMIT}."))


def pagination(args: Args) -> tuple[int, int]:
    """`page` from 1; `limit` at least 1, and above the documented maximum of 100 it is clamped."""
    return args.page, min(args.limit, MAX_LIMIT)


def _flag_params(*names: str, default: bool | None = False, description: str = "") -> tuple[Param, ...]:
    return tuple(Param(name, Flag(), default=default, description=description) for name in names)


SOURCE_TYPE = Param("source_type", IntList(10, min_value=1, max_value=2, nonempty=True),
                    description="1 the operator's own titles, 2 online cinemas' titles (both: `1,2`).")
SOURCE_FLAGS = _flag_params("source_internal", "source_external", default=True,
                            description="Without `source_type`: 0 leaves out the operator's own titles "
                                        "(`source_internal`) or the online cinemas' (`source_external`).")
PARENT_CODE = Param("parent_code", Text(32), default="", description="The account's PIN, for a PIN-locked title.")
VIDEO_ID = Param("vid", Id(), required=True, description="The title.")
PERSON_TYPE = Param("type", Choice(vod.PERSON_TYPES), default="actor", description="Which people.")
PROVIDER_ID = Param("provider_id", Id(), description="Only the titles of this online cinema (its id).")
VIDEO_PROVIDER_ID = Param("video_provider_id", Id(), description="Accepted; there are no video providers here.")


def _source_types(args: Args) -> frozenset[int]:
    """`source_type` (1 own titles, 2 online cinemas), else `source_internal`/`source_external`."""
    if args.source_type is not None:
        return frozenset(args.source_type)
    return frozenset(({1} if args.source_internal else set()) | ({2} if args.source_external else set()))


def viewer_of(ctx: DeviceContext) -> vod.Viewer:
    return vod.viewer_get(customer=ctx.customer, account=ctx.account)


def parent_control_error(ctx: DeviceContext, video: Video) -> JsonResponse | None:
    """The documented answer when a PIN-locked title is asked for without the account's code."""
    if vod.parent_control_passed(account=ctx.account, video=video, parent_code=ctx.args.parent_code):
        return None
    return error(PARENTAL_CONTROL, "Parental control: this title needs the account's parent_code.")


# --- rendering -------------------------------------------------------------------------------------

def _image(request: HttpRequest, image, fallback: str = "") -> str:
    """An absolute address of an uploaded image, else the original address we were given."""
    if image:
        return request.build_absolute_uri(image.url)
    return fallback or ""


def _number(value: Decimal | None) -> float:
    return float(value) if value is not None else 0.0


def _money(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def file_row(file: VideoFile, position) -> dict:
    return {
        "id": file.pk, "promo_image": "", "name": " ".join(x for x in (f"{file.quality}p", file.language) if x),
        "duration": file.duration, "ext_id": file.ext_id, "position": position.position if position else 0,
        "is_viewed": flag(position and position.is_viewed), "quality": file.quality,
    }


def video_row(request: HttpRequest, item: vod.VideoItem) -> dict:
    """A title as lists show it (video/list, selections, actor videos)."""
    v = item.video
    cover = _image(request, v.cover, v.cover_url)
    people = v.actor_list
    position = item.position
    images = {"thumbnail_small": cover, "thumbnail_big": cover, "screenshot_big": "", "screenshot_b_big": "",
              "vertical_poster": cover, "horizontal_poster": "", "logo": "", "ad_banner": ""}
    # An online cinema's own pictures of the title (e.g. MEGOGO's resized thumbnails) win.
    images.update({name: request.build_absolute_uri(url) for name, url in item.images.items()})
    return {
        "id": v.pk, "name": v.name, "name_orig": v.name_orig, **images,
        "description": v.description, "short_description": v.short_description, "year": v.year,
        "video_provider_id": None, "provider": v.external_system.name if v.external_system_id else "",
        "actors": ", ".join(a.name for a in people if a.type == PersonType.ACTOR),
        "director": v.director or ", ".join(a.name for a in people if a.type == PersonType.DIRECTOR),
        "genres": ", ".join(g.name for g in v.genre_list), "countries": v.countries, "genres_kinopoisk": "",
        "is_favorited": flag(item.is_favorited), "is_viewed": flag(position and position.is_viewed),
        "is_parent_control": flag(v.is_parent_control), "is_package": flag(v.is_package),
        "is_season": flag(v.is_series), "is_announcement": 0, "has_subscription": flag(item.access.allowed),
        "rating": _number(v.kinopoisk_rating or v.imdb_rating), "kinopoisk_rating": _number(v.kinopoisk_rating),
        "imdb_rating": _number(v.imdb_rating), "average_customers_rating": _number(v.customers_rating),
        "duration": v.duration,
        "files": [file_row(f, item.file_positions.get(f.pk)) for f in v.main_files],
        "language": v.language, "is_purchased": flag(item.is_purchased),
        "position": position.position if position else 0,
        "position_asset_id": position.asset_id if position else None,
        "video_source": 2 if v.external_system_id else 1,
        "price_category_type": PRICE_CATEGORY_TYPES.get(v.price_category, 0), "is_4k": flag(v.is_4k),
        "channel_id": None, "age_rating": v.age_rating,
        "price_category": v.price_category, "price": _money(v.price), "rent_price": _money(v.rent_price),
        "rent_hours": v.rent_hours, "purchase_expires_at": unixtime(item.access.expires_at),
    }


def person_row(request: HttpRequest, actor: Actor) -> dict:
    return {
        "id": actor.pk, "name": actor.name, "photo": _image(request, actor.photo), "country": actor.country,
        "gender": actor.gender, "birthdate": actor.birthdate.isoformat() if actor.birthdate else "",
        "type": actor.type,
    }


def offer_row(video, offer: vod.Offer) -> dict:
    file = offer.file
    if file is not None:
        duration = str(file.duration)
    elif offer.rent_hours is not None:
        duration = str(offer.rent_hours * 3600)
    else:
        duration = ""
    return {
        "action": offer.action, "caption": offer.caption, "price": _money(offer.price), "cost": _money(offer.price),
        "activation_price": _money(offer.activation_price), "url": "", "video_id": str(video.pk),
        "file_id": str(file.pk) if file else "", "episode_id": "", "duration": duration,
        "quality": file.quality if file else None, "subscription_id": None, "option_id": None,
        "tariff_id": offer.tariff_id, "is_viewed": 0,
        "periodical": None if offer.periodical is None else flag(offer.periodical), "promo_image_url": "",
        "ext_id": file.ext_id if file else video.ext_id, "season_sort": None, "episode_sort": None,
        "rent_hours": offer.rent_hours,
    }


# --- genres ----------------------------------------------------------------------------------------

@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("categories", Flag(), default=False, description="1: genre-categories; there are none here."),
    PROVIDER_ID, VIDEO_PROVIDER_ID,
    Param("category_id", Id(), description="Count only titles that also have this genre."),
    SOURCE_TYPE,
), response=Obj(genres=ListOf(shapes.GENRE)))
def genre_list(request, ctx: DeviceContext):
    """VOD genres with the number of catalogue titles in each.

    There are no genre-categories here: `categories=1` answers an empty list."""
    args = ctx.args
    if args.categories:
        return ok(genres=[], error_message="")
    sources = None if args.source_type is None else frozenset(args.source_type)
    genres = vod.genre_list(client=ctx.client, provider_id=args.provider_id, category_id=args.category_id,
                            sources=sources)
    return ok(genres=[{"id": g.pk, "name": g.name, "is_category": 0, "count": g.count, "subgenres_count": 0,
                       "icon": "", "icon_tv": "", "dashboard_icon": ""} for g in genres], error_message="")


# --- videos ----------------------------------------------------------------------------------------

RATING = Dec(places=2, max_value=Decimal(100))
VIDEO_LIST_PARAMS = (
    *pagination_params(default_limit=20), VIDEO_PROVIDER_ID,
    *_flag_params(*VIDEO_PERSONAL_FLAGS, description="Only the subscriber's titles of this kind (one of "
                                                     f"{', '.join(VIDEO_PERSONAL_FLAGS)} at most)."),
    Param("search", Text(200, strip=True), default="", description="Part of the title's name."),
    Param("genre", IntList(20), default=(), description="Titles with all of these genres."),
    *(Param(name, Id(), description="A genre the titles must have (older single-genre form).")
      for name in ("gid", "cgid")),
    Param("genre_any", IntList(50), default=(), description="Titles with any of these genres."),
    Param("aid", Id(), description="Titles with this person."),
    Param("year", IntList(50, min_value=1, max_value=9999), default=(), description="Titles of these years."),
    Param("year_from", Int(0, 9999), description="Titles of this year or later."),
    Param("year_to", Int(0, 9999), description="Titles of this year or earlier."),
    Param("kinopoisk_rating_from", RATING, description="Kinopoisk rating at least this (0..100, e.g. 7.5)."),
    Param("kinopoisk_rating_to", RATING, description="Kinopoisk rating at most this."),
    Param("country", TextList(50, 100), default=(), description="Titles of any of these countries."),
    Param("tariff", IntList(50), default=(), description="Titles opened by any of these tariffs."),
    Param("exclude_tariff_id", IntList(50), default=(), description="Not titles opened by these tariffs."),
    PROVIDER_ID, Param("provider", Text(200), default="", description="Only the titles of this online cinema "
                                                                       "(its name)."),
    SOURCE_TYPE, *SOURCE_FLAGS,
    *_flag_params("package", "season", default=None, description="1: only packages / series; 0: none."),
    *_flag_params("announcement", "new", "premiere", description="1: only announced / new / premiere titles."),
    Param("order", Choice(tuple(vod.VIDEO_ORDERS)), default="", description="Sort order (`-` descending)."),
)


def video_filters(args: Args) -> vod.VideoFilters | None:
    """The filters of `video/list`; None when the personal filters are combined (FILTERS_CONFLICT)."""
    personal = [kind for name, kind in VIDEO_PERSONAL_FLAGS.items() if args.get(name)]  # guests have none
    if len(personal) > 1:
        return None
    # gid, cgid: older single-genre forms; genre-categories are genres here
    genres_all = [*args.genre, *(args[name] for name in ("gid", "cgid") if args[name] is not None)]
    return vod.VideoFilters(
        search=args.search, genres_all=genres_all, genres_any=args.genre_any, actor_id=args.aid,
        years=args.year, year_from=args.year_from, year_to=args.year_to,
        kinopoisk_rating_from=args.kinopoisk_rating_from, kinopoisk_rating_to=args.kinopoisk_rating_to,
        countries=args.country, tariff_ids=args.tariff, exclude_tariff_ids=args.exclude_tariff_id,
        provider_id=args.provider_id, provider_name=args.provider, sources=_source_types(args),
        package=args.package, series=args.season,
        announcement=args.announcement, new=args.new, premiere=args.premiere,
        personal=personal[0] if personal else None, order=args.order,
    )


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=VIDEO_LIST_PARAMS,
               errors=(FILTERS_CONFLICT,), response=Obj(videos=ListOf(shapes.VIDEO), count=INT))
def video_list(request, ctx: DeviceContext):
    """The catalogue page by page, with the subscriber's flags on every title."""
    page, limit = pagination(ctx.args)
    filters = video_filters(ctx.args)
    if filters is None:
        return error(FILTERS_CONFLICT, "get_purchased, viewed_only, favorited_only, is_viewing and history_only "
                                       "cannot be combined.")
    result = vod.video_list(viewer=viewer_of(ctx), filters=filters, page=page, limit=limit)
    return ok(videos=[video_row(request, item) for item in result.items], count=result.count, error_message="")


def _video_or_error(ctx: DeviceContext, viewer: vod.Viewer, *, not_found: ErrorCode):
    """(video, None) or (None, the error to answer): unknown, foreign and withdrawn titles are not
    found; PIN-locked ones need the account's parental code."""
    try:
        video = vod.video_get(viewer=viewer, video_id=ctx.args.vid)
    except NotFound:
        return None, error(not_found, "Video not found.")
    return video, parent_control_error(ctx, video)


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    PERSON_TYPE,
    Param("actors_order", Choice(DETAIL_ACTOR_ORDERS), default="", description="Order of `actors_info`."),
    Param("external_api_request", Flag(), default=True, description="Accepted."),
    Param("show_reviews", Flag(), description="Accepted; there are no reviews here."),
    VIDEO_ID, PARENT_CODE,
), errors=(VIDEO_NOT_FOUND, PARENTAL_CONTROL), response=shapes.VIDEO_DETAIL)
def video_detail(request, ctx: DeviceContext):
    """One title with everything about it and the ways to get it (`actions`)."""
    viewer = viewer_of(ctx)
    video, answer = _video_or_error(ctx, viewer, not_found=VIDEO_NOT_FOUND)
    if answer is not None:
        return answer
    detail = vod.video_detail(viewer=viewer, video=video, people_type=ctx.args.type,
                              people_order=ctx.args.actors_order)
    row = video_row(request, detail.item)
    row.update(
        actions=[offer_row(video, offer) for offer in detail.offers],
        package_videos=[{"id": pk} for pk in detail.package_video_ids],
        customer_rating=vod_account.account_rating(viewer=viewer, video_id=video.pk), position_season_id=None,
        reviews=[],
        actors_info=[person_row(request, a) for a in detail.people],
        seasons=[{"id": s.pk, "name": s.name or f"Season {s.number}", "number": s.number} for s in detail.seasons],
        ext_id=video.ext_id, ads_available=0, episode_count=detail.episode_count,
        is_similar_exist=flag(vod_account.similar_exist(viewer=viewer, video=video)), meta="",
    )
    return ok(**row, error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("season_id", Id(), description="The season (required without `vid`)."),
    Param("vid", Id(), description="The series (required without `season_id`)."),
    PARENT_CODE,
), errors=(SEASON_NOT_FOUND, VIDEO_NOT_FOUND, PARENTAL_CONTROL),
   response=Obj(episodes=ListOf(shapes.EPISODE), season_number=nullable(INT)))
def video_episode_list(request, ctx: DeviceContext):
    """Episodes of a season (`season_id`), or of a whole series (`vid`, optionally with `season_id`),
    each with its files."""
    season_id, video_id = ctx.args.season_id, ctx.args.vid
    if season_id is None and video_id is None:
        raise ParamError("season_id", "required")
    viewer = viewer_of(ctx)
    try:
        result = vod.episode_list(viewer=viewer, season_id=season_id, video_id=video_id)
    except NotFound as exc:
        return error(VIDEO_NOT_FOUND if exc.message.startswith("Video") else SEASON_NOT_FOUND, exc.message)
    answer = parent_control_error(ctx, result.video)
    if answer is not None:
        return answer
    is_free = flag(result.video.price_category == PriceCategory.FREE)
    episodes = [{
        "id": e.pk, "name": e.name or f"Episode {e.number}", "number": e.number, "description": e.description,
        "duration": e.duration, "preview_url": "", "video_id": e.video_id, "is_planned": 0, "is_free": is_free,
        "season_id": e.season_id, "season_number": e.season.number if e.season_id else None,
        "files": [file_row(f, result.positions.get(f.pk)) for f in e.file_list],
    } for e in result.episodes]
    return ok(episodes=episodes, season_number=result.season.number if result.season else None, error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("action", Choice(vod.ACTIONS), required=True,
          description="`buy` or `rent` (the actions of video/detail; `play` and `subscribe` are done elsewhere)."),
    VIDEO_ID, PARENT_CODE,
), errors=(ACTION_REFUSED, ACTION_INSUFFICIENT_FUNDS, ALREADY_BOUGHT, ACTION_ACCOUNT_INACTIVE,
           ACTION_VIDEO_NOT_FOUND, PARENTAL_CONTROL),
   response=Obj(purchase_id=INT, expires_at=nullable(TIMESTAMP), balance=MONEY))
def video_action(request, ctx: DeviceContext):
    """Buy (for good) or rent a purchase-category title.

    `billing.purchases.video_purchase` decides who bills it (the balance, or the operator's billing);
    `expires_at` is the end of a rental, `balance` the customer's balance after it."""
    action = ctx.args.action
    viewer = viewer_of(ctx)
    video, answer = _video_or_error(ctx, viewer, not_found=ACTION_VIDEO_NOT_FOUND)
    if answer is not None:
        return answer
    if action == vod.PLAY:
        return error(ACTION_REFUSED, "Nothing to do for 'play': ask video/url for the stream.")
    if action == vod.SUBSCRIBE:
        return error(ACTION_REFUSED, "Subscriptions are taken with customer/tariff/subscribe and the action's "
                                     "tariff_id.")
    try:
        purchase = video_purchase(customer=ctx.customer, video=video, kind=PurchaseKind(action), account=ctx.account)
    except AccountInactive:
        return error(ACTION_ACCOUNT_INACTIVE, "The account is not active.")
    except InsufficientFunds:
        return error(ACTION_INSUFFICIENT_FUNDS, "Insufficient funds.")
    except AlreadyPurchased:
        return error(ALREADY_BOUGHT, "The title has already been bought or is rented.")
    except NotFound:
        return error(ACTION_VIDEO_NOT_FOUND, "Video not found.")
    except NotPurchasable as exc:
        return error(ACTION_REFUSED, exc.message)
    except ExternalBillingError as exc:
        return error(ACTION_REFUSED, f"The purchase was not made: {exc}")
    except PartnerRefused as exc:  # the online cinema said no; the charge was undone
        return error(ACTION_REFUSED, exc.message)
    return ok(purchase_id=purchase.pk, expires_at=unixtime(purchase.expires_at),
              balance=f"{customer_balance_view(ctx.customer):.2f}", error_message="")


# --- people ----------------------------------------------------------------------------------------

def _actor_list_params(*, search_required: bool, default_order: str) -> tuple[Param, ...]:
    return (
        Param("search", Text(200), required=search_required, default="",
              description="Part of the person's name."),
        *pagination_params(default_limit=20),
        Param("order", Choice(ACTOR_LIST_ORDERS), default=default_order, description="Sort order."),
        PERSON_TYPE, Param("vid", Id(), description="Only the people of this title."),
    )


_ACTOR_LIST = dict(errors=(VIDEO_NOT_FOUND,), response=Obj(actors=ListOf(shapes.ACTOR), count=INT))


def _actor_list(request, ctx: DeviceContext):
    args = ctx.args
    page, limit = pagination(args)
    try:
        actors, count = vod.actor_list(client=ctx.client, person_type=args.type, search=args.search.strip(),
                                       video_id=args.vid, order=args.order, page=page, limit=limit)
    except NotFound as exc:
        return error(VIDEO_NOT_FOUND, exc.message)
    return ok(actors=[{**person_row(request, a), "profession": a.get_type_display(), "biography": a.description,
                       "film_count": a.film_count} for a in actors], count=count, error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM,
               params=_actor_list_params(search_required=False, default_order="name"), **_ACTOR_LIST)
def actor_list(request, ctx: DeviceContext):
    """People (actors by default), optionally of one title (`vid`) or matching `search`."""
    return _actor_list(request, ctx)


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM,
               params=_actor_list_params(search_required=True, default_order="-film_count"), **_ACTOR_LIST)
def actor_list_search(request, ctx: DeviceContext):
    """People whose name contains `search`, the most filmed first."""
    return _actor_list(request, ctx)


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("aid", Id(), required=True, description="The person."), *pagination_params(default_limit=20),
), errors=(ACTOR_NOT_FOUND,), response=shapes.ACTOR_DETAIL)
def actor_detail(request, ctx: DeviceContext):
    """One person, the genres of their titles, and their titles in the catalogue.

    `videos` is paged by `page`/`limit`, its total is `videos_count`."""
    page, limit = pagination(ctx.args)
    try:
        actor = vod.actor_get(client=ctx.client, actor_id=ctx.args.aid)
    except NotFound:
        return error(ACTOR_NOT_FOUND, "Actor not found.")
    videos = vod.actor_videos(viewer=viewer_of(ctx), actor=actor, page=page, limit=limit)
    return ok(**person_row(request, actor), name_orig=actor.name_orig, screenshot_b_big="",
              profession=actor.get_type_display(), biography=actor.description,
              genres=[{"id": g.pk, "name": g.name, "is_category": 0} for g in vod.actor_genres(actor=actor)],
              videos=[video_row(request, item) for item in videos.items], videos_count=videos.count,
              error_message="")


# --- selections ------------------------------------------------------------------------------------

SELECTION_TYPE_MANUAL = 0
CONTENT_TYPE_VIDEO = 2


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    *pagination_params(default_limit=MAX_LIMIT),
    Param("videos_limit", Int(0, MAX_LIMIT), default=20, description="Titles shown of each selection."),
    Param("order", Choice(tuple(o for o in vod.SELECTION_ORDERS if o)), default="",
          description="By `date` (of creation); the operator's order when absent."),
    Param("type", Int(0, 1), description="0 manual selections (all there are here)."),
    Param("content_type", Int(0, 6), description="2 videos (all there are here)."),
    Param("program_id", Id(), description="Selections of an EPG programme: there are none here."),
    VIDEO_PROVIDER_ID,
), response=Obj(selections=ListOf(shapes.SELECTION), count=INT))
def selection_list(request, ctx: DeviceContext):
    """Enabled selections in their order, each with its number of available titles (`count`) and its
    first titles (`videos`).

    Every selection here is a manual selection of videos (type 0, content type 2): asking for other
    types or for the selections of an EPG programme answers an empty list."""
    args = ctx.args
    page, limit = pagination(args)
    if args.program_id is not None or args.type not in (None, SELECTION_TYPE_MANUAL) \
            or args.content_type not in (None, CONTENT_TYPE_VIDEO):
        return ok(selections=[], count=0, error_message="")
    result = vod.selection_list(viewer=viewer_of(ctx), order=args.order, page=page, limit=limit,
                                videos_limit=args.videos_limit)
    selections = [{
        "id": row.selection.pk, "name": row.selection.name, "promo_image": "", "count": row.count,
        "type": SELECTION_TYPE_MANUAL, "content_type": CONTENT_TYPE_VIDEO,
        "videos": [video_row(request, item) for item in row.items],
    } for row in result.items]
    return ok(selections=selections, count=result.count, error_message="")
