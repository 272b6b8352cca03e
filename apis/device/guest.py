"""Guest browsing: the `noauth/*` methods, for apps showing the operator's offer before a login.

They take `client_id` + `api_key` (no session). Guest browsing is the operator's switch
(`GuestBrowsing` in the panel), off by default: while it is off every method here answers 403
(`GUEST_BROWSING_OFF`, the reference's code for a client that may not call it). When it is on, a guest
sees the channels and titles of the guest tariffs as a non-subscriber does (`has_subscription` 0, no
purchases, favourites or positions) and never a stream: channel lists carry no URLs, and
`noauth/video/url` plays a title's trailers only (`VideoTrailer`; `files` of a guest's titles are
their trailers, whose ids it takes as `vfid`).

Also `provider/list` (with a session) and `noauth/provider/list`: the online cinemas whose titles are
in the catalogue, with the logos set in the panel (`ProviderBranding`).
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone

from common.errors import NotFound
from common.readers import DOTTED, Choice, Day, Flag, Id, Int, IntList, Text, Timestamp
from tvmiddleware.models import ChannelCategory, ExternalSystem, PriceCategory, Season, VideoTrailer
from tvmiddleware.selectors import channels as sel
from tvmiddleware.selectors import guest
from tvmiddleware.selectors import guide_cache
from tvmiddleware.selectors import vod as vod_sel

from apikit.device import Auth, DeviceContext, device_method
from apikit.device_responses import error, flag, ok
from apikit.spec import FLAG, INT, STR, ListOf, Obj, Param, nullable

from . import channel_shapes, film_shapes
from . import vod_shapes
from .channels import MAX_GUIDE_WINDOW, IconUrls, channel_guide_window, guide_entry, visible_rows_by_id
from .errors import (
    BAD_GUIDE_WINDOW, GUEST_BROWSING_OFF, GUEST_NOT_FOUND, INVALID_PARAM, NO_PROGRAMME_FROM, PARTNER_STREAM_FAILED,
    TRAILER_ONLY,
)
from .vod import (
    ACTOR_LIST_ORDERS, DETAIL_ACTOR_ORDERS, MAX_LIMIT, PERSON_TYPE, PROVIDER_ID, SOURCE_TYPE, VIDEO_LIST_PARAMS,
    VIDEO_PERSONAL_FLAGS, VIDEO_PROVIDER_ID, offer_row, pagination, pagination_params, person_row, video_filters,
    video_row,
)

# `type` of a provider: every provider here is an online cinema's API integration.
PROVIDER_TYPE_ONLINE_CINEMA = 1
SELECTION_TYPE_MANUAL = 0
CONTENT_TYPE_VIDEO = 2
TRAILER_ACTION = "trailer"


# --- the switch ------------------------------------------------------------------------------------

def guest_method(*, errors: tuple = (), invalid_param_error=INVALID_PARAM, **kwargs: Any) -> Callable:
    """`device_method` for guests (`client_id` + `api_key`): the view runs only while the operator's
    guest browsing is on, and gets the operator's `GuestView` as its third argument."""
    def decorate(view: Callable[[HttpRequest, DeviceContext, guest.GuestView], HttpResponse]) -> Callable:
        @functools.wraps(view)
        def checked(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
            shown = guest.guest_view(client=ctx.client)
            if not shown.enabled:
                return error(GUEST_BROWSING_OFF, "Guest browsing is off: log in.")
            return view(request, ctx, shown)
        return device_method(auth=Auth.API_KEY, invalid_param_error=invalid_param_error,
                             errors=(GUEST_BROWSING_OFF, *errors), **kwargs)(checked)
    return decorate


def _image(request: HttpRequest, image) -> str:
    return request.build_absolute_uri(image.url) if image else ""


# --- channels and the guide --------------------------------------------------------------------------

def guest_rows(ctx: DeviceContext, shown: guest.GuestView) -> list[dict[str, Any]]:
    """The visible channels guests are shown, in the operator's order (no query when warm)."""
    channel_ids = guest.guest_channel_ids(shown)
    return [row for row in visible_rows_by_id(ctx.client).values() if row["id"] in channel_ids]


@guest_method(response=Obj(categories=ListOf(channel_shapes.CATEGORY)))
def category_list(request: HttpRequest, ctx: DeviceContext, shown: guest.GuestView) -> HttpResponse:
    """The operator's channel categories, with how many of the channels guests see each holds."""
    counts: dict[int, int] = {}
    for row in guest_rows(ctx, shown):
        counts[row["category_id"]] = counts.get(row["category_id"], 0) + 1
    icon_url = IconUrls(request)
    categories = [
        {"id": c.pk, "name": c.name, "description": "", "color": "", "channels_count": counts.get(c.pk, 0),
         "icon_url": icon_url(c.icon.name), "icon_tv_url": icon_url(c.icon.name), "dashboard_icon_url": ""}
        for c in ChannelCategory.objects.for_client(ctx.client).order_by("sort", "name", "id")
    ]
    return ok(categories=categories, error_message="")


def _guest_channel(ctx: DeviceContext, shown: guest.GuestView, channel_id: int) -> dict[str, Any] | None:
    if channel_id not in guest.guest_channel_ids(shown):
        return None
    return visible_rows_by_id(ctx.client).get(channel_id)


@guest_method(params=(
    Param("cid", Id(), required=True, description="The channel (one guests are shown)."),
    Param("pid_from", Id(), description="From this programme of the channel (with `time_to`, else 24 hours)."),
    Param("date", Day(DOTTED), description="A day of the guide (the server's time zone): programmes that "
                                            "start in it. Today when no window is given."),
    Param("time_from", Timestamp(), description="Start of a window (24 hours before `time_to` when absent)."),
    Param("time_to", Timestamp(), description=f"End of a window, at most {MAX_GUIDE_WINDOW.days} days long "
                                              "(24 hours after its start when absent)."),
), errors=(GUEST_NOT_FOUND, NO_PROGRAMME_FROM, BAD_GUIDE_WINDOW),
    response=Obj(programs=ListOf(Obj(**channel_shapes.GUIDE_ENTRY))))
def program_list(request: HttpRequest, ctx: DeviceContext, shown: guest.GuestView) -> HttpResponse:
    """The guide of a channel guests are shown, for a day or a time window (as program/list, seen by a
    non-subscriber: `has_subscription` 0, no URLs). Code 1: not such a channel; 2: no programme `pid_from`."""
    channel = _guest_channel(ctx, shown, ctx.args.cid)
    if channel is None:
        return error(GUEST_NOT_FOUND, "Channel not found.")
    window = channel_guide_window(ctx, channel)
    if isinstance(window, HttpResponse):
        return window
    epg_channel_id = channel["epg_channel_id"]
    rows = [] if epg_channel_id is None else guide_cache.programmes_by_channel(
        client_id=ctx.client.pk, epg_channel_ids=[epg_channel_id], time_from=window.time_from,
        time_to=window.time_to, begins_in_window=window.begins_in_window).get(epg_channel_id, [])
    now = timezone.now()
    return ok(programs=[guide_entry(row, channel=channel, subscribed=False, now=now) for row in rows],
              error_message="")


@guest_method(params=(
    Param("pid", Id(), required=True, description="The programme."),
), errors=(GUEST_NOT_FOUND,), response=Obj(**channel_shapes.GUIDE_ENTRY, channel_name=STR, channel_icon=STR))
def program_detail(request: HttpRequest, ctx: DeviceContext, shown: guest.GuestView) -> HttpResponse:
    """A programme of a channel guests are shown, with that channel's name and icon (the first such
    channel in the operator's order). Code 1: no such programme on a channel guests see."""
    programme = sel.programme_get(client=ctx.client, programme_id=ctx.args.pid)
    channel = None
    if programme is not None:
        channel = next((row for row in guest_rows(ctx, shown)
                        if row["epg_channel_id"] == programme["epg_channel_id"]), None)
    if channel is None:
        return error(GUEST_NOT_FOUND, "Programme not found.")
    return ok(**guide_entry(programme, channel=channel, subscribed=False, now=timezone.now()),
              channel_name=channel["name"], channel_icon=IconUrls(request)(channel["icon"]), error_message="")


# --- genres and people -------------------------------------------------------------------------------

@guest_method(params=(
    Param("categories", Flag(), default=False, description="1: genre-categories; there are none here."),
    PROVIDER_ID, VIDEO_PROVIDER_ID,
    Param("category_id", Id(), description="Count only titles that also have this genre."),
    SOURCE_TYPE,
), response=Obj(genres=ListOf(vod_shapes.GENRE)))
def genre_list(request: HttpRequest, ctx: DeviceContext, shown: guest.GuestView) -> HttpResponse:
    """VOD genres with the number of titles guests see in each (`categories=1`: an empty list)."""
    args = ctx.args
    if args.categories:
        return ok(genres=[], error_message="")
    genres = vod_sel.genre_list(client=ctx.client, provider_id=args.provider_id, category_id=args.category_id,
                                sources=None if args.source_type is None else frozenset(args.source_type),
                                catalogue=guest.guest_titles(shown))
    return ok(genres=[{"id": g.pk, "name": g.name, "is_category": 0, "count": g.count, "subgenres_count": 0,
                       "icon": "", "icon_tv": "", "dashboard_icon": ""} for g in genres], error_message="")


@guest_method(params=(
    *pagination_params(default_limit=20),
    Param("order", Choice(ACTOR_LIST_ORDERS), default="name", description="Sort order."),
    Param("vid", Id(), description="Only the people of this title (one guests see)."),
    PERSON_TYPE,
), errors=(GUEST_NOT_FOUND,), response=Obj(actors=ListOf(vod_shapes.ACTOR), count=INT))
def actor_list(request: HttpRequest, ctx: DeviceContext, shown: guest.GuestView) -> HttpResponse:
    """People (actors by default), optionally of one title; `film_count` counts the titles guests see."""
    args = ctx.args
    page, limit = pagination(args)
    try:
        actors, count = vod_sel.actor_list(client=ctx.client, person_type=args.type, video_id=args.vid,
                                           order=args.order, page=page, limit=limit,
                                           catalogue=guest.guest_titles(shown))
    except NotFound as exc:
        return error(GUEST_NOT_FOUND, exc.message)
    return ok(actors=[{**person_row(request, a), "profession": a.get_type_display(), "biography": a.description,
                       "film_count": a.film_count} for a in actors], count=count, error_message="")


@guest_method(params=(
    Param("aid", Id(), required=True, description="The person."),
), errors=(GUEST_NOT_FOUND,), response=Obj(
    **vod_shapes.PERSON_FIELDS, name_orig=STR, screenshot_b_big=STR, profession=STR, biography=STR,
    genres=ListOf(Obj(id=INT, name=STR, is_category=FLAG))))
def actor_detail(request: HttpRequest, ctx: DeviceContext, shown: guest.GuestView) -> HttpResponse:
    """One person and the genres of their titles guests see. Code 1: no such person."""
    try:
        actor = vod_sel.actor_get(client=ctx.client, actor_id=ctx.args.aid)
    except NotFound:
        return error(GUEST_NOT_FOUND, "Actor not found.")
    genres = vod_sel.actor_genres(actor=actor, catalogue=guest.guest_titles(shown))
    return ok(**person_row(request, actor), name_orig=actor.name_orig, screenshot_b_big="",
              profession=actor.get_type_display(), biography=actor.description,
              genres=[{"id": g.pk, "name": g.name, "is_category": 0} for g in genres], error_message="")


# --- titles ------------------------------------------------------------------------------------------

def trailer_row(trailer: VideoTrailer) -> dict[str, Any]:
    """A trailer in the shape of a title's file (`files`): its id is what noauth/video/url takes as `vfid`."""
    return {"id": trailer.pk, "promo_image": "", "name": trailer.name or f"Trailer {trailer.quality}p",
            "duration": trailer.duration, "ext_id": "", "position": 0, "is_viewed": 0, "quality": trailer.quality}


def guest_video_rows(request: HttpRequest, items: list[vod_sel.VideoItem]) -> list[dict[str, Any]]:
    """Titles as guests see them: the rows of video/list, with the trailers as `files` (one query)."""
    if not items:
        return []
    trailers = guest.trailers_by_video(client_id=items[0].video.client_id, video_ids=[i.video.pk for i in items])
    rows = []
    for item in items:
        row = video_row(request, item)
        row["files"] = [trailer_row(t) for t in trailers.get(item.video.pk, [])]
        rows.append(row)
    return rows


GUEST_VIDEO_LIST_PARAMS = tuple(p for p in VIDEO_LIST_PARAMS if p.name not in VIDEO_PERSONAL_FLAGS)


@guest_method(params=GUEST_VIDEO_LIST_PARAMS, response=Obj(videos=ListOf(vod_shapes.VIDEO), count=INT))
def video_list(request: HttpRequest, ctx: DeviceContext, shown: guest.GuestView) -> HttpResponse:
    """The titles guests see, page by page, with video/list's filters; `files` are the trailers."""
    page, limit = pagination(ctx.args)
    filters = video_filters(ctx.args)
    assert filters is not None  # guests have no personal filters to combine
    result = vod_sel.video_list(viewer=guest.guest_viewer(shown), filters=filters, page=page, limit=limit,
                                catalogue=guest.guest_titles(shown))
    return ok(videos=guest_video_rows(request, result.items), count=result.count, error_message="")


GUEST_OFFER = Obj(**{**vod_shapes.OFFER.fields, "action": {"type": "string",
                                                          "enum": [TRAILER_ACTION, "buy", "rent", "subscribe"]}})


@guest_method(params=(
    Param("vid", Id(), required=True, description="The title."),
    Param("device", Text(64), description="The device type's system name."),
    Param("actors_order", Choice(DETAIL_ACTOR_ORDERS), default="", description="Order of `actors_info`."),
    PERSON_TYPE,
), errors=(GUEST_NOT_FOUND,), response=Obj(**{**vod_shapes.VIDEO_DETAIL.fields, "actions": ListOf(GUEST_OFFER)}))
def video_detail(request: HttpRequest, ctx: DeviceContext, shown: guest.GuestView) -> HttpResponse:
    """A title guests see, and its `actions`: its trailers (`trailer`, with `file_id` for
    noauth/video/url) and how a subscriber gets it (`buy`, `rent`, `subscribe`). Code 1: not found."""
    try:
        video = guest.guest_video_get(shown, video_id=ctx.args.vid)
    except NotFound:
        return error(GUEST_NOT_FOUND, "Video not found.")
    detail = vod_sel.video_detail(viewer=guest.guest_viewer(shown), video=video, people_type=ctx.args.type,
                                  people_order=ctx.args.actors_order)
    row = guest_video_rows(request, [detail.item])[0]
    trailers = [{"action": TRAILER_ACTION, "caption": f["name"], "price": None, "cost": None,
                 "activation_price": None, "url": "", "video_id": str(video.pk), "file_id": str(f["id"]),
                 "episode_id": "", "duration": str(f["duration"]), "quality": f["quality"], "subscription_id": None,
                 "option_id": None, "tariff_id": None, "is_viewed": 0, "periodical": None, "promo_image_url": "",
                 "ext_id": "", "season_sort": None, "episode_sort": None, "rent_hours": None}
                for f in row["files"]]
    row.update(
        actions=trailers + [offer_row(video, offer) for offer in detail.offers],
        package_videos=[{"id": pk} for pk in _shown_ids(shown, detail.package_video_ids)],
        customer_rating=0, position_season_id=None, reviews=[],
        actors_info=[person_row(request, a) for a in detail.people],
        seasons=[{"id": s.pk, "name": s.name or f"Season {s.number}", "number": s.number} for s in detail.seasons],
        ext_id=video.ext_id, ads_available=0, episode_count=detail.episode_count, is_similar_exist=0, meta="",
    )
    return ok(**row, error_message="")


def _shown_ids(shown: guest.GuestView, video_ids: list[int]) -> list[int]:
    """The titles of a package that guests see, in the package's order."""
    if not video_ids:
        return []
    seen = set(guest.guest_titles(shown).filter(pk__in=video_ids).values_list("pk", flat=True))
    return [pk for pk in video_ids if pk in seen]


GUEST_EPISODE = Obj(**{name: shape for name, shape in vod_shapes.EPISODE.fields.items() if name != "files"})


@guest_method(params=(
    Param("season_id", Id(), required=True, description="The season."),
), errors=(GUEST_NOT_FOUND,), response=Obj(episodes=ListOf(GUEST_EPISODE), season_number=nullable(INT)))
def video_episode_list(request: HttpRequest, ctx: DeviceContext, shown: guest.GuestView) -> HttpResponse:
    """The episodes of a season of a series guests see (without their files: guests play trailers
    only). Code 1: no such season."""
    season = Season.objects.for_client(ctx.client).filter(pk=ctx.args.season_id).values("video_id").first()
    try:
        if season is None:
            raise NotFound("Season not found.")
        guest.guest_video_get(shown, video_id=season["video_id"])
        result = vod_sel.episode_list(viewer=guest.guest_viewer(shown), season_id=ctx.args.season_id)
    except NotFound as exc:
        return error(GUEST_NOT_FOUND, exc.message)
    is_free = flag(result.video.price_category == PriceCategory.FREE)
    episodes = [{
        "id": e.pk, "name": e.name or f"Episode {e.number}", "number": e.number, "description": e.description,
        "duration": e.duration, "preview_url": "", "video_id": e.video_id, "is_planned": 0, "is_free": is_free,
        "season_id": e.season_id, "season_number": e.season.number if e.season_id else None,
    } for e in result.episodes]
    return ok(episodes=episodes, season_number=result.season.number if result.season else None, error_message="")


class _Redirect(HttpResponseRedirect):
    allowed_schemes = ["http", "https"]


@guest_method(params=(
    Param("vid", Id(), required=True, description="The title."),
    Param("vfid", Id(), required=True, description="The trailer (an id from the title's `files`, or a `trailer` "
                                                   "action's `file_id`)."),
    Param("redirect", Flag(), default=True, description="1 (default): an HTTP 302 redirect to the trailer; 0: JSON "
                                                        "with `uri`."),
    Param("exclude_service_id", IntList(), description="Accepted; trailers are served from their own address."),
    Param("device", Text(64), description="The device type's system name."),
), errors=(GUEST_NOT_FOUND, PARTNER_STREAM_FAILED, TRAILER_ONLY), response=Obj(
    uri=STR, stream_service_id=INT, ext_id=STR, ext_partner_id=STR, ext_auth_token=STR, ext_apikey=STR))
def video_url(request: HttpRequest, ctx: DeviceContext, shown: guest.GuestView) -> HttpResponse:
    """The address of a trailer of a title guests see; never the film. Code 1: no such title or trailer;
    3: `vfid` is a file of the film (it needs a login and access)."""
    try:
        found = guest.guest_trailer_get(shown, video_id=ctx.args.vid, trailer_id=ctx.args.vfid)
    except NotFound as exc:
        return error(GUEST_NOT_FOUND, exc.message)
    if found.trailer is None:
        return error(TRAILER_ONLY, "Only trailers are played without a login.")
    if not found.trailer.url.lower().startswith(("http://", "https://")):  # the panel accepts no other
        return error(GUEST_NOT_FOUND, "Trailer not found.")
    if ctx.args.redirect:
        return _Redirect(found.trailer.url)
    return ok(uri=found.trailer.url, stream_service_id=0, ext_id=found.video.ext_id, ext_partner_id="",
              ext_auth_token="", ext_apikey="", error_message="")


# --- selections --------------------------------------------------------------------------------------

GUEST_SELECTION = Obj(id=INT, name=STR, promo_image=STR, count=INT, type=INT, content_type=INT)
SELECTION_ORDERS = {"": ["sort", "name", "id"], "date": ["id"], "-date": ["-id"]}


@guest_method(params=(
    Param("program_id", Id(), description="Selections of an EPG programme: there are none here."),
    Param("type", Int(0, 1), description="0 manual selections (all there are here)."),
    Param("content_type", Int(0, 6), description="2 videos (all there are here)."),
    VIDEO_PROVIDER_ID,
    Param("limit", Int(1), description=f"Selections per page (at most {MAX_LIMIT}); all when absent."),
    Param("page", Int(1, 1_000_000), default=1, description="Page number, from 1 (with `limit`)."),
    Param("order", Choice(("date", "-date")), default="", description="By `date` (of creation); the "
                                                                      "operator's order when absent."),
), response=Obj(selections=ListOf(GUEST_SELECTION), count=INT))
def selection_list(request: HttpRequest, ctx: DeviceContext, shown: guest.GuestView) -> HttpResponse:
    """Enabled selections, each with the number of its titles guests see (`count`). Every selection here is
    a manual selection of videos: other types, or a programme's selections, answer an empty list."""
    args = ctx.args
    if args.program_id is not None or args.type not in (None, SELECTION_TYPE_MANUAL) \
            or args.content_type not in (None, CONTENT_TYPE_VIDEO):
        return ok(selections=[], count=0, error_message="")
    limit = min(args.limit, MAX_LIMIT) if args.limit is not None else None
    rows, count = guest.guest_selections(shown, order=SELECTION_ORDERS[args.order],
                                         offset=(args.page - 1) * limit if limit else 0, limit=limit)
    return ok(selections=[{"id": s.pk, "name": s.name, "promo_image": "", "count": s.video_count,
                           "type": SELECTION_TYPE_MANUAL, "content_type": CONTENT_TYPE_VIDEO} for s in rows],
              count=count, error_message="")


MAX_SELECTION_CONTENTS = 200
_COMPACT_OMITS = ("actors", "director", "actors_info")


@guest_method(params=(
    Param("selection_id", Id(), description="The selection (required: there are no programme selections nor "
                                            "portal dashboards here)."),
    Param("program_id", Id(), description="A programme of a generated selection: there are none here."),
    Param("portal_dashboard_id", Id(), description="A dashboard's selection: there are none here."),
    Param("tariff_id", IntList(50), description="Only titles of these tariffs."),
    Param("exclude_tariff_id", IntList(50), description="Not the titles of these tariffs."),
    Param("compact", Flag(), default=False, description="1: without `actors`, `director` and `actors_info`."),
    Param("cursor", Int(0), default=0, description="Where the page starts: 0, then the last `next_cursor`."),
    Param("limit", Int(1, MAX_SELECTION_CONTENTS), default=MAX_SELECTION_CONTENTS, description="Titles per page."),
    Param("order", Choice(("program_begin_time", "-program_begin_time")),
          description="For programme selections; a selection of videos keeps its own order."),
), errors=(GUEST_NOT_FOUND,), response=film_shapes.SELECTION_DETAIL)
def selection_detail(request: HttpRequest, ctx: DeviceContext, shown: guest.GuestView) -> HttpResponse:
    """A selection's titles guests see, in its order, from `cursor` on: the answer of the subscriber's
    selection/detail (`next_cursor` is where the next page starts, 0 after the last page). Code 1: no
    such selection."""
    args = ctx.args
    if args.selection_id is None:
        return error(GUEST_NOT_FOUND, "Selection not found: give selection_id.", error_fields={"selection_id": "required"})
    try:
        selection = guest.guest_selection_get(shown, selection_id=args.selection_id)
    except NotFound as exc:
        return error(GUEST_NOT_FOUND, exc.message)
    titles = guest.selection_titles(shown, selection=selection, tariff_ids=args.tariff_id,
                                    exclude_tariff_ids=args.exclude_tariff_id)
    count = titles.count()
    page = list(titles.prefetch_related(*vod_sel.video_relations())[args.cursor:args.cursor + args.limit]) \
        if args.cursor < count else []
    items = vod_sel.decorate_videos(viewer=guest.guest_viewer(shown), videos=page)
    contents = []
    for item, row in zip(items, guest_video_rows(request, items)):
        row["actors_info"] = [person_row(request, a) for a in item.video.actor_list]
        row["package_videos"] = []
        if args.compact:
            for name in _COMPACT_OMITS:
                row.pop(name)
        contents.append({"video": row})
    following = args.cursor + len(page)
    return ok(name=selection.name, count=count, type=SELECTION_TYPE_MANUAL,
              promo_image=str(guest.selection_extra(selection).get("promo_image") or ""),
              next_cursor=following if page and following < count else 0, contents=contents, error_message="")


# --- providers ---------------------------------------------------------------------------------------

PROVIDER = Obj(id=INT, name=STR, icon_url=STR, movie_label_icon=STR, movie_label_icon_black_bg=STR,
               movie_label_icon_mobile=STR, type=INT)


def provider_rows(request: HttpRequest, providers: list[ExternalSystem]) -> list[dict[str, Any]]:
    rows = []
    for system in providers:
        branding = getattr(system, "branding", None)
        rows.append({
            "id": system.pk, "name": system.name, "type": PROVIDER_TYPE_ONLINE_CINEMA,
            **{name: _image(request, getattr(branding, name) if branding else None)
               for name in ("movie_label_icon", "movie_label_icon_black_bg", "movie_label_icon_mobile")},
            "icon_url": _image(request, branding.icon if branding else None),
        })
    return rows


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, response=Obj(providers=ListOf(PROVIDER)))
def provider_list(request: HttpRequest, ctx: DeviceContext) -> HttpResponse:
    """The online cinemas whose titles are in the catalogue (`provider_id` of video/list and genre/list),
    with their logos; `type` 1: an online cinema."""
    return ok(providers=provider_rows(request, guest.catalogue_providers(client=ctx.client)), error_message="")


@guest_method(response=Obj(providers=ListOf(PROVIDER)))
def noauth_provider_list(request: HttpRequest, ctx: DeviceContext, shown: guest.GuestView) -> HttpResponse:
    """The online cinemas whose titles guests see, with their logos; `type` 1: an online cinema."""
    return ok(providers=provider_rows(request, guest.catalogue_providers(client=ctx.client,
                                                                         titles=guest.guest_titles(shown))),
              error_message="")

