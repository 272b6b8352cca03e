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

from apikit.spec import INT, STR, ListOf, Obj, Param, nullable
from tvmiddleware.selectors import content as selectors
from .errors import META_NOT_CONFIGURED
from .helpers import (
    LONG_TEXT, PAGE, Choice, Column, Day, Flag, Id, Int, SignedContext, Text, Url, content_method, extra_of, fail,
    lang_fields, localized, ok, page_params, read_columns, read_extra, required, scoped_get, with_langs,
)

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


ID = Param("id", Id(), required=True, description="The person's id.")
UPLOAD_ERRORS = ListOf(Obj(field=STR, error=STR))


def _fields(ctx: SignedContext) -> dict[str, Any]:
    fields = read_columns(ctx.args, ACTOR_COLUMNS)
    if "gender" in fields:
        fields["gender"] = GENDERS[fields["gender"]]
    return fields


def _no_metadata_provider():
    return fail(META_NOT_CONFIGURED, "Loading people from a movie database is not configured here: "
                                     "pass the person's fields instead.", fields={"movie_db_id": "not loadable"})


@content_method(columns=ACTOR_COLUMNS, extra=ACTOR_EXTRA, errors=(META_NOT_CONFIGURED,),
                response=Obj(id=INT, upload_errors=UPLOAD_ERRORS))
def actor_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Add a person (actor or director).

    `name` is required unless `movie_db_id` is given, which asks for loading from a movie database:
    not configured here (5 without a name; with one, the fields are saved and `upload_errors` says so)."""
    fields = _fields(ctx)
    extra = read_extra(ctx.args, ACTOR_EXTRA)
    if not fields.get("name") and "movie_db_id" in extra:
        return _no_metadata_provider()
    required(fields.get("name"), "name")
    actor = catalogue.actor_create(client=ctx.client, extra=extra, **fields)
    not_loaded = [{"field": "movie_db_id", "error": "Loading from a movie database is not configured; "
                                                    "the fields given were saved as they are."}]
    return ok(id=actor.pk, upload_errors=not_loaded if "movie_db_id" in extra else [])


@content_method(columns=ACTOR_COLUMNS, extra=ACTOR_EXTRA, errors=(META_NOT_CONFIGURED,), params=(
    ID,
    Param("update_photo", Flag(), default=True, description="Accepted; photos are addresses, never re-fetched."),
    Param("load_meta", Flag(), default=False, description="Load from a movie database: not configured (5)."),
), response=Obj())
def actor_modify(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Change a person's fields (those given)."""
    actor = scoped_get(Actor, ctx.client, ctx.args.id, field="id")
    fields, extra = _fields(ctx), read_extra(ctx.args, ACTOR_EXTRA)
    if ctx.args.load_meta:
        return _no_metadata_provider()
    catalogue.actor_modify(actor=actor, extra=extra, **fields)
    return ok()


@content_method(params=(ID,), response=Obj())
def actor_delete(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Delete a person."""
    catalogue.actor_delete(actor=scoped_get(Actor, ctx.client, ctx.args.id, field="id"))
    return ok()


@content_method(params=(ID,), response=Obj(
    id=INT, name=STR, photo=STR, country=STR, profession=STR, biography=STR, name_orig=STR,
    movie_db_id=nullable(INT), gender=STR, birthdate=STR, type=STR,
    **lang_fields("name", "country", "profession", "biography")))
def actor_detail(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """A person's fields.

    `gender` is "1" (male), "2" (female) or ""; `birthdate` YYYY-MM-DD or ""."""
    actor = scoped_get(Actor, ctx.client, ctx.args.id, field="id")
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


@content_method(params=(
    *PAGE,
    Param("order", Choice(tuple(selectors.ACTOR_ORDERS)), default="-id", description="Sort order."),
    Param("type", Choice(tuple(PersonType.values)), default="", description="Only people of this type."),
    Param("movie_id", Id(), description="Only people credited in this video."),
    Param("country", Text(100), default="", description="Only people of this country."),
), response=Obj(actors=ListOf(INT)))
def actor_list(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Ids of the operator's people, a page at a time."""
    args = ctx.args
    page, limit = page_params(args)
    video = None if args.movie_id is None else scoped_get(Video, ctx.client, args.movie_id, field="movie_id")
    queryset = selectors.actors(client=ctx.client, order=args.order, country=args.country,
                                person_type=args.type, video=video)
    offset = (page - 1) * limit
    return ok(actors=list(queryset.values_list("id", flat=True)[offset:offset + limit]))
