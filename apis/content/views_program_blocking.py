"""Content API, group ProgramBlocking: withdraw a programme's recording from the archive.

The programme is named by `pid`, or by a channel's `prefix` and the programme's start `time_start`
(a moment inside the programme finds it too). `end_date` is how many days the block lasts (for good
when absent); `catalogue.program_blockings_expire` lifts blocks whose time has passed.
"""
from __future__ import annotations

from datetime import datetime, timezone as dt_timezone

from django.http import HttpRequest, HttpResponse

from tvmiddleware.models import Channel, EpgProgram
from tvmiddleware.services import catalogue

from .helpers import SignedContext, Text, content_method, fail, ok

PROGRAMME_NOT_FOUND = 1
PREFIX_NOT_FOUND = 2
START_NOT_FOUND = 3
NAME_IT = 4


def _by_start(ctx: SignedContext, prefix: str, start: datetime) -> EpgProgram | None:
    programmes = (EpgProgram.objects.for_client(ctx.client)
                  .filter(epg_channel__channels__in=Channel.objects.for_client(ctx.client).filter(url_prefix=prefix)))
    exact = programmes.filter(begin_time=start).order_by("id").first()
    return exact or programmes.filter(begin_time__lte=start, end_time__gt=start).order_by("-begin_time", "id").first()


@content_method
def program_blocking_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    params = ctx.params
    pid = params.int("pid", min_value=1)
    prefix = Text.of(Channel, "url_prefix").read(params, "prefix")
    start = params.timestamp("time_start")
    days = params.int("end_date", min_value=0, max_value=36_500)
    if pid is not None:
        programme = EpgProgram.objects.for_client(ctx.client).filter(pk=pid).first()
        if programme is None:
            return fail(PROGRAMME_NOT_FOUND, "Programme not found.", fields={"pid": "unknown"})
    elif prefix and start is not None:
        if not Channel.objects.for_client(ctx.client).filter(url_prefix=prefix, epg_channel__isnull=False).exists():
            return fail(PREFIX_NOT_FOUND, "No channel with this prefix (and a guide).", fields={"prefix": "unknown"})
        programme = _by_start(ctx, prefix, start.astimezone(dt_timezone.utc))
        if programme is None:
            return fail(START_NOT_FOUND, "No programme at time_start on this channel.",
                        fields={"time_start": "no programme"})
    else:
        return fail(NAME_IT, "Give pid, or prefix and time_start.")
    blocking = catalogue.program_blocking_create(program=programme, days=days or None)
    return ok(id=blocking.pk)
