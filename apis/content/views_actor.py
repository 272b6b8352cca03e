"""Content API, group Actor: people credited in videos (actors and directors).

`gender` 1/2 is kept as "male"/"female" (what the device API shows) and given back as 1/2. `photo_url`
is kept as an address. Loading a person from a movie database (`movie_db_id` alone, `load_meta=1`)
has no provider here: error 5 ("API key not set") says so, and nothing is changed.
"""
from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from tvmiddleware.models import Actor, PersonType, Video
from tvmiddleware.services import catalogue

from tvmiddleware.selectors import content as selectors
from .helpers import (
    LONG_TEXT, Choice, Column, Day, Int, SignedContext, Text, Url, content_method, extra_of, fail, localized, ok,
    page_params, read_columns, read_extra, required, scoped_get, with_langs,
)

META_NOT_CONFIGURED = 5
GENDERS = {1: "male", 2: "female"}
ACTOR_COLUMNS = {
    "name": Column("name", Text.of(Actor, "name")),
    "name_orig": Column("name_orig", Text.of(Actor, "name_orig")),
    "birthdate": Column("birthdate", Day()),
    "gender": Column("gender", Choice(tuple(GENDERS))),
    "country": Column("country", Text.of(Actor, "country")),
    "biography": Column("description", Text(LONG_TEXT)),
    "type": Column("type", Choice(tuple(PersonType.values))),
}
ACTOR_EXTRA = {
    **localized("name", "country", "profession", reader=Text(300)),
    **localized("biography", reader=Text(LONG_TEXT)),
    "profession": Text(300), "movie_db_id": Int(1), "photo_url": Url(),
}


def _fields(ctx: SignedContext) -> dict[str, Any]:
    fields = read_columns(ctx.params, ACTOR_COLUMNS)
    if "gender" in fields:
        fields["gender"] = GENDERS[fields["gender"]]
    return fields


def _no_metadata_provider():
    return fail(META_NOT_CONFIGURED, "Loading people from a movie database is not configured here: "
                                     "pass the person's fields instead.", fields={"movie_db_id": "not loadable"})


@content_method(columns=ACTOR_COLUMNS)
def actor_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    fields = _fields(ctx)
    extra = read_extra(ctx.params, ACTOR_EXTRA)
    if not fields.get("name") and "movie_db_id" in extra:
        return _no_metadata_provider()
    required(fields.get("name"), "name")
    actor = catalogue.actor_create(client=ctx.client, extra=extra, **fields)
    not_loaded = [{"field": "movie_db_id", "error": "Loading from a movie database is not configured; "
                                                    "the fields given were saved as they are."}]
    return ok(id=actor.pk, upload_errors=not_loaded if "movie_db_id" in extra else [])


@content_method(columns=ACTOR_COLUMNS)
def actor_modify(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    actor = scoped_get(Actor, ctx.client, ctx.params.int("id", required=True, min_value=1), field="id")
    fields, extra = _fields(ctx), read_extra(ctx.params, ACTOR_EXTRA)
    ctx.params.flag("update_photo", default=True)  # validated; photos are addresses here, never re-fetched
    if ctx.params.flag("load_meta"):
        return _no_metadata_provider()
    catalogue.actor_modify(actor=actor, extra=extra, **fields)
    return ok()


@content_method
def actor_delete(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    actor = scoped_get(Actor, ctx.client, ctx.params.int("id", required=True, min_value=1), field="id")
    catalogue.actor_delete(actor=actor)
    return ok()


@content_method
def actor_detail(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    actor = scoped_get(Actor, ctx.client, ctx.params.int("id", required=True, min_value=1), field="id")
    data = extra_of(actor)
    genders = {name: str(code) for code, name in GENDERS.items()}
    return ok(
        id=actor.pk, name=actor.name, **with_langs(data, "name"),
        photo=request.build_absolute_uri(actor.photo.url) if actor.photo else data.get("photo_url", ""),
        country=actor.country, **with_langs(data, "country"),
        profession=data.get("profession", ""), **with_langs(data, "profession"),
        biography=actor.description, **with_langs(data, "biography"),
        name_orig=actor.name_orig, movie_db_id=data.get("movie_db_id"),
        gender=genders.get(actor.gender, actor.gender),
        birthdate=actor.birthdate.isoformat() if actor.birthdate else "", type=actor.type,
    )


@content_method
def actor_list(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    params = ctx.params
    page, limit = page_params(params)
    order = Choice(tuple(selectors.ACTOR_ORDERS)).read(params, "order") or "-id"
    person_type = Choice(tuple(PersonType.values)).read(params, "type") or ""
    movie_id = params.int("movie_id", min_value=1)
    video = None if movie_id is None else scoped_get(Video, ctx.client, movie_id, field="movie_id")
    queryset = selectors.actors(client=ctx.client, order=order, country=params.str("country", max_length=100),
                                person_type=person_type, video=video)
    offset = (page - 1) * limit
    return ok(actors=list(queryset.values_list("id", flat=True)[offset:offset + limit]))
