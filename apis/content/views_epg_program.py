"""Content API, group EPGProgram: the actual air times of a broadcast event.

The event is named by the EPG source's id (`external_id`, kept by the import as the programme's
`meta.event_id`). `start` and `stop` may be unix seconds, ISO-8601 or XMLTV times
(`YYYYMMDDhhmmss +zzzz`).
"""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from apikit.spec import Obj, Param
from common.readers import AirTime
from tvmiddleware.services import catalogue

from .helpers import SignedContext, Text, content_method, ok


@content_method(params=(
    Param("external_id", Text(128), required=True, description="The event's id in the EPG source."),
    Param("start", AirTime(), required=True, description="When the event actually began."),
    Param("stop", AirTime(), required=True, description="When the event actually ended."),
), response=Obj())
def epg_program_time_specify(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Set the actual air times of a broadcast event.

    The programme is found by its EPG source's event id; an end before the beginning answers 21."""
    args = ctx.args
    catalogue.programme_time_specify(client=ctx.client, event_id=args.external_id.strip(), begin_time=args.start,
                                     end_time=args.stop)
    return ok()
