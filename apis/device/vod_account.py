"""The subscriber's films: video/episode/detail, video/listing/delete, video/rating/set, video/settings/set,
video/similar, video/subscription/list, video/subscription/cancel, selection/detail.

A "video subscription" is a tariff that opens catalogue titles (subscription-category titles): the
ones offered to subscribers and the ones the customer holds. It is taken like any tariff
(`customer/tariff/subscribe`, the `subscribe` actions of video/detail name it by `tariff_id`) and
cancelled here, by the same rules as `customer/tariff/unsubscribe`.
"""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from common.errors import NotFound
from common.readers import Choice, Flag, Id, Int, IntList
from tvmiddleware.models import PriceCategory
from tvmiddleware.selectors import vod, vod_account
from tvmiddleware.services import vod_account as films
from tvmiddleware.services.tariffs import (
    BasicTariffKept, TariffNotConnected, TariffNotUnsubscribable, tariffs_unsubscribe,
)

from apikit.device import Auth, DeviceContext, device_method
from apikit.device_responses import error, flag, ok
from apikit.spec import NUMBER, ListOf, Obj, Param

from . import film_shapes as shapes
from .errors import (
    EPISODE_NOT_FOUND, FAVORITE_FLAG_INVALID, INVALID_PARAM, LISTING_VIDEO_NOT_FOUND, PARENTAL_CONTROL, RATING_INVALID,
    SELECTION_NOT_FOUND, SUBSCRIPTION_NOT_FOUND, VIDEO_NOT_FOUND,
)
from .vod import (
    PARENT_CODE, file_row, pagination, pagination_params, parent_control_error, person_row, video_row, viewer_of,
)

MAX_SELECTION_LIMIT = 200

# --- one episode -------------------------------------------------------------------------------------

@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("episode_id", Id(), required=True, description="The episode."),
    PARENT_CODE,
), errors=(EPISODE_NOT_FOUND, PARENTAL_CONTROL), response=shapes.EPISODE_DETAIL)
def video_episode_detail(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """One episode of a series with its files (by quality) and where the account stopped in each.

    `preview_url`, `is_planned` come from the Content API's fields of the episode; an episode without
    files is planned (announced, not yet playable). `is_free`: the series is free, or the episode was
    marked free."""
    viewer = viewer_of(ctx)
    try:
        detail = vod_account.episode_get(viewer=viewer, episode_id=ctx.args.episode_id)
    except NotFound:
        return error(EPISODE_NOT_FOUND, "Episode not found.")
    answer = parent_control_error(ctx, detail.video)
    if answer is not None:
        return answer
    episode, extra = detail.episode, detail.extra
    season = episode.season
    return ok(
        id=episode.pk, name=episode.name or f"Episode {episode.number}", number=episode.number,
        description=episode.description, duration=episode.duration, preview_url=str(extra.get("preview_url") or ""),
        video_id=episode.video_id, season_id=episode.season_id, season_number=season.number if season else None,
        files=[file_row(f, detail.positions.get(f.pk)) for f in episode.file_list],
        is_free=flag(detail.video.price_category == PriceCategory.FREE or bool(extra.get("is_free"))),
        is_planned=flag(not episode.file_list or bool(extra.get("is_planned"))), error_message="",
    )


# --- listings, ratings, favourites --------------------------------------------------------------------

def _title(ctx: DeviceContext, viewer):
    """The title `vid` as the subscriber may see it (available, or held by a purchase), or None."""
    try:
        return vod.video_get(viewer=viewer, video_id=ctx.args.vid)
    except NotFound:
        return None


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("vid", IntList(100, min_value=1, nonempty=True), required=True,
          description="The titles, comma separated."),
    Param("listing", Choice(films.LISTINGS), required=True,
          description="`is_viewing` (being watched), `viewed_only` (watched to the end) or `history_only` (both)."),
), errors=(LISTING_VIDEO_NOT_FOUND,), response=Obj())
def video_listing_delete(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """Take titles out of the subscriber's "continue watching" (`is_viewing`), watched (`viewed_only`) or
    history (`history_only`) listing of video/list, by forgetting where they stopped in them.

    Every id must be a title of the operator (one that left the catalogue included), else nothing is
    removed (1)."""
    ids = ctx.args.vid
    if vod_account.videos_found(viewer=viewer_of(ctx), video_ids=ids) != len(ids):
        return error(LISTING_VIDEO_NOT_FOUND, "One or more ids match no title.", error_fields={"vid": "not found"})
    films.video_listing_delete(account=ctx.account, video_ids=ids, listing=ctx.args.listing)
    return ok(error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=RATING_INVALID, params=(
    Param("vid", Id(), required=True, description="The title."),
    Param("rating", Int(films.MIN_RATING, films.MAX_RATING), required=True, description="The subscriber's mark, 1 to 10."),
), response=Obj(average_rating=NUMBER))
def video_rating_set(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The subscriber rates a title from 1 to 10; rating it again replaces their mark. Answers the
    title's new average of subscribers' ratings (`average_customers_rating` of the title rows)."""
    video = _title(ctx, viewer_of(ctx))
    if video is None:
        return error(RATING_INVALID, "Video not found.", error_fields={"vid": "not found"})
    average = films.video_rate(account=ctx.account, video=video, rating=ctx.args.rating)
    return ok(average_rating=float(average), error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("vid", Id(), required=True, description="The title."),
    Param("is_favorited", Flag(), error=FAVORITE_FLAG_INVALID,
          description="1 adds the title to the subscriber's favourites, 0 takes it out."),
), errors=(VIDEO_NOT_FOUND,), response=Obj())
def video_settings_set(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The subscriber's own settings of a title: a favourite or not (video/list `favorited_only`,
    `is_favorited` of the title rows). Without `is_favorited` nothing changes."""
    video = _title(ctx, viewer_of(ctx))
    if video is None:
        return error(VIDEO_NOT_FOUND, "Video not found.", error_fields={"vid": "not found"})
    if ctx.args.is_favorited is not None:
        films.video_favorite_set(account=ctx.account, video=video, is_favorited=ctx.args.is_favorited)
    return ok(error_message="")


# --- similar titles ----------------------------------------------------------------------------------

@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("vid", Id(), required=True, description="The title."), *pagination_params(default_limit=10),
), errors=(VIDEO_NOT_FOUND,), response=shapes.SIMILAR)
def video_similar(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """Titles like `vid`, the most alike first, among those the catalogue shows the subscriber.

    Alike: sharing people (actors, directors: weight 3 each), genres (2 each) or enabled selections
    (1 each); ties go to the better rated, then the newest. Never the title itself."""
    viewer = viewer_of(ctx)
    video = _title(ctx, viewer)
    if video is None:
        return error(VIDEO_NOT_FOUND, "Video not found.", error_fields={"vid": "not found"})
    page, limit = pagination(ctx.args)
    result = vod_account.similar_videos(viewer=viewer, video=video, page=page, limit=limit)
    return ok(videos=[video_row(request, item) for item in result.items], count=result.count, error_message="")


# --- video subscriptions ------------------------------------------------------------------------------

@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("is_purchased", Flag(), description="1: only the subscriptions the customer holds; 0: only the others."),
), response=Obj(subscriptions=ListOf(shapes.SUBSCRIPTION)))
def video_subscription_list(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The video subscriptions: tariffs that open catalogue titles, those offered to subscribers and
    those the customer holds (`is_purchased`), in the operator's tariff order (`sort`, from 1).

    `price` is the tariff's price per period; one is taken with `customer/tariff/subscribe`."""
    rows = vod_account.video_subscriptions(viewer=viewer_of(ctx), is_purchased=ctx.args.is_purchased)
    return ok(subscriptions=[{
        "id": row.tariff.pk, "ext_id": row.tariff.ext_id, "name": row.tariff.name,
        "description": row.tariff.description, "price": float(row.tariff.price), "sort": row.sort,
        "is_purchased": row.is_purchased,
    } for row in rows], error_message="")


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("subscription", Id(), required=True, description="The subscription: its `id` in video/subscription/list."),
), errors=(SUBSCRIPTION_NOT_FOUND,), response=Obj())
def video_subscription_cancel(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """Cancel a video subscription the customer holds, as `customer/tariff/unsubscribe` would: a basic
    tariff, a required one or one the operator keeps from the app's reach is not cancelled (1)."""
    try:
        tariff = vod_account.held_video_subscription(viewer=viewer_of(ctx), tariff_id=ctx.args.subscription)
        tariffs_unsubscribe(customer=ctx.customer, tariff_ids=[tariff.pk])
    except (NotFound, TariffNotConnected):
        return error(SUBSCRIPTION_NOT_FOUND, "Subscription not found.", error_fields={"subscription": "not found"})
    except (BasicTariffKept, TariffNotUnsubscribable) as exc:
        return error(SUBSCRIPTION_NOT_FOUND, exc.message)
    return ok(error_message="")


# --- one selection -----------------------------------------------------------------------------------

SELECTION_TYPE_MANUAL = 0


@device_method(auth=Auth.SESSION, invalid_param_error=SELECTION_NOT_FOUND, params=(
    Param("selection_id", Id(), description="The selection (this, `program_id` or `portal_dashboard_id` is "
                                            "required)."),
    Param("program_id", Id(), description="A generated selection of an EPG programme: there are none here."),
    Param("portal_dashboard_id", Id(), description="A home-screen shelf: there are none here."),
    Param("compact", Flag(), default=False, description="1: titles without `actors`, `director`, `actors_info`."),
    Param("cursor", Int(0), default=0, description="Where the page starts: 0, then the previous `next_cursor`."),
    Param("limit", Int(1), default=MAX_SELECTION_LIMIT,
          description=f"Titles per page (default and maximum {MAX_SELECTION_LIMIT})."),
    Param("order", Choice(("program_begin_time", "-program_begin_time")),
          description="For selections of programmes; titles keep the selection's order."),
), response=shapes.SELECTION_DETAIL)
def selection_detail(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """A selection with a page of its titles (those the catalogue shows), in the selection's order.

    Pages follow a cursor: `next_cursor` is where the next page starts, 0 after the last page. Every
    selection here is a manual shelf of titles (type 0), so each entry of `contents` is a `video`."""
    args = ctx.args
    if args.selection_id is None:
        if args.program_id is None and args.portal_dashboard_id is None:
            return error(SELECTION_NOT_FOUND, "selection_id, program_id or portal_dashboard_id is required.",
                         error_fields={"selection_id": "required"})
        return error(SELECTION_NOT_FOUND, "Selection not found.")
    viewer = viewer_of(ctx)
    try:
        detail = vod_account.selection_detail(viewer=viewer, selection_id=args.selection_id, cursor=args.cursor,
                                              limit=min(args.limit, MAX_SELECTION_LIMIT))
    except NotFound:
        return error(SELECTION_NOT_FOUND, "Selection not found.", error_fields={"selection_id": "not found"})
    packages = vod_account.package_contents(viewer=viewer, videos=[item.video for item in detail.items])
    contents = []
    for item in detail.items:
        row = video_row(request, item)
        row["package_videos"] = [{"id": pk} for pk in packages.get(item.video.pk, ())]
        if args.compact:
            for name in shapes.COMPACT_LEFT_OUT:
                row.pop(name, None)
        else:
            row["actors_info"] = [person_row(request, person) for person in item.video.actor_list]
        contents.append({"video": row})
    promo = detail.extra.get("promo_image") or ""
    return ok(name=detail.selection.name, count=detail.count, type=SELECTION_TYPE_MANUAL,
              promo_image=str(promo), next_cursor=detail.next_cursor, contents=contents, error_message="")
