"""Content API, group Radio: internet radio stations opened by tariffs."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from tvmiddleware.models import RadioStation, Tariff
from tvmiddleware.services import catalogue

from apikit.spec import INT, Obj, Param
from .helpers import (
    IDS, LONG_TEXT, Column, Flag, Id, Int, SignedContext, Text, content_method, localized, ok, read_columns,
    read_extra, scoped_get, scoped_many,
)

RADIO_COLUMNS = {
    "name": Column("name", Text.of(RadioStation, "name")),
    "enabled": Column("enabled", Flag()),
    "uri": Column("uri", Text.of(RadioStation, "uri")),
    "description": Column("description", Text(LONG_TEXT)),
    "radio_channel": Column("radio_channel", Int(1, 2_147_483_647)),
}
RADIO_LOCALIZED = {**localized("name", reader=Text.of(RadioStation, "name")),
                   **localized("description", reader=Text(LONG_TEXT))}


@content_method(columns=RADIO_COLUMNS, extra=RADIO_LOCALIZED, required=("name",), params=(
    Param("tariffs", IDS, description="Tariffs that open the station."),
), response=Obj(id=INT))
def radio_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Add an internet radio station."""
    fields = read_columns(ctx.args, RADIO_COLUMNS)
    name = fields.pop("name")
    tariffs = scoped_many(Tariff, ctx.client, ctx.args.tariffs, field="tariffs")
    station = catalogue.radio_create(client=ctx.client, name=name, tariffs=tariffs,
                                     localized=read_extra(ctx.args, RADIO_LOCALIZED), **fields)
    return ok(id=station.pk)


@content_method(params=(Param("id", Id(), required=True, description="The station."),), response=Obj())
def radio_delete(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Delete a radio station."""
    catalogue.radio_delete(station=scoped_get(RadioStation, ctx.client, ctx.args.id, field="id"))
    return ok()
