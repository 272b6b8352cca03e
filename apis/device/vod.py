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
reviews, announcements, customers' ratings, video providers, channel links). Extensions beyond the
reference, in list and detail rows: `price_category` ("subscription", "purchase", "free"), `price`,
`rent_price`, `rent_hours`, `purchase_expires_at` (unix time of a rental's end), `age_rating`.
`price_category_type` is 0 subscription, 1 purchase, 2 free; `video_source` is 1 for the operator's
own titles and 2 for titles of an online cinema (as `source_type` filters them).
"""
from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest, JsonResponse

from billing.purchases import (
    AccountInactive, AlreadyPurchased, ExternalBillingError, InsufficientFunds, NotPurchasable, PartnerRefused,
    video_purchase,
)
from billing.selectors.external import customer_balance_view
from tvmiddleware.selectors import vod
from tvmiddleware.models import Actor, PersonType, PriceCategory, PurchaseKind, Video, VideoFile
from common.money import MoneyError, read_decimal
from common.errors import NotFound

from apikit.device import Auth, DeviceContext, device_method
from common.params import ParamError, Params
from apikit.device_responses import error, flag, ok, unixtime

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

def _pagination(p: Params, *, default_limit: int) -> tuple[int, int]:
    """`page` from 1; `limit` at least 1, and above the documented maximum of 100 it is clamped."""
    page = p.int("page", 1, min_value=1, max_value=MAX_PAGE)
    limit = p.int("limit", default_limit, min_value=1)
    return page, min(limit, MAX_LIMIT)


def _choice(p: Params, name: str, choices, default: str = "") -> str:
    value = p.str(name, default, max_length=64)
    if value not in choices:
        raise ParamError(name)
    return value


def _optional_flag(p: Params, name: str) -> bool | None:
    value = p.int(name, None, min_value=0, max_value=1)
    return None if value is None else bool(value)


def _str_list(p: Params, name: str, *, max_items: int = 50, max_length: int = 100) -> list[str]:
    """Repeated (`a=x&a=y`) and comma separated (`a=x,y`) forms both work."""
    items = [part.strip() for chunk in p.raw().getlist(name) for part in chunk.split(",") if part.strip()]
    if len(items) > max_items or any(len(i) > max_length or "\x00" in i for i in items):
        raise ParamError(name)
    return items


def _decimal(p: Params, name: str, *, max_value: Decimal = Decimal("100")) -> Decimal | None:
    value = p.str(name, max_length=16)
    if not value:
        return None
    try:
        return read_decimal(value, places=2, minimum=Decimal(0), maximum=max_value)
    except MoneyError as exc:
        raise ParamError(name, exc.problem) from None


def _years(p: Params, name: str) -> list[int]:
    years = p.int_list(name, max_items=50)
    if any(not 1 <= y <= 9999 for y in years):
        raise ParamError(name, "out of range")
    return years


def _source_types(p: Params) -> frozenset[int]:
    """`source_type` (1 own titles, 2 online cinemas), else `source_internal`/`source_external`."""
    if "source_type" in p:
        types = set(p.int_list("source_type", max_items=10))
        if not types or not types <= {1, 2}:
            raise ParamError("source_type")
        return frozenset(types)
    internal = p.flag("source_internal", default=True)
    external = p.flag("source_external", default=True)
    return frozenset({1} if internal else set()) | frozenset({2} if external else set())


def _viewer(ctx: DeviceContext) -> vod.Viewer:
    return vod.viewer_get(customer=ctx.customer, account=ctx.account)


def _parent_control_error(ctx: DeviceContext, video: Video) -> JsonResponse | None:
    """The documented answer when a PIN-locked title is asked for without the account's code."""
    if vod.parent_control_passed(account=ctx.account, video=video,
                                 parent_code=ctx.params.str("parent_code", max_length=32)):
        return None
    return error(1, "Parental control: this title needs the account's parent_code.")


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


def _file_row(file: VideoFile, position) -> dict:
    return {
        "id": file.pk, "promo_image": "", "name": " ".join(x for x in (f"{file.quality}p", file.language) if x),
        "duration": file.duration, "ext_id": file.ext_id, "position": position.position if position else 0,
        "is_viewed": flag(position and position.is_viewed), "quality": file.quality,
    }


def _video_row(request: HttpRequest, item: vod.VideoItem) -> dict:
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
        "imdb_rating": _number(v.imdb_rating), "average_customers_rating": 0.0, "duration": v.duration,
        "files": [_file_row(f, item.file_positions.get(f.pk)) for f in v.main_files],
        "language": v.language, "is_purchased": flag(item.is_purchased),
        "position": position.position if position else 0,
        "position_asset_id": position.asset_id if position else None,
        "video_source": 2 if v.external_system_id else 1,
        "price_category_type": PRICE_CATEGORY_TYPES.get(v.price_category, 0), "is_4k": flag(v.is_4k),
        "channel_id": None, "age_rating": v.age_rating,
        "price_category": v.price_category, "price": _money(v.price), "rent_price": _money(v.rent_price),
        "rent_hours": v.rent_hours, "purchase_expires_at": unixtime(item.access.expires_at),
    }


def _person_row(request: HttpRequest, actor: Actor) -> dict:
    return {
        "id": actor.pk, "name": actor.name, "photo": _image(request, actor.photo), "country": actor.country,
        "gender": actor.gender, "birthdate": actor.birthdate.isoformat() if actor.birthdate else "",
        "type": actor.type,
    }


def _offer_row(video, offer: vod.Offer) -> dict:
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

@device_method(auth=Auth.SESSION, invalid_param_error=1)
def genre_list(request, ctx: DeviceContext):
    """VOD genres with the number of catalogue titles in each (there are no genre-categories here:
    `categories=1` answers an empty list)."""
    p = ctx.params
    categories = p.flag("categories")
    provider_id = p.int("provider_id", min_value=1)
    p.int("video_provider_id", min_value=1)
    category_id = p.int("category_id", min_value=1)
    sources = _source_types(p) if "source_type" in p else None
    if categories:
        return ok(genres=[], error_message="")
    genres = vod.genre_list(client=ctx.client, provider_id=provider_id, category_id=category_id, sources=sources)
    return ok(genres=[{"id": g.pk, "name": g.name, "is_category": 0, "count": g.count, "subgenres_count": 0,
                       "icon": "", "icon_tv": "", "dashboard_icon": ""} for g in genres], error_message="")


# --- videos ----------------------------------------------------------------------------------------

def _video_filters(p: Params) -> vod.VideoFilters | None:
    """The filters of `video/list`; None when the personal filters are combined (error 2)."""
    personal = [kind for name, kind in VIDEO_PERSONAL_FLAGS.items() if p.flag(name)]
    if len(personal) > 1:
        return None
    genres_all = p.int_list("genre", max_items=20)
    for name in ("gid", "cgid"):  # older single-genre forms; genre-categories are genres here
        genre_id = p.int(name, min_value=1)
        if genre_id is not None:
            genres_all.append(genre_id)
    return vod.VideoFilters(
        search=p.str("search", max_length=200).strip(),
        genres_all=genres_all, genres_any=p.int_list("genre_any", max_items=50),
        actor_id=p.int("aid", min_value=1),
        years=_years(p, "year"),
        year_from=p.int("year_from", min_value=0, max_value=9999),
        year_to=p.int("year_to", min_value=0, max_value=9999),
        kinopoisk_rating_from=_decimal(p, "kinopoisk_rating_from"),
        kinopoisk_rating_to=_decimal(p, "kinopoisk_rating_to"),
        countries=_str_list(p, "country"),
        tariff_ids=p.int_list("tariff", max_items=50), exclude_tariff_ids=p.int_list("exclude_tariff_id", max_items=50),
        provider_id=p.int("provider_id", min_value=1), provider_name=p.str("provider", max_length=200),
        sources=_source_types(p),
        package=_optional_flag(p, "package"), series=_optional_flag(p, "season"),
        announcement=p.flag("announcement"), new=p.flag("new"), premiere=p.flag("premiere"),
        personal=personal[0] if personal else None,
        order=_choice(p, "order", ("", *vod.VIDEO_ORDERS)),
    )


@device_method(auth=Auth.SESSION, invalid_param_error=1)
def video_list(request, ctx: DeviceContext):
    """The catalogue page by page, with the subscriber's flags on every title."""
    p = ctx.params
    page, limit = _pagination(p, default_limit=20)
    p.int("video_provider_id", min_value=1)
    filters = _video_filters(p)
    if filters is None:
        return error(2, "get_purchased, viewed_only, favorited_only, is_viewing and history_only "
                        "cannot be combined.")
    result = vod.video_list(viewer=_viewer(ctx), filters=filters, page=page, limit=limit)
    return ok(videos=[_video_row(request, item) for item in result.items], count=result.count, error_message="")


def _video_or_error(ctx: DeviceContext, viewer: vod.Viewer, *, not_found_code: int):
    """(video, None) or (None, the error to answer): unknown, foreign and withdrawn titles are not
    found; PIN-locked ones need the account's parental code."""
    vid = ctx.params.int("vid", required=True, min_value=1)
    try:
        video = vod.video_get(viewer=viewer, video_id=vid)
    except NotFound:
        return None, error(not_found_code, "Video not found.")
    return video, _parent_control_error(ctx, video)


@device_method(auth=Auth.SESSION, invalid_param_error=1)
def video_detail(request, ctx: DeviceContext):
    """One title with everything about it and the ways to get it (`actions`)."""
    p = ctx.params
    people_type = _choice(p, "type", vod.PERSON_TYPES, default="actor")
    people_order = _choice(p, "actors_order", ("", *DETAIL_ACTOR_ORDERS))
    p.flag("external_api_request", default=True)
    p.flag("show_reviews")
    viewer = _viewer(ctx)
    video, answer = _video_or_error(ctx, viewer, not_found_code=1)
    if answer is not None:
        return answer
    detail = vod.video_detail(viewer=viewer, video=video, people_type=people_type, people_order=people_order)
    row = _video_row(request, detail.item)
    row.update(
        actions=[_offer_row(video, offer) for offer in detail.offers],
        package_videos=[{"id": pk} for pk in detail.package_video_ids],
        customer_rating=0, position_season_id=None, reviews=[],
        actors_info=[_person_row(request, a) for a in detail.people],
        seasons=[{"id": s.pk, "name": s.name or f"Season {s.number}", "number": s.number} for s in detail.seasons],
        ext_id=video.ext_id, ads_available=0, episode_count=detail.episode_count, is_similar_exist=0, meta="",
    )
    return ok(**row, error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=1)
def video_episode_list(request, ctx: DeviceContext):
    """Episodes of a season (`season_id`, as documented), or of a whole series (`vid`, optionally
    with `season_id`), each with its files."""
    p = ctx.params
    season_id = p.int("season_id", min_value=1)
    video_id = p.int("vid", min_value=1)
    if season_id is None and video_id is None:
        raise ParamError("season_id", "required")
    viewer = _viewer(ctx)
    try:
        result = vod.episode_list(viewer=viewer, season_id=season_id, video_id=video_id)
    except NotFound as exc:
        return error(1, exc.message)
    answer = _parent_control_error(ctx, result.video)
    if answer is not None:
        return answer
    is_free = flag(result.video.price_category == PriceCategory.FREE)
    episodes = [{
        "id": e.pk, "name": e.name or f"Episode {e.number}", "number": e.number, "description": e.description,
        "duration": e.duration, "preview_url": "", "video_id": e.video_id, "is_planned": 0, "is_free": is_free,
        "season_id": e.season_id, "season_number": e.season.number if e.season_id else None,
        "files": [_file_row(f, result.positions.get(f.pk)) for f in e.file_list],
    } for e in result.episodes]
    return ok(episodes=episodes, season_number=result.season.number if result.season else None, error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=1)
def video_action(request, ctx: DeviceContext):
    """Buy (for good) or rent a purchase-category title; `billing.purchases.video_purchase` decides
    who bills it (the balance, or the operator's billing)."""
    p = ctx.params
    action = p.str("action", required=True, max_length=32)
    if action not in vod.ACTIONS:
        return error(1, f"Unknown action {action!r}: use one of the actions of video/detail.")
    viewer = _viewer(ctx)
    video, answer = _video_or_error(ctx, viewer, not_found_code=5)
    if answer is not None:
        return answer
    if action == vod.PLAY:
        return error(1, "Nothing to do for 'play': ask video/url for the stream.")
    if action == vod.SUBSCRIBE:
        return error(1, "Subscriptions are taken with customer/tariff/subscribe and the action's tariff_id.")
    try:
        purchase = video_purchase(customer=ctx.customer, video=video, kind=PurchaseKind(action), account=ctx.account)
    except AccountInactive:
        return error(4, "The account is not active.")
    except InsufficientFunds:
        return error(2, "Insufficient funds.")
    except AlreadyPurchased:
        return error(3, "The title has already been bought or is rented.")
    except NotFound:
        return error(5, "Video not found.")
    except NotPurchasable as exc:
        return error(1, exc.message)
    except ExternalBillingError as exc:
        return error(1, f"The purchase was not made: {exc}")
    except PartnerRefused as exc:  # the online cinema said no; the charge was undone
        return error(1, exc.message)
    return ok(purchase_id=purchase.pk, expires_at=unixtime(purchase.expires_at),
              balance=f"{customer_balance_view(ctx.customer):.2f}", error_message="")


# --- people ----------------------------------------------------------------------------------------

def _actor_list(request, ctx: DeviceContext, *, search: str, default_order: str):
    p = ctx.params
    page, limit = _pagination(p, default_limit=20)
    order = _choice(p, "order", ACTOR_LIST_ORDERS, default=default_order)
    person_type = _choice(p, "type", vod.PERSON_TYPES, default="actor")
    video_id = p.int("vid", min_value=1)
    try:
        actors, count = vod.actor_list(client=ctx.client, person_type=person_type, search=search,
                                       video_id=video_id, order=order, page=page, limit=limit)
    except NotFound as exc:
        return error(1, exc.message)
    return ok(actors=[{**_person_row(request, a), "profession": a.get_type_display(), "biography": a.description,
                       "film_count": a.film_count} for a in actors], count=count, error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=1)
def actor_list(request, ctx: DeviceContext):
    """People (actors by default), optionally of one title (`vid`) or matching `search`."""
    return _actor_list(request, ctx, search=ctx.params.str("search", max_length=200).strip(), default_order="name")


@device_method(auth=Auth.SESSION, invalid_param_error=1)
def actor_list_search(request, ctx: DeviceContext):
    """People whose name contains `search`, the most filmed first."""
    return _actor_list(request, ctx, search=ctx.params.str("search", required=True, max_length=200).strip(),
                       default_order="-film_count")


@device_method(auth=Auth.SESSION, invalid_param_error=1)
def actor_detail(request, ctx: DeviceContext):
    """One person, the genres of their titles, and their titles in the catalogue (`videos`, paged
    by `page`/`limit`, total in `videos_count`)."""
    p = ctx.params
    actor_id = p.int("aid", required=True, min_value=1)
    page, limit = _pagination(p, default_limit=20)
    try:
        actor = vod.actor_get(client=ctx.client, actor_id=actor_id)
    except NotFound:
        return error(1, "Actor not found.")
    videos = vod.actor_videos(viewer=_viewer(ctx), actor=actor, page=page, limit=limit)
    return ok(**_person_row(request, actor), name_orig=actor.name_orig, screenshot_b_big="",
              profession=actor.get_type_display(), biography=actor.description,
              genres=[{"id": g.pk, "name": g.name, "is_category": 0} for g in vod.actor_genres(actor=actor)],
              videos=[_video_row(request, item) for item in videos.items], videos_count=videos.count,
              error_message="")


# --- selections ------------------------------------------------------------------------------------

SELECTION_TYPE_MANUAL = 0
CONTENT_TYPE_VIDEO = 2


@device_method(auth=Auth.SESSION, invalid_param_error=1)
def selection_list(request, ctx: DeviceContext):
    """Enabled selections in their order (`page`/`limit`, at most 100 a page), each with its number
    of available titles (`count`) and its first titles (`videos`, at most `videos_limit`, default 20,
    at most 100). Every selection here is a manual selection of videos (type 0, content type 2):
    asking for other types or for the selections of an EPG programme answers an empty list."""
    p = ctx.params
    page, limit = _pagination(p, default_limit=MAX_LIMIT)
    videos_limit = p.int("videos_limit", 20, min_value=0, max_value=MAX_LIMIT)
    order = _choice(p, "order", tuple(vod.SELECTION_ORDERS))
    selection_type = p.int("type", min_value=0, max_value=1)
    content_type = p.int("content_type", min_value=0, max_value=6)
    program_id = p.int("program_id", min_value=1)
    p.int("video_provider_id", min_value=1)
    if program_id is not None or selection_type not in (None, SELECTION_TYPE_MANUAL) \
            or content_type not in (None, CONTENT_TYPE_VIDEO):
        return ok(selections=[], count=0, error_message="")
    result = vod.selection_list(viewer=_viewer(ctx), order=order, page=page, limit=limit, videos_limit=videos_limit)
    selections = [{
        "id": row.selection.pk, "name": row.selection.name, "promo_image": "", "count": row.count,
        "type": SELECTION_TYPE_MANUAL, "content_type": CONTENT_TYPE_VIDEO,
        "videos": [_video_row(request, item) for item in row.items],
    } for row in result.items]
    return ok(selections=selections, count=result.count, error_message="")
