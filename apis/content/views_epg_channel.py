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
from .helpers import SignedContext, content_method, fail, file_url, ok, page_params, paginate, required, scoped_get

BAD_SIZES = 2
UPLOAD_FAILED = 3
NO_MAIN_ICON = 4
_SIZES = re.compile(r"^\d{1,5}_\d{1,5}(,\d{1,5}_\d{1,5})*\Z", re.ASCII)


@content_method
def epg_channel_icon_upload(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    params = ctx.params
    epg_channel = scoped_get(EpgChannel, ctx.client, params.int("epg_channel_id", required=True, min_value=1),
                             field="epg_channel_id")
    sizes = params.str("extra_sizes", max_length=500).replace(" ", "")
    skip_main = params.flag("skip_main_size")
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
        required(params.str("icon_url", max_length=2000), "icon_url")
        return fail(UPLOAD_FAILED, "Icons are not fetched from addresses: upload the image as the multipart "
                                   "file field 'icon'.", fields={"icon_url": "upload the file"})
    try:
        catalogue.epg_channel_icon_set(epg_channel=epg_channel, upload=upload)
    except catalogue.BadImage as exc:
        return fail(UPLOAD_FAILED, exc.message, fields=exc.fields)
    return ok()


@content_method
def epg_channel_list(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    page, limit = page_params(ctx.params)
    queryset = selectors.epg_channels(client=ctx.client, source_id=ctx.params.int("source", min_value=0))
    rows, count = paginate(queryset, page, limit)
    return ok(count=count, channels=[{
        "id": row.pk, "source": row.source_id, "icon_url": file_url(request, row.icon),
        "source_channel_id": row.ext_id, "extra_category_ids": [], "sort_number": 0, "timeshift": 0,
        "source_update_date": row.source.last_import_at.isoformat() if row.source and row.source.last_import_at
        else None,
        "extra_icons": {},
    } for row in rows])
