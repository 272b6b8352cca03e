"""Content API, group Episode: episodes of a series, in a season or directly in the series.
`sort_after_eid` renumbers the episodes of that season so the episode follows the one named.
`preview_url` is kept as an address (nothing is downloaded), so `upload_errors` stays empty."""
from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from tvmiddleware.models import Episode, Season, Video
from tvmiddleware.services import catalogue

from .helpers import (
    LONG_TEXT, Column, Flag, Int, SignedContext, Text, Url, content_method, localized, ok, read_columns, read_extra,
    required, scoped_get,
)

EPISODE_COLUMNS = {
    "name": Column("name", Text.of(Episode, "name")),
    "description": Column("description", Text(LONG_TEXT)),
    "duration": Column("duration", Int(0, 2_147_483_647)),
}
EPISODE_EXTRA = {
    **localized("name", reader=Text.of(Episode, "name")),
    **localized("description", reader=Text(LONG_TEXT)),
    "preview_url": Url(), "is_free": Flag(), "is_planned": Flag(),
}


def _after(ctx: SignedContext, video_id: int, season_id: int | None) -> Episode | None:
    after_id = ctx.params.int("sort_after_eid", min_value=1)
    if after_id is None:
        return None
    return scoped_get(Episode, ctx.client, after_id, field="sort_after_eid", video_id=video_id, season_id=season_id)


def _fields(ctx: SignedContext) -> dict[str, Any]:
    return read_columns(ctx.params, EPISODE_COLUMNS)


@content_method(columns=EPISODE_COLUMNS)
def episode_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    fields = _fields(ctx)
    name = required(fields.pop("name", None), "name")
    video = scoped_get(Video, ctx.client, ctx.params.int("vid", required=True, min_value=1), field="vid")
    season_id = ctx.params.int("season_id", min_value=1)
    season = None if season_id is None else scoped_get(Season, ctx.client, season_id, field="season_id",
                                                       video=video)
    episode = catalogue.episode_create(video=video, season=season, name=name,
                                       after=_after(ctx, video.pk, season_id),
                                       extra=read_extra(ctx.params, EPISODE_EXTRA), **fields)
    return ok(id=episode.pk, upload_errors=[])


@content_method(columns=EPISODE_COLUMNS)
def episode_modify(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    episode = scoped_get(Episode, ctx.client, ctx.params.int("episode_id", required=True, min_value=1),
                         field="episode_id")
    catalogue.episode_modify(episode=episode, after=_after(ctx, episode.video_id, episode.season_id),
                             extra=read_extra(ctx.params, EPISODE_EXTRA), **_fields(ctx))
    return ok(upload_errors=[])


@content_method
def episode_delete(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    episode = scoped_get(Episode, ctx.client, ctx.params.int("id", required=True, min_value=1), field="id")
    catalogue.episode_delete(episode=episode)
    return ok()
