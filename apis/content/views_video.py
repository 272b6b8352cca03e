"""Content API, group Video: titles (create, modify, delete, detail, list) and their files (assets).

Images are addresses (`poster_url` is kept as the title's `cover_url`; logo, screenshot, banners in
the title's extra data): nothing is downloaded from them. Metadata loading from Kinopoisk/TMDB
(`load_meta`, `kinopoisk_id`) has no provider here: the title is saved as given and `upload_errors`
says the metadata was not loaded.
"""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse

from apikit.device_responses import flag as _flag
from tvmiddleware.models import (
    Actor, DeviceType, Episode, ExternalSystem, Genre, StreamService, Tariff, Video, VideoFile,
)
from tvmiddleware.services import catalogue
from common.errors import NotFound

from apikit.spec import ANY, BOOL, FLAG, INT, NUMBER, STR, ListOf, Obj, Param, nullable
from tvmiddleware.selectors import content as selectors
from .helpers import (
    IDS, LONG_TEXT, PAGE, Choice, Column, Dec, Flag, Id, Int, Json, Moment, SignedContext, Text, Url,
    content_method, extra_of, ids_of, lang_fields, localized, ok, page_params, paginate, read_columns, read_extra,
    required, scoped_get, scoped_many, with_langs,
)

MAX_INT32 = 2_147_483_647
RATING = Dec(places=2, max_value=Decimal("10"))

VIDEO_COLUMNS = {
    "name": Column("name", Text.of(Video, "name")),
    "name_orig": Column("name_orig", Text.of(Video, "name_orig")),
    "description": Column("description", Text(LONG_TEXT)),
    "short_description": Column("short_description", Text.of(Video, "short_description")),
    "year": Column("year", Int(0, 9999)),
    "countries": Column("countries", Text.of(Video, "countries")),
    "director": Column("director", Text.of(Video, "director")),
    "language": Column("language", Text.of(Video, "language")),
    "duration": Column("duration", Int(0, MAX_INT32)),
    "parent_control": Column("is_parent_control", Flag()),
    "is_season": Column("is_series", Flag()),
    "kinopoisk_rating": Column("kinopoisk_rating", RATING),
    "imdb_rating": Column("imdb_rating", RATING),
    "poster_url": Column("cover_url", Url(500)),
    "ext_id": Column("ext_id", Text.of(Video, "ext_id")),
}
IMAGE_FIELDS = ("logo", "screenshot_url", "ad_banner_image", "vertical_poster", "horizontal_poster")
VIDEO_EXTRA = {
    **localized("name", "countries", "director", "language"),
    **localized("description", "short_description", reader=Text(LONG_TEXT)),
    **localized("horizontal_poster", reader=Url()),
    **{name: Url() for name in IMAGE_FIELDS},
    "uri": Text(),
    "genres_kinopoisk": Text(),
    "average_customers_rating": RATING,
    "is_announcement": Flag(),
    "premiere_date": Moment(), "published_from": Moment(), "published_to": Moment(),
    "copyright_holder": Int(1), "price_category": Int(1), "video_provider": Int(1), "kinopoisk_id": Int(1),
    "meta": Json(),
}
# VideofileCreate's quality codes → the file's vertical resolution (0 = not stated: left as it is).
QUALITY_LINES = {1: 576, 2: 720, 3: 1080, 4: 2160, 5: 1440, 6: 2160, 7: 4320,
                 10: 240, 11: 320, 12: 480, 13: 576, 14: 720, 15: 1080}
QUALITY = Choice((0, *QUALITY_LINES))
FILE_COLUMNS = {
    "filename": Column("path", Text.of(VideoFile, "path")),
    "duration": Column("duration", Int(0, MAX_INT32)),
    "ext_id": Column("ext_id", Text.of(VideoFile, "ext_id")),
}
FILE_EXTRA = {"name": Text(300), **localized("name", reader=Text(300)), "is_trailer": Flag(),
              "self_skip_fragments_priority": Flag()}


RELATION_LISTS = {"genres": (Genre, "genres"), "actors": (Actor, "actors_set"), "tariffs": (Tariff, "tariffs"),
                  "package_videos": (Video, "package_videos"), "similar": (Video, "similar_set"),
                  "stream_services": (StreamService, "stream_services")}
MODIFY_LISTS = {"similar_add": (Video, "similar_add"), "similar_remove": (Video, "similar_remove")}
RELATION_PARAMS = (
    Param("genres", IDS, description="Genre ids."),
    Param("actors_set", IDS, description="The people credited (actor ids)."),
    Param("tariffs", IDS, description="Tariffs that open the video."),
    Param("package_videos", IDS, description="The videos of a package."),
    Param("similar_set", IDS, description="Similar videos."),
    Param("stream_services", IDS, description="Stream services that serve it."),
    Param("available_on", IDS, description="Player device types it is offered on."),
    Param("external_api_config", Id(), description="The external system it comes from."),
)
MODIFY_PARAMS = (
    Param("similar_add", IDS, description="Similar videos to add."),
    Param("similar_remove", IDS, description="Similar videos to take off."),
)
LOAD_META = Param("load_meta", Flag(), default=False,
                  description="Load metadata (Kinopoisk/TMDB): not configured, `upload_errors` says so.")
UPLOAD_ERRORS = ListOf(Obj(field=STR, error=STR))
ID = Param("id", Id(), required=True, description="The video.")


def _device_types(ids: list[int] | None) -> list[DeviceType] | None:
    """Player device types (shared by every operator)."""
    if ids is None:
        return None
    found = DeviceType.objects.in_bulk(ids)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise NotFound("Unknown available_on.", fields={"available_on": "unknown id(s): " + ", ".join(map(str, missing))})
    return [found[pk] for pk in ids]


def _relations(ctx: SignedContext, *, modify: bool = False) -> dict[str, Any]:
    """The related rows the request names, each list resolved in one query (absent = unchanged)."""
    client, args = ctx.client, ctx.args
    lists = RELATION_LISTS | MODIFY_LISTS if modify else RELATION_LISTS
    relations = {name: scoped_many(model, client, args[param], field=param)
                 for name, (model, param) in lists.items()}
    relations["available_on"] = _device_types(args.available_on)
    if args.external_api_config is not None:
        relations["external_system"] = scoped_get(ExternalSystem, client, args.external_api_config,
                                                  field="external_api_config")
    return {name: value for name, value in relations.items() if value is not None}


def _meta_not_loaded(ctx: SignedContext) -> list[dict[str, str]]:
    if not ctx.args.load_meta:
        return []
    return [{"field": "load_meta", "error": "Metadata loading (Kinopoisk/TMDB) is not configured; "
                                            "the fields given were saved as they are."}]


@content_method(columns=VIDEO_COLUMNS, extra=VIDEO_EXTRA, required=("name",), params=(*RELATION_PARAMS, LOAD_META),
                response=Obj(id=INT, upload_errors=UPLOAD_ERRORS))
def video_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Add a video title (a film, or a series with `is_season=1`).

    Images are addresses: nothing is downloaded. Metadata loading has no provider here."""
    video = catalogue.video_create(client=ctx.client, extra=read_extra(ctx.args, VIDEO_EXTRA),
                                   **_relations(ctx), **read_columns(ctx.args, VIDEO_COLUMNS))
    return ok(id=video.pk, upload_errors=_meta_not_loaded(ctx))


@content_method(columns=VIDEO_COLUMNS, extra=VIDEO_EXTRA, params=(ID, *RELATION_PARAMS, *MODIFY_PARAMS, LOAD_META),
                response=Obj(upload_errors=UPLOAD_ERRORS))
def video_modify(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Change a video's fields and relations (those given; a list given replaces the old one)."""
    video = scoped_get(Video, ctx.client, ctx.args.id, field="id")
    catalogue.video_modify(video=video, extra=read_extra(ctx.args, VIDEO_EXTRA),
                           **_relations(ctx, modify=True), **read_columns(ctx.args, VIDEO_COLUMNS))
    return ok(upload_errors=_meta_not_loaded(ctx))


@content_method(params=(ID,), response=Obj())
def video_delete(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Delete a video with its files, seasons and episodes."""
    catalogue.video_delete(video=scoped_get(Video, ctx.client, ctx.args.id, field="id"))
    return ok()


def _poster(request: HttpRequest, video: Video) -> str:
    return request.build_absolute_uri(video.cover.url) if video.cover else video.cover_url


VIDEO_DETAIL = Obj(
    id=INT, is_season=FLAG, has_seasons=BOOL, has_episodes=BOOL, files=ListOf(INT), seasons=ListOf(INT),
    video_provider_id=nullable(INT), provider=STR, language=STR, is_announcement=FLAG, screenshot_big=STR,
    screenshot_b_big=STR, name=STR, **lang_fields("name"), name_orig=STR,
    poster_small=STR, **lang_fields("poster_small"), poster_big=STR, **lang_fields("poster_big"),
    logo=STR, vertical_poster=STR, horizontal_poster=STR, **lang_fields("horizontal_poster"), ad_banner=STR,
    description=STR, **lang_fields("description"), short_description=STR, **lang_fields("short_description"),
    year=nullable(INT), genres=ListOf(INT), countries=STR, **lang_fields("countries", "language"),
    genres_kinopoisk=STR, is_parent_control=FLAG, is_package=FLAG, package_videos=ListOf(INT), rating=nullable(INT),
    kinopoisk_rating=NUMBER, imdb_rating=NUMBER, average_customers_rating=NUMBER, duration=INT,
    video_source=nullable(INT), actors=ListOf(INT), episode_count=INT, ext_id=STR, is_4k=FLAG,
    is_similar_exist=FLAG, meta=STR,
)


@content_method(params=(
    Param("id", Id(), description="The video (or ext_id)."),
    Param("ext_id", Text(128), default="", description="The video's id in the operator's system."),
), response=VIDEO_DETAIL)
def video_detail(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """A video's fields and the ids of its files, seasons, genres and people, by `id` or `ext_id`."""
    ext_id, video_id = ctx.args.ext_id, ctx.args.id
    if not ext_id and video_id is None:
        required(None, "id")
    video = selectors.video_get(client=ctx.client, video_id=video_id, ext_id=ext_id)
    data = extra_of(video)
    poster = _poster(request, video)
    seasons = ids_of(video.seasons.order_by("number", "id"))
    episode_count = video.episodes.count()
    source = video.external_system
    return ok(
        id=video.pk, is_season=_flag(video.is_series), has_seasons=bool(seasons), has_episodes=episode_count > 0,
        files=ids_of(video.files.order_by("id")), seasons=seasons,
        video_provider_id=data.get("video_provider"), provider=source.name if source else "",
        language=video.language, is_announcement=data.get("is_announcement", 0),
        screenshot_big=data.get("screenshot_url", ""), screenshot_b_big=data.get("screenshot_url", ""),
        name=video.name, **with_langs(data, "name"), name_orig=video.name_orig,
        poster_small=poster, **{f"poster_small_lang{n}": "" for n in range(1, 6)},
        poster_big=poster, **{f"poster_big_lang{n}": "" for n in range(1, 6)},
        logo=data.get("logo", ""), vertical_poster=data.get("vertical_poster", ""),
        horizontal_poster=data.get("horizontal_poster", ""), **with_langs(data, "horizontal_poster"),
        ad_banner=data.get("ad_banner_image", ""),
        description=video.description, **with_langs(data, "description"),
        short_description=video.short_description, **with_langs(data, "short_description"),
        year=video.year, genres=ids_of(video.genres.order_by("id")),
        countries=video.countries, **with_langs(data, "countries", "language"),
        genres_kinopoisk=data.get("genres_kinopoisk", ""), is_parent_control=_flag(video.is_parent_control),
        is_package=_flag(video.is_package), package_videos=ids_of(video.package_videos.order_by("id")),
        rating=video.age_rating, kinopoisk_rating=float(video.kinopoisk_rating or 0),
        imdb_rating=float(video.imdb_rating or 0),
        average_customers_rating=float(data.get("average_customers_rating") or 0),
        duration=video.duration, video_source=video.external_system_id, actors=ids_of(video.actors.order_by("id")),
        episode_count=episode_count, ext_id=video.ext_id, is_4k=_flag(video.is_4k),
        is_similar_exist=_flag(data.get("similar")), meta=_meta_text(data),
    )


def _meta_text(data: dict[str, Any]) -> str:
    return json.dumps(data["meta"], ensure_ascii=False) if "meta" in data else ""


@content_method(params=PAGE, response=Obj(count=INT, videos=ListOf(Obj(
    id=INT, has_seasons=ANY, has_episodes=ANY, files=ListOf(Obj(id=INT, name=STR, duration=INT))))))
def video_list(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """The operator's videos, a page at a time, with their files."""
    page, limit = page_params(ctx.args)
    rows, count = paginate(selectors.videos(client=ctx.client), page, limit)
    return ok(count=count, videos=[{
        "id": video.pk, "has_seasons": video.has_seasons, "has_episodes": video.has_episodes,
        "files": [{"id": f.pk, "name": _file_name(f), "duration": f.duration} for f in video.files.all()],
    } for video in rows])


def _file_name(video_file: VideoFile) -> str:
    return extra_of(video_file).get("name") or video_file.path


def _file_fields(ctx: SignedContext) -> dict[str, Any]:
    fields = read_columns(ctx.args, FILE_COLUMNS)
    if ctx.args.quality:
        fields["quality"] = QUALITY_LINES[ctx.args.quality]
    return fields


def _file_extra(ctx: SignedContext) -> dict[str, Any]:
    extra = read_extra(ctx.args, FILE_EXTRA)
    if ctx.args.quality is not None:
        extra["quality"] = ctx.args.quality
    return extra


def _episode(ctx: SignedContext, video: Video) -> Episode | None:
    episode_id = ctx.args.episode_id
    if episode_id is None:
        return None
    return scoped_get(Episode, ctx.client, episode_id, field="episode_id", video=video)


QUALITY_PARAM = Param("quality", QUALITY, description="Quality code (the file's vertical resolution; 0 not stated).")
EPISODE_PARAM = Param("episode_id", Id(), description="The episode the file plays (of the same video).")


@content_method(columns=FILE_COLUMNS, extra=FILE_EXTRA, required=("name", "filename"), params=(
    Param("vid", Id(), required=True, description="The video."),
    Param("sort_after_vfid", Id(), description="Checked; files are listed by quality here."),
    QUALITY_PARAM, EPISODE_PARAM,
), response=Obj(id=INT))
def video_file_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Add a file (asset) of a video; `filename` is its path on the VOD server ($file in URL masks)."""
    video = scoped_get(Video, ctx.client, ctx.args.vid, field="vid")
    if ctx.args.sort_after_vfid is not None:  # checked, but files are listed by quality here: the order is not kept
        scoped_get(VideoFile, ctx.client, ctx.args.sort_after_vfid, field="sort_after_vfid", video=video)
    video_file = catalogue.video_file_create(video=video, episode=_episode(ctx, video), extra=_file_extra(ctx),
                                             **_file_fields(ctx))
    return ok(id=video_file.pk)


@content_method(columns=FILE_COLUMNS, extra=FILE_EXTRA, params=(
    Param("id", Id(), required=True, description="The file."), QUALITY_PARAM, EPISODE_PARAM,
), response=Obj())
def video_file_modify(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Change a video file's fields (those given)."""
    video_file = scoped_get(VideoFile, ctx.client, ctx.args.id, field="id")
    catalogue.video_file_modify(video_file=video_file, episode=_episode(ctx, video_file.video),
                                extra=_file_extra(ctx), **_file_fields(ctx))
    return ok()


@content_method(params=(Param("id", Id(), required=True, description="The file."),), response=Obj(
    id=INT, name=STR, **lang_fields("name"), duration=INT, is_trailer=BOOL,
    skip_video_fragments=ListOf(Obj(id=INT, type=INT, begin_time=NUMBER, end_time=NUMBER))))
def video_file_detail(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """A video file's fields and its skip fragments."""
    video_file = selectors.video_file_get(client=ctx.client, file_id=ctx.args.id)
    data = extra_of(video_file)
    return ok(
        id=video_file.pk, name=_file_name(video_file), **with_langs(data, "name"), duration=video_file.duration,
        is_trailer=bool(data.get("is_trailer")),
        skip_video_fragments=[{"id": f.pk, "type": f.type, "begin_time": float(f.begin_time),
                               "end_time": float(f.end_time)} for f in video_file.skip_fragments.all()],
    )
