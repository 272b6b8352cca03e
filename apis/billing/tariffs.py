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

from apikit.signed import SignedContext, ok, signed_method
from apikit.spec import FLAG as FLAG_SHAPE, INT, MONEY, STR, ListOf, Obj, Param
from common.readers import Flag, Id, Int, Money, Text

from .errors import (
    PACKAGE_HELD, PACKAGE_NOT_FOUND, STREAM_SERVICE_INVALID, STREAM_SERVICE_NOT_FOUND, UNKNOWN_ERROR,
)
from .lookups import MAX_EXT_ID, MAX_PRICE, Refusal, refusals, tariff_from, tariff_params
from .serializers import flag, money

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


CHANNEL = Obj(id=INT, name=STR, icon=STR)
TARIFF_ROW = Obj(
    id=INT, ext_id=STR, name=STR, period=INT, price=MONEY, activation_price=MONEY, basic_tariff_priority=INT,
    sessions_count=INT, basic_sessions_count=INT, ip_restriction=FLAG_SHAPE, enabled=FLAG_SHAPE, hidden=FLAG_SHAPE,
    channels=ListOf(CHANNEL), optional=("basic_tariff_priority", "channels"),
)
TARIFFS = Obj(tariffs=ListOf(TARIFF_ROW))


@signed_method(validation_error=UNKNOWN_ERROR, response=TARIFFS)
def tariff_list(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Every tariff package of the operator, enabled or not, with its channels."""
    return ok(tariffs=[tariff_row(tariff) for tariff in _tariffs(ctx)])


@signed_method(validation_error=UNKNOWN_ERROR, response=TARIFFS)
def tariff_basic_list(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """The operator's basic packages (`basic_tariff_priority` above 0), with their channels."""
    return ok(tariffs=[tariff_row(tariff) for tariff in _tariffs(ctx).filter(basic_tariff_priority__gt=0)])


@signed_method(validation_error=UNKNOWN_ERROR, response=TARIFFS)
def tariff_additional_list(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """The operator's additional packages, with their channels (no `basic_tariff_priority`)."""
    return ok(tariffs=[tariff_row(tariff, priority=False)
                       for tariff in _tariffs(ctx).filter(basic_tariff_priority=0)])


@signed_method(validation_error=UNKNOWN_ERROR, response=TARIFFS)
def tariff_option_list(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """The operator's tariff options: additional packages marked hidden.

    There is no separate kind of "option"; rows have no channels and no `basic_tariff_priority`."""
    options = _tariffs(ctx, with_channels=False).filter(basic_tariff_priority=0, hidden=True)
    return ok(tariffs=[tariff_row(tariff, priority=False, channels=False) for tariff in options])


# --- create / modify / delete -------------------------------------------------------------------------

def settings_params(*, creating: bool) -> tuple[Param, ...]:
    """The package settings (on creation the counts and the name are required)."""
    return (
        Param("name", Text(200), required=creating, description="the package's name"),
        Param("ext_id", Text(MAX_EXT_ID), description="the billing's id of the package"),
        Param("description", Text(5000)),
        *(Param(field, Int(min_value=0, max_value=maximum), required=creating) for field, maximum in COUNT_FIELDS.items()),
        Param("price", Money(maximum=MAX_PRICE), description="the price per period (0.00 when not given on creation)"),
        Param("default_activation_price", Money(maximum=MAX_PRICE),
              description="the price of activation (empty: none)"),
        *(Param(field, Flag(), description=f"default on creation: {int(default)}")
          for field, default in FLAG_DEFAULTS.items()),
    )


def _settings(ctx: SignedContext, *, creating: bool) -> dict[str, Any]:
    """Package settings given in the request (on creation: defaults filled)."""
    args = ctx.args
    fields: dict[str, Any] = {}
    name = (args.name or "").strip()
    if name:
        fields["name"] = name
    elif creating:
        raise Refusal(UNKNOWN_ERROR, "name is required.", {"name": "required"})
    if "ext_id" in ctx.params.raw():
        fields["ext_id"] = (args.ext_id or "").strip()
    if "description" in args:
        fields["description"] = args.description
    for field in COUNT_FIELDS:
        if args[field] is not None:
            fields[field] = args[field]
    if args.price is not None or creating:
        fields["price"] = args.price if args.price is not None else Decimal("0.00")
    if "default_activation_price" in ctx.params.raw():
        fields["default_activation_price"] = args.default_activation_price
    for field, default in FLAG_DEFAULTS.items():
        if args[field] is not None:
            fields[field] = args[field]
        elif creating:
            fields[field] = default
    return fields


@signed_method(validation_error=UNKNOWN_ERROR, params=settings_params(creating=True), response=Obj(id=INT))
@refusals
def tariff_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Add a tariff package; answers its `id` (besides the documented fields).

    Bad or missing settings, and a used ext_id, answer -1 with error_fields (the reference documents
    no code for them)."""
    tariff = create_tariff(client=ctx.client, **_settings(ctx, creating=True))
    return ok(id=tariff.pk)


TARIFF_ID = tariff_params(PACKAGE_NOT_FOUND, names=("tariff_id",), ext_name=None)


def _tariff(ctx: SignedContext) -> Tariff:
    return tariff_from(ctx, code=PACKAGE_NOT_FOUND, names=("tariff_id",), ext_name=None)


@signed_method(validation_error=UNKNOWN_ERROR, params=(*TARIFF_ID, *settings_params(creating=False)),
               errors=(PACKAGE_NOT_FOUND,), response=Obj())
@refusals
def tariff_modify(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Change the given settings of a package; the others stay as they are."""
    tariff = _tariff(ctx)
    modify_tariff(tariff=tariff, **_settings(ctx, creating=False))
    return ok()


@signed_method(validation_error=PACKAGE_HELD, params=TARIFF_ID, errors=(PACKAGE_NOT_FOUND,), response=Obj())
@refusals
def tariff_delete(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Delete a package nobody holds; one held by customers answers 2."""
    tariff = _tariff(ctx)
    try:
        delete_tariff(tariff=tariff)
    except Conflict as exc:
        raise Refusal(PACKAGE_HELD, exc.message, {"tariff_id": "held by customers"}) from None
    return ok()


# --- stream services ----------------------------------------------------------------------------------

STREAM_SERVICE_PARAMS = (*TARIFF_ID, Param("service_id", Id(), error=STREAM_SERVICE_NOT_FOUND,
                                            description="the stream service (streaming server)"))


def _stream_service(ctx: SignedContext) -> StreamService:
    service_id = ctx.args.service_id
    if service_id is None:
        raise Refusal(STREAM_SERVICE_NOT_FOUND, "service_id is required.", {"service_id": "required"})
    found = StreamService.objects.for_client(ctx.client).filter(pk=service_id).first()
    if found is None:
        raise Refusal(STREAM_SERVICE_NOT_FOUND, "Stream service not found.", {"service_id": "not found"})
    return found


@signed_method(validation_error=STREAM_SERVICE_INVALID, params=STREAM_SERVICE_PARAMS,
               errors=(PACKAGE_NOT_FOUND, STREAM_SERVICE_NOT_FOUND), response=Obj())
@refusals
def tariff_streamservice_assign(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Link a streaming server to the package (linking it again is no error)."""
    tariff = _tariff(ctx)
    tariff_stream_service_assign(tariff=tariff, stream_service=_stream_service(ctx))
    return ok()


@signed_method(validation_error=STREAM_SERVICE_INVALID, params=STREAM_SERVICE_PARAMS,
               errors=(PACKAGE_NOT_FOUND, STREAM_SERVICE_NOT_FOUND), response=Obj())
@refusals
def tariff_streamservice_remove(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Unlink a streaming server from the package (unlinking one that is not linked is no error)."""
    tariff = _tariff(ctx)
    tariff_stream_service_remove(tariff=tariff, stream_service=_stream_service(ctx))
    return ok()
