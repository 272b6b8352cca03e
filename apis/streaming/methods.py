"""Streaming API (`/streaming/api/`, signed with the operator's Streaming API key): maintenance windows.

Smarty's Streaming API reference: MaintenanceCreate answers 1 when no channel has a given prefix; MaintenanceEdit
answers 1 for an unknown window and 2 for unknown prefixes; 20 is every malformed parameter (and
an end before the beginning). The
token check of the same API lives in `views.py` (unsigned: streamers call it).
"""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from apikit.signed import SignedAPI, SignedContext, fail, ok, signed_method
from common.params import ParamError
from common.readers import Moment, Text
from tvmiddleware.models import MaintenanceWindow
from common.errors import NotFound

from tvmiddleware.streaming import maintenance

BAD_PARAMETER = 20
_COMMENT = Text(10_000)
_MOMENT = Moment()


def _prefixes(ctx: SignedContext, *, required: bool) -> list[str] | None:
    text = ctx.params.str("channel_prefix", required=required, max_length=20_000)
    return maintenance.parse_prefixes(text) if text else None


@signed_method(api=SignedAPI.STREAMING, validation_error=BAD_PARAMETER)
def maintenance_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    prefixes = _prefixes(ctx, required=True)
    starts_at = _MOMENT.read(ctx.params, "datetime_begin")
    if starts_at is None:
        raise ParamError("datetime_begin", "required")
    try:
        window = maintenance.maintenance_create(
            client=ctx.client, prefixes=prefixes or [], starts_at=starts_at,
            ends_at=_MOMENT.read(ctx.params, "datetime_end"),
            comment=_COMMENT.read(ctx.params, "description") or "")
    except NotFound as exc:
        return fail(1, exc.message, fields=exc.fields)
    # `id` is not in the reference's answer, but MaintenanceEdit needs it: callers that ignore it lose nothing.
    return ok(id=window.pk)


@signed_method(api=SignedAPI.STREAMING, validation_error=BAD_PARAMETER)
def maintenance_edit(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    window_id = ctx.params.int("id", required=True, min_value=1)
    prefixes = _prefixes(ctx, required=False)
    starts_at = _MOMENT.read(ctx.params, "datetime_begin")
    ends_at = _MOMENT.read(ctx.params, "datetime_end")
    comment = _COMMENT.read(ctx.params, "description")
    window = MaintenanceWindow.objects.for_client(ctx.client).filter(pk=window_id).first()
    if window is None:
        return fail(1, "Maintenance not found.", fields={"id": "unknown"})
    try:
        maintenance.maintenance_modify(window=window, prefixes=prefixes, starts_at=starts_at, ends_at=ends_at,
                                       comment=comment)
    except NotFound as exc:
        return fail(2, exc.message, fields=exc.fields)
    return ok()
