"""Content API, group EPGChannel: the guide's channels and their icons.

EPGChannelIconUpload takes the icon as a multipart file (field `icon`, or `icon_url` holding the
file): it must be a PNG, JPEG, GIF or WebP image of at most 5 MB, checked by decoding it. Icons are
not fetched from addresses (the server would reach wherever a caller points it): an `icon_url` text
without a file answers 3. No extra icon sizes are configured here, so `extra_sizes` answers 2
(or 4 when the channel has no main icon to derive them from).
"""
from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse

from tvmiddleware.models import EpgChannel
from tvmiddleware.services import catalogue

from tvmiddleware.selectors import content as selectors
from apikit.spec import ANY, INT, STR, ListOf, Obj, Param, nullable
from .errors import BAD_SIZES, NO_MAIN_ICON, UPLOAD_FAILED
from .helpers import (
    PAGE, Flag, Id, Int, SignedContext, Text, content_method, fail, file_url, ok, page_params, paginate, required,
    scoped_get,
)

_SIZES = re.compile(r"^\d{1,5}_\d{1,5}(,\d{1,5}_\d{1,5})*\Z", re.ASCII)


@content_method(params=(
    Param("epg_channel_id", Id(), required=True, description="The guide channel."),
    Param("extra_sizes", Text(500), default="", description="WIDTH_HEIGHT,... (none are available here: 2)."),
    Param("skip_main_size", Flag(), default=False, description="Only make the extra sizes."),
    Param("icon_url", Text(2000), description="The image as a multipart file (or `icon`); an address answers 3."),
), errors=(BAD_SIZES, UPLOAD_FAILED, NO_MAIN_ICON), response=Obj())
def epg_channel_icon_upload(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Upload a guide channel's icon (a PNG, JPEG, GIF or WebP file of at most 5 MB).

    The image is the multipart file field `icon` (or `icon_url`); icons are not fetched from addresses."""
    args = ctx.args
    epg_channel = scoped_get(EpgChannel, ctx.client, args.epg_channel_id, field="epg_channel_id")
    sizes = args.extra_sizes.replace(" ", "")
    skip_main = args.skip_main_size
    if sizes and not _SIZES.match(sizes):
        return fail(BAD_SIZES, "extra_sizes is a list of WIDTH_HEIGHT separated by commas.",
                    fields={"extra_sizes": "invalid"})
    if sizes and skip_main and not epg_channel.icon:
        return fail(NO_MAIN_ICON, "The channel has no main icon to make extra sizes from.")
    if sizes:
        return fail(BAD_SIZES, "No extra icon sizes are available.", fields={"extra_sizes": "not available"})
    if skip_main:
        return ok()
    upload = request.FILES.get("icon") or request.FILES.get("icon_url")
    if upload is None:
        required(args.icon_url, "icon_url")
        return fail(UPLOAD_FAILED, "Icons are not fetched from addresses: upload the image as the multipart "
                                   "file field 'icon'.", fields={"icon_url": "upload the file"})
    try:
        catalogue.epg_channel_icon_set(epg_channel=epg_channel, upload=upload)
    except catalogue.BadImage as exc:
        return fail(UPLOAD_FAILED, exc.message, fields=exc.fields)
    return ok()


@content_method(params=(*PAGE, Param("source", Int(0), description="Only channels of this EPG source.")),
                response=Obj(count=INT, channels=ListOf(Obj(
                    id=INT, source=nullable(INT), icon_url=STR, source_channel_id=STR, extra_category_ids=ListOf(INT),
                    sort_number=INT, timeshift=INT, source_update_date=nullable(STR), extra_icons=ANY))))
def epg_channel_list(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """The operator's guide channels, a page at a time."""
    page, limit = page_params(ctx.args)
    queryset = selectors.epg_channels(client=ctx.client, source_id=ctx.args.source)
    rows, count = paginate(queryset, page, limit)
    return ok(count=count, channels=[{
        "id": row.pk, "source": row.source_id, "icon_url": file_url(request, row.icon),
        "source_channel_id": row.ext_id, "extra_category_ids": [], "sort_number": 0, "timeshift": 0,
        "source_update_date": row.source.last_import_at.isoformat() if row.source and row.source.last_import_at
        else None,
        "extra_icons": {},
    } for row in rows])
