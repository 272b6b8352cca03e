"""Content API, group Radio: internet radio stations opened by tariffs."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from tvmiddleware.models import RadioStation, Tariff
from tvmiddleware.services import catalogue

from .helpers import (
    LONG_TEXT, Column, Flag, Int, SignedContext, Text, content_method, id_list, localized, ok, read_columns,
    read_extra, required, scoped_get, scoped_many,
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


@content_method(columns=RADIO_COLUMNS)
def radio_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    fields = read_columns(ctx.params, RADIO_COLUMNS)
    name = required(fields.pop("name", None), "name")
    tariffs = scoped_many(Tariff, ctx.client, id_list(ctx.params, "tariffs"), field="tariffs")
    station = catalogue.radio_create(client=ctx.client, name=name, tariffs=tariffs,
                                     localized=read_extra(ctx.params, RADIO_LOCALIZED), **fields)
    return ok(id=station.pk)


@content_method
def radio_delete(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    station = scoped_get(RadioStation, ctx.client, ctx.params.int("id", required=True, min_value=1), field="id")
    catalogue.radio_delete(station=station)
    return ok()
