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

from tvmiddleware.selectors import content as selectors
from .helpers import (
    LONG_TEXT, Choice, Column, Dec, Flag, Int, Json, Moment, SignedContext, Text, Url, content_method, extra_of,
    id_list, ids_of, localized, ok, page_params, paginate, read_columns, read_extra, required, scoped_get,
    scoped_many, with_langs,
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
    client, params = ctx.client, ctx.params
    lists = {"genres": (Genre, "genres"), "actors": (Actor, "actors_set"), "tariffs": (Tariff, "tariffs"),
             "package_videos": (Video, "package_videos"), "similar": (Video, "similar_set"),
             "stream_services": (StreamService, "stream_services")}
    if modify:
        lists |= {"similar_add": (Video, "similar_add"), "similar_remove": (Video, "similar_remove")}
    relations = {name: scoped_many(model, client, id_list(params, param), field=param)
                 for name, (model, param) in lists.items()}
    relations["available_on"] = _device_types(id_list(params, "available_on"))
    system_id = params.int("external_api_config", min_value=1)
    if system_id is not None:
        relations["external_system"] = scoped_get(ExternalSystem, client, system_id, field="external_api_config")
    return {name: value for name, value in relations.items() if value is not None}


def _meta_not_loaded(ctx: SignedContext) -> list[dict[str, str]]:
    if not ctx.params.flag("load_meta"):
        return []
    return [{"field": "load_meta", "error": "Metadata loading (Kinopoisk/TMDB) is not configured; "
                                            "the fields given were saved as they are."}]


@content_method(columns=VIDEO_COLUMNS)
def video_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    fields = read_columns(ctx.params, VIDEO_COLUMNS)
    required(fields.get("name"), "name")
    video = catalogue.video_create(client=ctx.client, extra=read_extra(ctx.params, VIDEO_EXTRA),
                                   **_relations(ctx), **fields)
    return ok(id=video.pk, upload_errors=_meta_not_loaded(ctx))


@content_method(columns=VIDEO_COLUMNS)
def video_modify(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    video = scoped_get(Video, ctx.client, ctx.params.int("id", required=True, min_value=1), field="id")
    catalogue.video_modify(video=video, extra=read_extra(ctx.params, VIDEO_EXTRA),
                           **_relations(ctx, modify=True), **read_columns(ctx.params, VIDEO_COLUMNS))
    return ok(upload_errors=_meta_not_loaded(ctx))


@content_method
def video_delete(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    catalogue.video_delete(video=scoped_get(Video, ctx.client, ctx.params.int("id", required=True, min_value=1),
                                            field="id"))
    return ok()


def _poster(request: HttpRequest, video: Video) -> str:
    return request.build_absolute_uri(video.cover.url) if video.cover else video.cover_url


@content_method
def video_detail(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    ext_id = ctx.params.str("ext_id", max_length=128)
    video_id = ctx.params.int("id", min_value=1)
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


@content_method
def video_list(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    page, limit = page_params(ctx.params)
    rows, count = paginate(selectors.videos(client=ctx.client), page, limit)
    return ok(count=count, videos=[{
        "id": video.pk, "has_seasons": video.has_seasons, "has_episodes": video.has_episodes,
        "files": [{"id": f.pk, "name": _file_name(f), "duration": f.duration} for f in video.files.all()],
    } for video in rows])


def _file_name(video_file: VideoFile) -> str:
    return extra_of(video_file).get("name") or video_file.path


def _file_fields(ctx: SignedContext) -> dict[str, Any]:
    fields = read_columns(ctx.params, FILE_COLUMNS)
    quality = QUALITY.read(ctx.params, "quality")
    if quality:
        fields["quality"] = QUALITY_LINES[quality]
    return fields


def _file_extra(ctx: SignedContext) -> dict[str, Any]:
    extra = read_extra(ctx.params, FILE_EXTRA)
    quality = QUALITY.read(ctx.params, "quality")
    if quality is not None:
        extra["quality"] = quality
    return extra


def _episode(ctx: SignedContext, video: Video) -> Episode | None:
    episode_id = ctx.params.int("episode_id", min_value=1)
    if episode_id is None:
        return None
    return scoped_get(Episode, ctx.client, episode_id, field="episode_id", video=video)


@content_method(columns=FILE_COLUMNS)
def video_file_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    required(FILE_EXTRA["name"].read(ctx.params, "name"), "name")
    video = scoped_get(Video, ctx.client, ctx.params.int("vid", required=True, min_value=1), field="vid")
    after_id = ctx.params.int("sort_after_vfid", min_value=1)
    if after_id is not None:  # checked, but files are listed by quality here: the order is not kept
        scoped_get(VideoFile, ctx.client, after_id, field="sort_after_vfid", video=video)
    fields = _file_fields(ctx)
    required(fields.get("path"), "filename")  # the file's path on the VOD server ($file in URL masks)
    video_file = catalogue.video_file_create(video=video, episode=_episode(ctx, video), extra=_file_extra(ctx),
                                             **fields)
    return ok(id=video_file.pk)


@content_method(columns=FILE_COLUMNS)
def video_file_modify(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    video_file = scoped_get(VideoFile, ctx.client, ctx.params.int("id", required=True, min_value=1), field="id")
    catalogue.video_file_modify(video_file=video_file, episode=_episode(ctx, video_file.video),
                                extra=_file_extra(ctx), **_file_fields(ctx))
    return ok()


@content_method
def video_file_detail(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    video_file = selectors.video_file_get(client=ctx.client,
                                          file_id=ctx.params.int("id", required=True, min_value=1))
    data = extra_of(video_file)
    return ok(
        id=video_file.pk, name=_file_name(video_file), **with_langs(data, "name"), duration=video_file.duration,
        is_trailer=bool(data.get("is_trailer")),
        skip_video_fragments=[{"id": f.pk, "type": f.type, "begin_time": float(f.begin_time),
                               "end_time": float(f.end_time)} for f in video_file.skip_fragments.all()],
    )
