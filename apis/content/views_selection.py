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

from .helpers import (
    BAD_PARAMETER, Choice, Flag, SignedContext, Text, Url, content_method, fail, id_list, localized, ok, read_extra,
    required, scoped_get, scoped_many,
)

ALREADY_THERE = 1
VIDEOS = 2
NAME = Text.of(Selection, "name")
SELECTION_TYPE = Choice((0, 1, 2, 3, 4, 5, 6))
SELECTION_EXTRA = {**localized("name", reader=NAME), "promo_image": Url(), **localized("promo_image", reader=Url())}


def _type(ctx) -> int:
    kind = required(SELECTION_TYPE.read(ctx.params, "type"), "type")
    if kind != VIDEOS:
        raise Invalid("Only selections of videos (type 2) are supported.", fields={"type": "not supported"})
    return kind


def _videos(ctx, name: str) -> list[Video] | None:
    return scoped_many(Video, ctx.client, id_list(ctx.params, name), field=name)


def _shown(ctx) -> bool | None:
    hidden = Flag().read(ctx.params, "is_hidden")
    return None if hidden is None else not hidden


@content_method
def selection_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    name = required(NAME.read(ctx.params, "name"), "name")
    _type(ctx)
    shown = _shown(ctx)
    selection = catalogue.selection_create(client=ctx.client, name=name, videos=_videos(ctx, "items_set"),
                                           enabled=True if shown is None else shown,
                                           extra=read_extra(ctx.params, SELECTION_EXTRA))
    return ok(id=selection.pk)


@content_method
def selection_modify(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    selection = scoped_get(Selection, ctx.client, ctx.params.int("id", required=True, min_value=1), field="id")
    _type(ctx)
    videos, add, remove = _videos(ctx, "items_set"), _videos(ctx, "items_add"), _videos(ctx, "items_remove")
    if videos is not None and remove is not None:
        return fail(BAD_PARAMETER, "items_remove cannot be combined with items_set.", fields={"items_remove": "with items_set"})
    try:
        catalogue.selection_modify(selection=selection, name=NAME.read(ctx.params, "name"), enabled=_shown(ctx),
                                   videos=videos, add=add, remove=remove,
                                   extra=read_extra(ctx.params, SELECTION_EXTRA))
    except catalogue.DuplicateItem as exc:
        return fail(ALREADY_THERE, exc.message, fields=exc.fields)
    return ok(id=selection.pk)
