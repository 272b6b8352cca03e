"""Billing API, Tariff group: the operator's tariff packages — lists for the billing to sync with,
create / modify / delete, and the stream services (streaming servers) a package hands out.

Lists show every package of the operator, enabled or not (`enabled` and `hidden` tell which are
offered). "Tariff options" have no counterpart here: TariffOptionList answers the additional
packages marked hidden (sold by the operator, not shown in the apps).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse

from tvmiddleware.models import Channel, StreamService, Tariff
from tvmiddleware.services import Conflict
from tvmiddleware.services.tariff_admin import (
    tariff_create as create_tariff, tariff_delete as delete_tariff, tariff_modify as modify_tariff,
    tariff_stream_service_assign, tariff_stream_service_remove,
)

from .customers import (
    MAX_PRICE, UNKNOWN_ERROR, Refusal, flag, id_param, money, money_param, refusals, tariff_from,
)
from apikit.signed import SignedContext, ok, signed_method

MAX_COUNT = 2_147_483_647  # the database's integer columns
# Yes/no settings of a package, with their defaults on creation (as the reference documents).
FLAG_DEFAULTS = {
    "enabled": True, "assigned_by_default": False, "required": False, "ip_restriction": False,
    "available_for_inactive_accounts": False, "available_everywhere": True, "display_in_channels_widget": True,
    "used_for_channel_list": True, "used_for_video_list": True, "used_for_radio_list": True,
    "available_to_unsubscribe": True, "hidden": False,
}
COUNT_FIELDS = {"period": MAX_COUNT, "sessions_count": MAX_COUNT, "basic_sessions_count": MAX_COUNT,
                "basic_tariff_priority": 10}


# --- lists --------------------------------------------------------------------------------------------

def _tariffs(ctx: SignedContext, *, with_channels: bool = True) -> QuerySet[Tariff]:
    queryset = Tariff.objects.for_client(ctx.client).order_by("-basic_tariff_priority", "name", "id")
    if with_channels:
        channels = Channel.objects.order_by("sort", "id").only("id", "name", "icon")
        queryset = queryset.prefetch_related(Prefetch("channels", queryset=channels))
    return queryset


def _channel_row(channel: Channel) -> dict[str, Any]:
    return {"id": channel.pk, "name": channel.name, "icon": channel.icon.url if channel.icon else ""}


def tariff_row(tariff: Tariff, *, priority: bool = True, channels: bool = True) -> dict[str, Any]:
    """A package as the tariff lists show it. Prices are decimal strings; `period` is in days."""
    row: dict[str, Any] = {
        "id": tariff.pk, "ext_id": tariff.ext_id, "name": tariff.name, "period": tariff.period,
        "price": money(tariff.price), "activation_price": money(tariff.activation_price),
    }
    if priority:
        row["basic_tariff_priority"] = tariff.basic_tariff_priority
    row.update(sessions_count=tariff.sessions_count, basic_sessions_count=tariff.basic_sessions_count,
               ip_restriction=flag(tariff.ip_restriction), enabled=flag(tariff.enabled), hidden=flag(tariff.hidden))
    if channels:
        row["channels"] = [_channel_row(channel) for channel in tariff.channels.all()]
    return row


@signed_method(validation_error=UNKNOWN_ERROR)
def tariff_list(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    return ok(tariffs=[tariff_row(tariff) for tariff in _tariffs(ctx)])


@signed_method(validation_error=UNKNOWN_ERROR)
def tariff_basic_list(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    return ok(tariffs=[tariff_row(tariff) for tariff in _tariffs(ctx).filter(basic_tariff_priority__gt=0)])


@signed_method(validation_error=UNKNOWN_ERROR)
def tariff_additional_list(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    return ok(tariffs=[tariff_row(tariff, priority=False)
                       for tariff in _tariffs(ctx).filter(basic_tariff_priority=0)])


@signed_method(validation_error=UNKNOWN_ERROR)
def tariff_option_list(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Options = additional packages marked hidden (there is no separate kind of "option")."""
    options = _tariffs(ctx, with_channels=False).filter(basic_tariff_priority=0, hidden=True)
    return ok(tariffs=[tariff_row(tariff, priority=False, channels=False) for tariff in options])


# --- create / modify / delete -------------------------------------------------------------------------

def _settings(ctx: SignedContext, *, creating: bool) -> dict[str, Any]:
    """Package settings given in the request (on creation: required ones checked, defaults filled)."""
    fields: dict[str, Any] = {}
    name = ctx.params.str("name", required=creating, max_length=200).strip()
    if name:
        fields["name"] = name
    elif creating:
        raise Refusal(UNKNOWN_ERROR, "name is required.", {"name": "required"})
    if "ext_id" in ctx.params.raw():
        fields["ext_id"] = ctx.params.str("ext_id", max_length=128).strip()
    if "description" in ctx.params:
        fields["description"] = ctx.params.str("description", max_length=5000)
    for field, maximum in COUNT_FIELDS.items():
        value = ctx.params.int(field, required=creating, min_value=0, max_value=maximum)
        if value is not None:
            fields[field] = value
    price = money_param(ctx, "price", not_negative=True, maximum=MAX_PRICE)
    if price is not None or creating:
        fields["price"] = price if price is not None else Decimal("0.00")
    if "default_activation_price" in ctx.params.raw():
        fields["default_activation_price"] = money_param(ctx, "default_activation_price", not_negative=True,
                                                         maximum=MAX_PRICE)
    for field, default in FLAG_DEFAULTS.items():
        if field in ctx.params:
            fields[field] = ctx.params.flag(field)
        elif creating:
            fields[field] = default
    return fields


@signed_method(validation_error=UNKNOWN_ERROR)
@refusals
def tariff_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Add a package. Answers its `id` (besides the documented fields). Bad or missing settings,
    and a used ext_id, answer -1 with error_fields (the reference documents no code for them)."""
    tariff = create_tariff(client=ctx.client, **_settings(ctx, creating=True))
    return ok(id=tariff.pk)


@signed_method(validation_error=UNKNOWN_ERROR)
@refusals
def tariff_modify(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Change the given settings; the others stay as they are."""
    tariff = tariff_from(ctx, code=1, names=("tariff_id",), ext_name=None)
    modify_tariff(tariff=tariff, **_settings(ctx, creating=False))
    return ok()


@signed_method(validation_error=2)
@refusals
def tariff_delete(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Delete a package nobody holds; one held by customers answers 2."""
    tariff = tariff_from(ctx, code=1, names=("tariff_id",), ext_name=None)
    try:
        delete_tariff(tariff=tariff)
    except Conflict as exc:
        raise Refusal(2, exc.message, {"tariff_id": "held by customers"}) from None
    return ok()


# --- stream services ----------------------------------------------------------------------------------

def _stream_service(ctx: SignedContext) -> StreamService:
    service_id = id_param(ctx, "service_id", code=2, what="Stream service")
    if service_id is None:
        raise Refusal(2, "service_id is required.", {"service_id": "required"})
    found = StreamService.objects.for_client(ctx.client).filter(pk=service_id).first()
    if found is None:
        raise Refusal(2, "Stream service not found.", {"service_id": "not found"})
    return found


@signed_method(validation_error=3)
@refusals
def tariff_streamservice_assign(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Link a streaming server to the package (linking it again is no error)."""
    tariff = tariff_from(ctx, code=1, names=("tariff_id",), ext_name=None)
    tariff_stream_service_assign(tariff=tariff, stream_service=_stream_service(ctx))
    return ok()


@signed_method(validation_error=3)
@refusals
def tariff_streamservice_remove(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Unlink a streaming server from the package (unlinking one that is not linked is no error)."""
    tariff = tariff_from(ctx, code=1, names=("tariff_id",), ext_name=None)
    tariff_stream_service_remove(tariff=tariff, stream_service=_stream_service(ctx))
    return ok()
