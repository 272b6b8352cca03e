"""Streaming API (`/streaming/api/`, signed with the operator's Streaming API key): maintenance windows.

Smarty's Streaming API reference: MaintenanceCreate answers 1 when no channel has a given prefix; MaintenanceEdit
answers 1 for an unknown window and 2 for unknown prefixes; 20 is every malformed parameter (and
an end before the beginning) — `apis/streaming/errors.py`. The token check of the same API lives in
`tvmiddleware/streaming/views.py` (unsigned: streamers call it).
"""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from apikit.signed import SignedAPI, SignedContext, fail, ok, signed_method
from apikit.spec import INT, Obj, Param
from common.errors import NotFound
from common.readers import Id, Moment, Text
from tvmiddleware.models import MaintenanceWindow
from tvmiddleware.streaming import maintenance

from .errors import BAD_PARAMETER, CREATE_PREFIX_NOT_FOUND, EDIT_PREFIX_NOT_FOUND, MAINTENANCE_NOT_FOUND

PREFIXES = Text(20_000)


def _window_params(*, create: bool) -> tuple[Param, ...]:
    return (
        Param("channel_prefix", PREFIXES, required=create,
              description="The channels' prefixes, separated by commas."),
        Param("datetime_begin", Moment(), required=create, description="When the maintenance begins."),
        Param("datetime_end", Moment(), description="When it ends (absent: until edited)."),
        Param("description", Text(10_000), description="A note for the operator's staff."),
    )


def _prefixes(text: str | None) -> list[str] | None:
    return maintenance.parse_prefixes(text) if text else None


@signed_method(api=SignedAPI.STREAMING, validation_error=BAD_PARAMETER, params=_window_params(create=True),
               errors=(CREATE_PREFIX_NOT_FOUND,), response=Obj(id=INT))
def maintenance_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Announce a maintenance window for some channels.

    Meanwhile their `channel/url` and `program/url` answer "maintenance". `id` is beyond the
    reference's answer: MaintenanceEdit needs it."""
    args = ctx.args
    try:
        window = maintenance.maintenance_create(
            client=ctx.client, prefixes=_prefixes(args.channel_prefix) or [], starts_at=args.datetime_begin,
            ends_at=args.datetime_end, comment=args.description or "")
    except NotFound as exc:
        return fail(CREATE_PREFIX_NOT_FOUND, exc.message, fields=exc.fields)
    return ok(id=window.pk)


@signed_method(api=SignedAPI.STREAMING, validation_error=BAD_PARAMETER, params=(
    Param("id", Id(), required=True, description="The maintenance window."), *_window_params(create=False),
), errors=(MAINTENANCE_NOT_FOUND, EDIT_PREFIX_NOT_FOUND), response=Obj())
def maintenance_edit(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Change a maintenance window (the fields given)."""
    args = ctx.args
    window = MaintenanceWindow.objects.for_client(ctx.client).filter(pk=args.id).first()
    if window is None:
        return fail(MAINTENANCE_NOT_FOUND, "Maintenance not found.", fields={"id": "unknown"})
    try:
        maintenance.maintenance_modify(window=window, prefixes=_prefixes(args.channel_prefix),
                                       starts_at=args.datetime_begin, ends_at=args.datetime_end,
                                       comment=args.description)
    except NotFound as exc:
        return fail(EDIT_PREFIX_NOT_FOUND, exc.message, fields=exc.fields)
    return ok()
