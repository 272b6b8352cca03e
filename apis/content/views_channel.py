"""Content API, groups Channel and ChannelDelete: the line-up.

`url_prefix` is required here although the reference marks it optional: stream URLs are built from
it (`$prefix`). `recording_days` is kept as the archive depth (days × 24 hours). Fields of the
reference that drive nothing in this middleware (multicast, telemeter, HbbTV, aspect ratio, the
operator's price categories...) are kept in the channel's extra data and shown back by ChannelList.
"""
from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from tvmiddleware.models import Channel, ChannelCategory, EpgChannel, StreamService, Tariff
from tvmiddleware.services import catalogue

from tvmiddleware.selectors import content as selectors
from .helpers import (
    LONG_TEXT, Choice, Column, Flag, Int, Json, SignedContext, Text, content_method, extra_of, id_list, localized, ok,
    page_params, paginate, read_columns, read_extra, required, scoped_get, scoped_many, with_langs,
)

CHANNEL_COLUMNS = {
    "name": Column("name", Text.of(Channel, "name")),
    "url_prefix": Column("url_prefix", Text.of(Channel, "url_prefix")),
    "id_for_stream_service": Column("id_for_stream_service", Text.of(Channel, "id_for_stream_service")),
    "lcn_number": Column("lcn_number", Int(0, 2_147_483_647)),
    "parent_control": Column("is_parent_control", Flag()),
    "enabled": Column("enabled", Flag()),
    **{name: Column(name, Text.of(Channel, name)) for name in ("option1", "option2", "option3")},
}
CHANNEL_EXTRA = {
    **localized("name", reader=Text.of(Channel, "name")),
    **{name: Text() for name in ("hbb_channel_pid", "uri", "multicast_address", "secondary_multicast_address",
                                 "version", "telemeter_account_name", "telemeter_tmsec_name", "telemeter_cat_id",
                                 "telemeter_vc_id", "telemeter_vc_version")},
    "comment": Text(LONG_TEXT),
    "mediahills_id": Int(), "pause_live_tv_shift": Int(0, 86_400 * 30), "telemeter": Choice((0,)),
    "aspect_ratio": Choice((0, 1, 2, 3)), "show_in_all": Flag(), "display_on_site": Flag(),
    "copyright_holder": Int(1), "price_category": Int(1), "meta": Json(),
}
STRING_EXTRA = ("uri", "multicast_address", "secondary_multicast_address", "comment")


def _relations(ctx: SignedContext) -> dict[str, Any]:
    client, params = ctx.client, ctx.params
    single = {"category": (ChannelCategory, "category"), "epg_channel": (EpgChannel, "epg_channel"),
              "after": (Channel, "sort_after_cid")}
    relations: dict[str, Any] = {}
    for name, (model, param) in single.items():
        pk = params.int(param, min_value=1)
        if pk is not None:
            relations[name] = scoped_get(model, client, pk, field=param)
    for name, model in (("additional_categories", ChannelCategory), ("tariffs", Tariff),
                        ("stream_services", StreamService)):
        rows = scoped_many(model, client, id_list(params, name), field=name)
        if rows is not None:
            relations[name] = rows
    return relations


@content_method(columns=CHANNEL_COLUMNS)
def channel_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    fields = read_columns(ctx.params, CHANNEL_COLUMNS)
    name = required(fields.pop("name", None), "name")
    required(fields.get("url_prefix"), "url_prefix")
    days = ctx.params.int("recording_days", min_value=0, max_value=3650)
    if days is not None:
        fields["max_archive_duration"] = days * 24
    extra = read_extra(ctx.params, CHANNEL_EXTRA)
    hbb_providers = id_list(ctx.params, "hbb_providers")
    if hbb_providers is not None:
        extra["hbb_providers"] = hbb_providers
    channel = catalogue.channel_create(client=ctx.client, name=name, extra=extra, **_relations(ctx), **fields)
    return ok(id=channel.pk)


@content_method
def channel_delete(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    channel = scoped_get(Channel, ctx.client, ctx.params.int("id", required=True, min_value=1), field="id")
    catalogue.channel_delete(channel=channel)
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


@content_method
def channel_list(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    params = ctx.params
    page, limit = page_params(params)
    queryset = selectors.channels(
        client=ctx.client, search=params.str("search", max_length=200),
        search_tariff=params.str("search_tariff", max_length=200), tariff_ids=id_list(params, "tariffs"),
        search_stream_service=params.str("search_stream_service", max_length=200),
        stream_service_ids=id_list(params, "stream_services"))
    rows, count = paginate(queryset, page, limit)
    return ok(channels=[_channel_row(channel) for channel in rows], count=count)
