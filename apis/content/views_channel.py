"""Content API, groups Channel and ChannelDelete: the line-up.

`url_prefix` is required here although the reference marks it optional: stream URLs are built from
it (`$prefix`). `recording_days` is kept as the archive depth (days × 24 hours). Fields of the
reference that drive nothing in this middleware (multicast, HbbTV, the operator's price categories...)
are kept in the channel's extra data and shown back by ChannelList; the pause depth, aspect ratio and
audience-measurement fields are the channel's own (device apps read them in channel/list).
"""
from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from tvmiddleware.models import Channel, ChannelCategory, EpgChannel, StreamService, Tariff
from tvmiddleware.services import catalogue

from apikit.spec import FLAG, INT, STR, ListOf, Obj, Param, nullable
from tvmiddleware.selectors import content as selectors
from .helpers import (
    IDS, LONG_TEXT, PAGE, Choice, Column, Flag, Id, Int, Json, SignedContext, Text, content_method, extra_of,
    lang_fields, localized, ok, page_params, paginate, read_columns, read_extra, scoped_get, scoped_many, with_langs,
)

CHANNEL_COLUMNS = {
    "name": Column("name", Text.of(Channel, "name")),
    "url_prefix": Column("url_prefix", Text.of(Channel, "url_prefix")),
    "id_for_stream_service": Column("id_for_stream_service", Text.of(Channel, "id_for_stream_service")),
    "lcn_number": Column("lcn_number", Int(0, 2_147_483_647)),
    "parent_control": Column("is_parent_control", Flag()),
    "enabled": Column("enabled", Flag()),
    **{name: Column(name, Text.of(Channel, name)) for name in ("option1", "option2", "option3")},
    # What device apps read in channel/list.
    "pause_live_tv_shift": Column("pause_live_tv_shift", Int(0, 86_400 * 30)),
    "telemeter": Column("telemeter", Choice((0,))), "aspect_ratio": Column("aspect_ratio", Choice((0, 1, 2, 3))),
    **{name: Column(name, Text.of(Channel, name)) for name in (
        "telemeter_account_name", "telemeter_tmsec_name", "telemeter_cat_id", "telemeter_vc_id",
        "telemeter_vc_version")},
}
CHANNEL_EXTRA = {
    **localized("name", reader=Text.of(Channel, "name")),
    **{name: Text() for name in ("hbb_channel_pid", "uri", "multicast_address", "secondary_multicast_address",
                                 "version")},
    "comment": Text(LONG_TEXT),
    "mediahills_id": Int(), "show_in_all": Flag(), "display_on_site": Flag(),
    "copyright_holder": Int(1), "price_category": Int(1), "meta": Json(),
}
STRING_EXTRA = ("uri", "multicast_address", "secondary_multicast_address", "comment")


SINGLE = {"category": (ChannelCategory, "category"), "epg_channel": (EpgChannel, "epg_channel"),
          "after": (Channel, "sort_after_cid")}
MANY = {"additional_categories": ChannelCategory, "tariffs": Tariff, "stream_services": StreamService}
RELATION_PARAMS = (
    Param("category", Id(), description="The channel's category."),
    Param("epg_channel", Id(), description="The guide channel of its programmes."),
    Param("sort_after_cid", Id(), description="Place the channel after this one."),
    Param("additional_categories", IDS, description="More categories."),
    Param("tariffs", IDS, description="Tariffs that open the channel."),
    Param("stream_services", IDS, description="Stream services that serve it."),
)


def _relations(ctx: SignedContext) -> dict[str, Any]:
    client, args = ctx.client, ctx.args
    relations: dict[str, Any] = {}
    for name, (model, param) in SINGLE.items():
        if args[param] is not None:
            relations[name] = scoped_get(model, client, args[param], field=param)
    for name, model in MANY.items():
        rows = scoped_many(model, client, args[name], field=name)
        if rows is not None:
            relations[name] = rows
    return relations


@content_method(columns=CHANNEL_COLUMNS, extra=CHANNEL_EXTRA, required=("name", "url_prefix"), params=(
    Param("recording_days", Int(0, 3650), description="Archive depth, days."),
    Param("hbb_providers", IDS, description="HbbTV providers (kept)."),
    *RELATION_PARAMS,
), response=Obj(id=INT))
def channel_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Add a channel to the line-up.

    Fields that drive nothing here (multicast, HbbTV...) are kept and shown by ChannelList."""
    fields = read_columns(ctx.args, CHANNEL_COLUMNS)
    name = fields.pop("name")
    if ctx.args.recording_days is not None:
        fields["max_archive_duration"] = ctx.args.recording_days * 24
    extra = read_extra(ctx.args, CHANNEL_EXTRA)
    if ctx.args.hbb_providers is not None:
        extra["hbb_providers"] = ctx.args.hbb_providers
    channel = catalogue.channel_create(client=ctx.client, name=name, extra=extra, **_relations(ctx), **fields)
    return ok(id=channel.pk)


@content_method(params=(Param("id", Id(), required=True, description="The channel's id."),), response=Obj())
def channel_delete(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Delete a channel."""
    catalogue.channel_delete(channel=scoped_get(Channel, ctx.client, ctx.args.id, field="id"))
    return ok()


def _named(rows) -> list[dict[str, Any]]:
    return [{"id": row.pk, "name": row.name} for row in rows]


def _channel_row(channel: Channel) -> dict[str, Any]:
    data = extra_of(channel)
    return {
        "id": channel.pk, "name": channel.name, **with_langs(data, "name"),
        "category_id": channel.category_id, "category_name": channel.category.name if channel.category else "",
        "price_category_id": data.get("price_category"), "price_category_name": "",
        "epg_channel_id": channel.epg_channel_id,
        "epg_channel_name": channel.epg_channel.name if channel.epg_channel else "",
        "enabled": int(channel.enabled), "url_prefix": channel.url_prefix,
        "option1": channel.option1, "option2": channel.option2, "option3": channel.option3,
        "additional_categories": _named(channel.additional_categories.all()),
        "tariffs": _named(channel.tariffs.all()), "stream_services": _named(channel.stream_services.all()),
        "id_for_stream_service": channel.id_for_stream_service,
        **{name: data.get(name, "") for name in STRING_EXTRA},
    }


NAMED = ListOf(Obj(id=INT, name=STR))
CHANNEL_ROW = Obj(
    id=INT, name=STR, **lang_fields("name"), category_id=nullable(INT), category_name=STR,
    price_category_id=nullable(INT), price_category_name=STR, epg_channel_id=nullable(INT), epg_channel_name=STR,
    enabled=FLAG, url_prefix=STR, option1=STR, option2=STR, option3=STR, additional_categories=NAMED,
    tariffs=NAMED, stream_services=NAMED, id_for_stream_service=STR, **{name: STR for name in STRING_EXTRA})


@content_method(params=(
    *PAGE,
    Param("search", Text(200), default="", description="Channels whose name contains this."),
    Param("search_tariff", Text(200), default="", description="Channels of tariffs whose name contains this."),
    Param("tariffs", IDS, description="Channels of these tariffs."),
    Param("search_stream_service", Text(200), default="",
          description="Channels of stream services whose name contains this."),
    Param("stream_services", IDS, description="Channels of these stream services."),
), response=Obj(channels=ListOf(CHANNEL_ROW), count=INT))
def channel_list(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """The line-up, a page at a time, with each channel's fields."""
    args = ctx.args
    page, limit = page_params(args)
    queryset = selectors.channels(
        client=ctx.client, search=args.search, search_tariff=args.search_tariff, tariff_ids=args.tariffs,
        search_stream_service=args.search_stream_service, stream_service_ids=args.stream_services)
    rows, count = paginate(queryset, page, limit)
    return ok(channels=[_channel_row(channel) for channel in rows], count=count)
