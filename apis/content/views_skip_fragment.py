"""Content API, group SkipVideoFragment: parts of a video file players offer to skip (intro, recap,
credits, adverts), in seconds to the millisecond. VideoFileDetail lists them."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from tvmiddleware.models import SkipFragmentType, SkipVideoFragment, VideoFile
from tvmiddleware.services import catalogue

from apikit.spec import INT, Obj, Param
from .helpers import Choice, Dec, Id, SignedContext, content_method, ok, scoped_get

FRAGMENT_TYPE = Choice(tuple(SkipFragmentType.values))
SECONDS = Dec(places=3, max_value=9_999_999)
ID = Param("id", Id(), required=True, description="The fragment.")


def _video_file(ctx: SignedContext) -> VideoFile | None:
    file_id = ctx.args.vfid
    return None if file_id is None else scoped_get(VideoFile, ctx.client, file_id, field="vfid")


def _fragment(ctx: SignedContext) -> SkipVideoFragment:
    return scoped_get(SkipVideoFragment, ctx.client, ctx.args.id, field="id")


@content_method(params=(
    Param("vfid", Id(), required=True, description="The video file."),
    Param("type", FRAGMENT_TYPE, required=True, description="What the fragment is (intro, recap, credits...)."),
    Param("begin_time", SECONDS, required=True, description="Seconds from the start, to the millisecond."),
    Param("end_time", SECONDS, required=True, description="Seconds from the start, to the millisecond."),
), response=Obj(id=INT))
def skip_fragment_create(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Mark a part of a video file players offer to skip."""
    args = ctx.args
    fragment = catalogue.skip_fragment_create(video_file=_video_file(ctx), type=args.type,
                                              begin_time=args.begin_time, end_time=args.end_time)
    # `id` is beyond the reference's answer; Modify and Delete need it.
    return ok(id=fragment.pk)


@content_method(params=(
    ID,
    Param("vfid", Id(), description="Move the fragment to this video file."),
    Param("type", FRAGMENT_TYPE, description="What the fragment is."),
    Param("begin_time", SECONDS, description="Seconds from the start, to the millisecond."),
    Param("end_time", SECONDS, description="Seconds from the start, to the millisecond."),
), response=Obj())
def skip_fragment_modify(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Change a skip fragment (the fields given)."""
    args = ctx.args
    catalogue.skip_fragment_modify(fragment=_fragment(ctx), video_file=_video_file(ctx), type=args.type,
                                   begin_time=args.begin_time, end_time=args.end_time)
    return ok()


@content_method(params=(ID,), response=Obj())
def skip_fragment_delete(request: HttpRequest, ctx: SignedContext) -> HttpResponse:
    """Delete a skip fragment."""
    catalogue.skip_fragment_delete(fragment=_fragment(ctx))
    return ok()
