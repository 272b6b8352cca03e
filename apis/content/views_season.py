"""Content API, group Season: seasons of a series. A season's place among its siblings is its number;
`sort_after_sid` renumbers the series' seasons so the season follows the one named."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from tvmiddleware.models import Season, Video
from tvmiddleware.services import catalogue

from .helpers import SignedContext, Text, content_method, localized, ok, read_extra, required, scoped_get

NAME = Text.of(Season, "name")
SEASON_EXTRA = localized("name", reader=NAME)


def _after(ctx: SignedContext, video_id: int) -> Season | None:
    after_id = ctx.params.int("sort_after_sid", min_value=1)
    if after_id is None:
        return None
    return scoped_get(Season, ctx.client, after_id, field="sort_after_sid", video_id=video_id)


@content_method
def season_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    name = required(NAME.read(ctx.params, "name"), "name")
    video = scoped_get(Video, ctx.client, ctx.params.int("vid", required=True, min_value=1), field="vid")
    season = catalogue.season_create(video=video, name=name, after=_after(ctx, video.pk),
                                     extra=read_extra(ctx.params, SEASON_EXTRA))
    return ok(id=season.pk)


@content_method
def season_modify(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    season = scoped_get(Season, ctx.client, ctx.params.int("season_id", required=True, min_value=1),
                        field="season_id")
    catalogue.season_modify(season=season, name=NAME.read(ctx.params, "name"), after=_after(ctx, season.video_id),
                            extra=read_extra(ctx.params, SEASON_EXTRA))
    return ok()


@content_method
def season_delete(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    season = scoped_get(Season, ctx.client, ctx.params.int("id", required=True, min_value=1), field="id")
    catalogue.season_delete(season=season)
    return ok()
