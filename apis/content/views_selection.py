"""Content API, group Selection: shelves of content.

Selections here hold videos only: `type` 2 (films) is accepted, the other kinds (channels, EPG,
cameras, radio, adverts, apps) answer 21. `is_hidden` hides the shelf; promo images are kept as
addresses. Adding a video already on the shelf answers 1, as the reference says.
"""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from tvmiddleware.models import Selection, Video
from tvmiddleware.services import catalogue
from common.errors import Invalid

from apikit.spec import INT, Obj, Param
from .errors import ALREADY_IN_SELECTION
from .helpers import (
    BAD_PARAMETER, IDS, Choice, Flag, Id, SignedContext, Text, Url, content_method, fail, localized, ok, read_extra,
    scoped_get, scoped_many,
)

VIDEOS = 2
NAME = Text.of(Selection, "name")
SELECTION_EXTRA = {**localized("name", reader=NAME), "promo_image": Url(), **localized("promo_image", reader=Url())}
TYPE = Param("type", Choice((0, 1, 2, 3, 4, 5, 6)), required=True,
             description="What the shelf holds: only 2 (videos) is supported here (21 otherwise).")
HIDDEN = Param("is_hidden", Flag(), description="Hide the shelf.")


def _type(ctx) -> int:
    if ctx.args.type != VIDEOS:
        raise Invalid("Only selections of videos (type 2) are supported.", fields={"type": "not supported"})
    return ctx.args.type


def _videos(ctx, name: str) -> list[Video] | None:
    return scoped_many(Video, ctx.client, ctx.args[name], field=name)


def _shown(ctx) -> bool | None:
    hidden = ctx.args.is_hidden
    return None if hidden is None else not hidden


@content_method(extra=SELECTION_EXTRA, params=(
    Param("name", NAME, required=True, description="The shelf's name."),
    TYPE, HIDDEN,
    Param("items_set", IDS, description="The videos on the shelf."),
), response=Obj(id=INT))
def selection_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Add a shelf of videos."""
    _type(ctx)
    shown = _shown(ctx)
    selection = catalogue.selection_create(client=ctx.client, name=ctx.args.name, videos=_videos(ctx, "items_set"),
                                           enabled=True if shown is None else shown,
                                           extra=read_extra(ctx.args, SELECTION_EXTRA))
    return ok(id=selection.pk)


@content_method(extra=SELECTION_EXTRA, params=(
    Param("id", Id(), required=True, description="The shelf."),
    TYPE,
    Param("name", NAME, description="The shelf's name."),
    HIDDEN,
    Param("items_set", IDS, description="The videos on the shelf (replacing those there)."),
    Param("items_add", IDS, description="Videos to add (1 when one is already there)."),
    Param("items_remove", IDS, description="Videos to take off (not with items_set)."),
), errors=(ALREADY_IN_SELECTION,), response=Obj(id=INT))
def selection_modify(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Change a shelf: its name, visibility, or videos."""
    selection = scoped_get(Selection, ctx.client, ctx.args.id, field="id")
    _type(ctx)
    videos, add, remove = _videos(ctx, "items_set"), _videos(ctx, "items_add"), _videos(ctx, "items_remove")
    if videos is not None and remove is not None:
        return fail(BAD_PARAMETER, "items_remove cannot be combined with items_set.",
                    fields={"items_remove": "with items_set"})
    try:
        catalogue.selection_modify(selection=selection, name=ctx.args.name, enabled=_shown(ctx),
                                   videos=videos, add=add, remove=remove,
                                   extra=read_extra(ctx.args, SELECTION_EXTRA))
    except catalogue.DuplicateItem as exc:
        return fail(ALREADY_IN_SELECTION, exc.message, fields=exc.fields)
    return ok(id=selection.pk)
