"""Content API, group EPGProgram: the actual air times of a broadcast event.

The event is named by the EPG source's id (`external_id`, kept by the import as the programme's
`meta.event_id`). `start` and `stop` may be unix seconds, ISO-8601 or XMLTV times
(`YYYYMMDDhhmmss +zzzz`).
"""
from __future__ import annotations

import re
from datetime import datetime, timezone as dt_timezone

from django.http import HttpRequest, HttpResponse

from common.params import ParamError
from tvmiddleware.services import catalogue

from .helpers import SignedContext, Text, content_method, ok, parse_moment, required
from common.text import is_digits

_XMLTV = re.compile(r"^(\d{14})(?:\s*([+-]\d{4}))?$", re.ASCII)


def _moment(ctx: SignedContext, name: str) -> datetime:
    raw = required(Text(64).read(ctx.params, name), name).strip()
    if is_digits(raw) and len(raw) <= 10:
        return datetime.fromtimestamp(int(raw), tz=dt_timezone.utc)
    if match := _XMLTV.match(raw):
        stamp, offset = match.groups()
        try:
            return datetime.strptime(stamp + (offset or "+0000"), "%Y%m%d%H%M%S%z")
        except ValueError:
            raise ParamError(name, "not a valid time") from None
    return parse_moment(raw, name)


@content_method
def epg_program_time_specify(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    event_id = required(Text(128).read(ctx.params, "external_id"), "external_id")
    catalogue.programme_time_specify(client=ctx.client, event_id=event_id.strip(), begin_time=_moment(ctx, "start"),
                                     end_time=_moment(ctx, "stop"))
    return ok()
