"""Content API, group SkipVideoFragment: parts of a video file players offer to skip (intro, recap,
credits, adverts), in seconds to the millisecond. VideoFileDetail lists them."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from tvmiddleware.models import SkipFragmentType, SkipVideoFragment, VideoFile
from tvmiddleware.services import catalogue

from .helpers import Choice, Dec, SignedContext, content_method, ok, required, scoped_get

FRAGMENT_TYPE = Choice(tuple(SkipFragmentType.values))
SECONDS = Dec(places=3, max_value=9_999_999)


def _video_file(ctx: SignedContext, *, needed: bool) -> VideoFile | None:
    file_id = ctx.params.int("vfid", required=needed, min_value=1)
    return None if file_id is None else scoped_get(VideoFile, ctx.client, file_id, field="vfid")


def _fragment(ctx: SignedContext) -> SkipVideoFragment:
    return scoped_get(SkipVideoFragment, ctx.client, ctx.params.int("id", required=True, min_value=1), field="id")


@content_method
def skip_fragment_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    params = ctx.params
    video_file = _video_file(ctx, needed=True)
    fragment = catalogue.skip_fragment_create(
        video_file=video_file, type=required(FRAGMENT_TYPE.read(params, "type"), "type"),
        begin_time=required(SECONDS.read(params, "begin_time"), "begin_time"),
        end_time=required(SECONDS.read(params, "end_time"), "end_time"))
    # `id` is beyond the reference's answer; Modify and Delete need it.
    return ok(id=fragment.pk)


@content_method
def skip_fragment_modify(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    params = ctx.params
    catalogue.skip_fragment_modify(fragment=_fragment(ctx), video_file=_video_file(ctx, needed=False),
                                   type=FRAGMENT_TYPE.read(params, "type"),
                                   begin_time=SECONDS.read(params, "begin_time"),
                                   end_time=SECONDS.read(params, "end_time"))
    return ok()


@content_method
def skip_fragment_delete(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    catalogue.skip_fragment_delete(fragment=_fragment(ctx))
    return ok()
