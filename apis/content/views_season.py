"""Content API, group Season: seasons of a series. A season's place among its siblings is its number;
`sort_after_sid` renumbers the series' seasons so the season follows the one named."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from tvmiddleware.models import Season, Video
from tvmiddleware.services import catalogue

from apikit.spec import INT, Obj, Param
from .helpers import Id, SignedContext, Text, content_method, localized, ok, read_extra, scoped_get

NAME = Text.of(Season, "name")
SEASON_EXTRA = localized("name", reader=NAME)


AFTER = Param("sort_after_sid", Id(), description="Place the season after this one.")


def _after(ctx: SignedContext, video_id: int) -> Season | None:
    after_id = ctx.args.sort_after_sid
    if after_id is None:
        return None
    return scoped_get(Season, ctx.client, after_id, field="sort_after_sid", video_id=video_id)


@content_method(extra=SEASON_EXTRA, params=(
    Param("name", NAME, required=True, description="The season's name."),
    Param("vid", Id(), required=True, description="The series."),
    AFTER,
), response=Obj(id=INT))
def season_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Add a season to a series."""
    video = scoped_get(Video, ctx.client, ctx.args.vid, field="vid")
    season = catalogue.season_create(video=video, name=ctx.args.name, after=_after(ctx, video.pk),
                                     extra=read_extra(ctx.args, SEASON_EXTRA))
    return ok(id=season.pk)


@content_method(extra=SEASON_EXTRA, params=(
    Param("season_id", Id(), required=True, description="The season."),
    Param("name", NAME, description="The season's name."),
    AFTER,
), response=Obj())
def season_modify(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Rename a season, or move it among its siblings."""
    season = scoped_get(Season, ctx.client, ctx.args.season_id, field="season_id")
    catalogue.season_modify(season=season, name=ctx.args.name, after=_after(ctx, season.video_id),
                            extra=read_extra(ctx.args, SEASON_EXTRA))
    return ok()


@content_method(params=(Param("id", Id(), required=True, description="The season."),), response=Obj())
def season_delete(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Delete a season."""
    catalogue.season_delete(season=scoped_get(Season, ctx.client, ctx.args.id, field="id"))
    return ok()
