"""Content API, group Episode: episodes of a series, in a season or directly in the series.
`sort_after_eid` renumbers the episodes of that season so the episode follows the one named.
`preview_url` is kept as an address (nothing is downloaded), so `upload_errors` stays empty."""
from __future__ import annotations


from django.http import HttpRequest, HttpResponse

from tvmiddleware.models import Episode, Season, Video
from tvmiddleware.services import catalogue

from apikit.spec import INT, STR, ListOf, Obj, Param
from .helpers import (
    LONG_TEXT, Column, Flag, Id, Int, SignedContext, Text, Url, content_method, localized, ok, read_columns,
    read_extra, scoped_get,
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


AFTER = Param("sort_after_eid", Id(), description="Place the episode after this one (of the same season).")
UPLOAD_ERRORS = ListOf(Obj(field=STR, error=STR))


def _after(ctx: SignedContext, video_id: int, season_id: int | None) -> Episode | None:
    after_id = ctx.args.sort_after_eid
    if after_id is None:
        return None
    return scoped_get(Episode, ctx.client, after_id, field="sort_after_eid", video_id=video_id, season_id=season_id)


@content_method(columns=EPISODE_COLUMNS, extra=EPISODE_EXTRA, required=("name",), params=(
    Param("vid", Id(), required=True, description="The series."),
    Param("season_id", Id(), description="The season (absent: directly in the series)."),
    AFTER,
), response=Obj(id=INT, upload_errors=UPLOAD_ERRORS))
def episode_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Add an episode to a series, in a season or directly in the series."""
    fields = read_columns(ctx.args, EPISODE_COLUMNS)
    name = fields.pop("name")
    video = scoped_get(Video, ctx.client, ctx.args.vid, field="vid")
    season_id = ctx.args.season_id
    season = None if season_id is None else scoped_get(Season, ctx.client, season_id, field="season_id",
                                                       video=video)
    episode = catalogue.episode_create(video=video, season=season, name=name,
                                       after=_after(ctx, video.pk, season_id),
                                       extra=read_extra(ctx.args, EPISODE_EXTRA), **fields)
    return ok(id=episode.pk, upload_errors=[])


@content_method(columns=EPISODE_COLUMNS, extra=EPISODE_EXTRA, params=(
    Param("episode_id", Id(), required=True, description="The episode."),
    AFTER,
), response=Obj(upload_errors=UPLOAD_ERRORS))
def episode_modify(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Change an episode's fields (those given), or its place."""
    episode = scoped_get(Episode, ctx.client, ctx.args.episode_id, field="episode_id")
    catalogue.episode_modify(episode=episode, after=_after(ctx, episode.video_id, episode.season_id),
                             extra=read_extra(ctx.args, EPISODE_EXTRA), **read_columns(ctx.args, EPISODE_COLUMNS))
    return ok(upload_errors=[])


@content_method(params=(Param("id", Id(), required=True, description="The episode."),), response=Obj())
def episode_delete(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Delete an episode."""
    catalogue.episode_delete(episode=scoped_get(Episode, ctx.client, ctx.args.id, field="id"))
    return ok()
