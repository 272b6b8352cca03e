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

from apikit.spec import INT, Obj, Param
from common.readers import Timestamp
from .errors import PREFIX_NOT_FOUND, PROGRAMME_NOT_FOUND, PROGRAMME_NOT_NAMED, START_NOT_FOUND
from .helpers import Id, Int, SignedContext, Text, content_method, fail, ok

def _by_start(ctx: SignedContext, prefix: str, start: datetime) -> EpgProgram | None:
    programmes = (EpgProgram.objects.for_client(ctx.client)
                  .filter(epg_channel__channels__in=Channel.objects.for_client(ctx.client).filter(url_prefix=prefix)))
    exact = programmes.filter(begin_time=start).order_by("id").first()
    return exact or programmes.filter(begin_time__lte=start, end_time__gt=start).order_by("-begin_time", "id").first()


@content_method(params=(
    Param("pid", Id(), description="The programme."),
    Param("prefix", Text.of(Channel, "url_prefix"), description="Or: the channel's prefix, with time_start."),
    Param("time_start", Timestamp(), description="The programme's start (or a moment inside it)."),
    Param("end_date", Int(0, 36_500), description="Days the block lasts (absent or 0: for good)."),
), errors=(PROGRAMME_NOT_FOUND, PREFIX_NOT_FOUND, START_NOT_FOUND, PROGRAMME_NOT_NAMED), response=Obj(id=INT))
def program_blocking_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Withdraw a programme's recording from the archive, for good or for some days."""
    args = ctx.args
    if args.pid is not None:
        programme = EpgProgram.objects.for_client(ctx.client).filter(pk=args.pid).first()
        if programme is None:
            return fail(PROGRAMME_NOT_FOUND, "Programme not found.", fields={"pid": "unknown"})
    elif args.prefix and args.time_start is not None:
        prefix = args.prefix
        if not Channel.objects.for_client(ctx.client).filter(url_prefix=prefix, epg_channel__isnull=False).exists():
            return fail(PREFIX_NOT_FOUND, "No channel with this prefix (and a guide).", fields={"prefix": "unknown"})
        programme = _by_start(ctx, prefix, args.time_start.astimezone(dt_timezone.utc))
        if programme is None:
            return fail(START_NOT_FOUND, "No programme at time_start on this channel.",
                        fields={"time_start": "no programme"})
    else:
        return fail(PROGRAMME_NOT_NAMED, "Give pid, or prefix and time_start.")
    blocking = catalogue.program_blocking_create(program=programme, days=args.end_date or None)
    return ok(id=blocking.pk)
