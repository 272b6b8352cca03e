"""Stream URLs: channel/url (live), program/url (archive, paused live TV), video/url (VOD).

Each answer carries a fresh one-time token (see `tvmiddleware.streaming.tokens`). `redirect=1`
(the default) answers an HTTP redirect to the stream; `redirect=0` answers JSON with `uri` and
`stream_service_id`. `exclude_service_id` (repeatable) skips servers the app failed on.
"""
from __future__ import annotations

import hmac
import logging
from datetime import datetime
from typing import NamedTuple

from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponseRedirect
from django.utils import timezone

from tvmiddleware.models import (
    Channel, EpgProgram, MaintenanceWindow, SkipVideoFragment, StreamServiceType, Video, VideoFile,
)
from tvmiddleware.plugins import PluginError, implementation
from common.errors import Invalid, NotFound
from tvmiddleware.streaming import access
from tvmiddleware.streaming.access import LocalCache
from tvmiddleware.streaming.conf import conf
from tvmiddleware.streaming.maintenance import MAINTENANCE_MESSAGE, channel_maintenance
from tvmiddleware.streaming.stream_urls import stream_url
from tvmiddleware.selectors import account_facts, guide_cache
from tvmiddleware.selectors.vod import parent_control_passed, video_access

from apikit.device import Auth, DeviceContext, SessionGone, device_method
from apikit.device_responses import error, ok, unixtime
from apikit.spec import INT, NUMBER, STR, ListOf, Obj, Param
from common.readers import Flag, Id, IntList, Text, Timestamp

from .errors import (
    CHANNEL_NOT_FOUND, CONTENT_REFUSED, DRM_UNAVAILABLE, INVALID_PARAM, PARTNER_STREAM_FAILED, PROGRAMME_NOT_FOUND,
    VIDEO_NOT_FOUND, VIDEO_REFUSED,
)
from . import stream_details

DEFAULT_ARCHIVE_SECONDS = 3 * 3600

logger = logging.getLogger("apis.device.streams")


class _Redirect(HttpResponseRedirect):
    # Stream URLs may use any scheme the video server speaks (http, https, rtmp, rtsp, udp...).
    allowed_schemes = ["http", "https", "rtmp", "rtmps", "rtsp", "udp", "rtp"]


# What every stream URL method takes besides its content's id.
COMMON_PARAMS = (
    Param("parent_code", Text(32), default="", description="The account's PIN, for locked content."),
    Param("exclude_service_id", IntList(), description="Stream services to skip (the app failed on them); repeatable."),
    Param("redirect", Flag(), default=True, description="1 (default): answer an HTTP 302 redirect to the stream; "
                                                        "0: answer JSON with `uri` and `stream_service_id`."),
)
CID = Param("cid", Id(), required=True, description="The channel's id.")


SKIP_FRAGMENT = Obj(type=INT, begin_time=NUMBER, end_time=NUMBER)


def _answer_shape(optional=(), **extra) -> Obj:
    return Obj(optional=optional, uri=STR, stream_service_id=INT, **extra)


def _details(ctx: DeviceContext, channel: Channel, service_id: int, *, subtitles: str):
    """(the tracks, qualities and DRM answer fields, None), or ({}, the DRM refusal); nothing for a redirect."""
    if ctx.args.redirect:
        return {}, None
    try:
        return stream_details.detail_fields(ctx, channel_id=channel.pk, stream_service_id=service_id,
                                            subtitles=subtitles), None
    except stream_details.DrmUnavailable:
        return {}, error(DRM_UNAVAILABLE, "The stream is protected by no DRM this device type can use.")


def _excluded(ctx: DeviceContext) -> list[int]:
    return ctx.args.exclude_service_id or []


def _answer(ctx: DeviceContext, url: str, service_id: int, **extra):
    if ctx.args.redirect:
        return _Redirect(url)
    return ok(uri=url, stream_service_id=service_id, error_message="", **extra)


class _Channel(NamedTuple):
    """A channel asked for, and whether it is PIN-locked for this account."""

    channel: Channel
    locked: bool


def _channel(ctx: DeviceContext) -> _Channel | None:
    """The enabled channel `cid` (from the per-process line-up) and its lock for the account (the
    account's own setting over the channel's flag): no query when warm."""
    channel = guide_cache.enabled_channels(client_id=ctx.client.pk).get(ctx.args.cid)
    if channel is None:
        return None
    own = account_facts.channel_flags(client_id=ctx.client.pk, account_id=ctx.session.account_id).get(channel.pk)
    return _Channel(channel, channel.is_parent_control if own is None or own.is_parent_control is None
                    else own.is_parent_control)


def _pin_ok(ctx: DeviceContext, locked: bool) -> bool:
    """Locked content opens only with the account's PIN (when the account has one: its access
    snapshot tells, so the account row is read only to compare a PIN)."""
    if not locked or not access.account_state(ctx.session.account_id, for_device_api=True).has_parent_code:
        return True
    code = ctx.account.parent_code
    if not code:
        return True
    given = ctx.args.parent_code
    return hmac.compare_digest(code.encode(), given.encode("utf-8", "replace"))


def _refusal(ctx: DeviceContext, kind: str, content_id: int):
    """None when the account may watch; else the error answer (inactive account or not in tariffs).
    Decided on the account's cached access snapshot (`access.account_state`), without reading the
    account row."""
    state = access.account_state(ctx.session.account_id, for_device_api=True)
    if not state.exists:
        raise SessionGone()
    if not access.state_allows(state, kind, content_id):
        message = "The content is not available to this account." if state.active else "The account is not active."
        return error(CONTENT_REFUSED, message, status_reason=state.status_reason)
    return None


def _under_maintenance(channel: Channel):
    """None, or the answer for a channel whose servers are under maintenance (streaming/maintenance.py)."""
    if not _has_maintenance_windows(channel.client_id):
        return None
    works = channel_maintenance(channel=channel)
    return None if works is None else error(CONTENT_REFUSED, MAINTENANCE_MESSAGE, maintenance_until=unixtime(works.until))


# Maintenance windows are rare, and every stream URL asks about them: whether an operator has any
# window that has not ended is kept per process for TVMIDDLEWARE_ACCESS_LOCAL_CACHE_SECONDS (dropped
# at once in this process when a window is saved); only then is the channel's own rule asked.
_maintenance_clients = LocalCache(2000)


def _has_maintenance_windows(client_id: int) -> bool:
    known = _maintenance_clients.get(client_id)
    if known is None:
        known = MaintenanceWindow.objects.for_client(client_id).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=timezone.now())).exists()
        _maintenance_clients.set(client_id, known, conf().local_cache_seconds)
    return known


def _forget_maintenance(**kwargs) -> None:
    _maintenance_clients.clear()


post_save.connect(_forget_maintenance, sender=MaintenanceWindow, dispatch_uid="tvmw-maintenance-save")
post_delete.connect(_forget_maintenance, sender=MaintenanceWindow, dispatch_uid="tvmw-maintenance-delete")
m2m_changed.connect(_forget_maintenance, sender=MaintenanceWindow.channels.through,
                    dispatch_uid="tvmw-maintenance-m2m")


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    CID, *COMMON_PARAMS, stream_details.GET_DRM_INFO, *stream_details.track_params(numbers=False),
), errors=(CHANNEL_NOT_FOUND, CONTENT_REFUSED, DRM_UNAVAILABLE),
    response=_answer_shape(archive_preview_url_mask=STR, lock_banner=STR, optional=stream_details.OPTIONAL,
                           **stream_details.answer_shape(subtitles="subtitle_tracks")))
def channel_url(request, ctx: DeviceContext):
    """The live stream of a channel: a redirect to its URL with a fresh one-time token.

    Refused (1, with `status_reason` or `maintenance_until`) when the tariffs do not open the
    channel, the account is not active, the channel is PIN-locked and `parent_code` is wrong, or
    the channel's servers are under maintenance."""
    found = _channel(ctx)
    if found is None:
        return error(CHANNEL_NOT_FOUND, "Channel not found.")
    channel = found.channel
    refusal = _refusal(ctx, StreamServiceType.LIVE, channel.pk)
    if refusal is not None:
        return refusal
    if not _pin_ok(ctx, found.locked):
        return error(CONTENT_REFUSED, "Parental control: this channel needs the account's parent_code.")
    if (works := _under_maintenance(channel)) is not None:
        return works
    try:
        url, service = stream_url(account=ctx.account_ref, kind=StreamServiceType.LIVE, channel=channel, ip=ctx.ip,
                                  exclude_service_ids=_excluded(ctx),
                                  stream_name=stream_details.chosen_stream_name(ctx, channel.pk))
    except (NotFound, Invalid) as exc:
        return error(CONTENT_REFUSED, exc.message)
    details, refusal = _details(ctx, channel, service.pk, subtitles="subtitle_tracks")
    if refusal is not None:
        return refusal
    return _answer(ctx, url, service.pk, archive_preview_url_mask="", lock_banner="", **details)


class _ProgrammeTimes(NamedTuple):
    begin_time: datetime
    end_time: datetime
    is_blocked: bool


def _program_window(ctx: DeviceContext, channel: Channel) -> tuple[object, int] | None:
    """(begin, duration) of the requested recording: by programme id and/or a moment in time."""
    pid, moment = ctx.args.pid, ctx.args.time
    program = None
    if pid is not None:
        row = guide_cache.programme_times(client_id=ctx.client.pk, epg_channel_id=channel.epg_channel_id,
                                          programme_id=pid) if channel.epg_channel_id else None
        if row is None:
            return None
        program = _ProgrammeTimes(row["begin_time"], row["end_time"], row["is_blocked"])
    elif channel.epg_channel_id:
        program = (EpgProgram.objects.for_client(ctx.client).filter(epg_channel_id=channel.epg_channel_id)
                   .filter(begin_time__lte=moment, end_time__gt=moment).first())
    if program is not None and program.is_blocked:
        raise Invalid("The recording of this programme is not available.")
    if program is None:  # no guide for that moment: a fixed-length window from it
        return moment, DEFAULT_ARCHIVE_SECONDS
    begin = moment if moment is not None and program.begin_time <= moment < program.end_time else program.begin_time
    return begin, int((program.end_time - begin).total_seconds())


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    CID,
    Param("pid", Id(), description="The programme's id (pid or time is required)."),
    Param("time", Timestamp(), description="A moment inside the wanted recording; without a guide entry a 3-hour "
                                           "window from it."),
    Param("tv_pause", Flag(), default=False, description="1: paused live TV (the recording runs up to now)."),
    *COMMON_PARAMS, stream_details.GET_DRM_INFO, *stream_details.track_params(numbers=True),
), errors=(CHANNEL_NOT_FOUND, PROGRAMME_NOT_FOUND, CONTENT_REFUSED, DRM_UNAVAILABLE),
    response=_answer_shape(preview_uri_mask=STR, lock_banner=STR, optional=stream_details.OPTIONAL,
                           **stream_details.answer_shape(subtitles="subtitles")))
def program_url(request, ctx: DeviceContext):
    """The archive recording of a programme, or paused live TV: a redirect to its URL.

    A programme still running is served up to now. Refused like channel/url (1), and when the
    programme's recording is blocked."""
    found = _channel(ctx)
    if found is None:
        return error(CHANNEL_NOT_FOUND, "Channel not found.")
    channel = found.channel
    if ctx.args.pid is None and ctx.args.time is None:
        return error(INVALID_PARAM, "Either pid or time is required.", error_fields={"pid": "required"})
    try:
        window = _program_window(ctx, channel)
    except Invalid as exc:
        return error(CONTENT_REFUSED, exc.message)
    if window is None:
        return error(PROGRAMME_NOT_FOUND, "Programme not found.")
    refusal = _refusal(ctx, StreamServiceType.ARCHIVE, channel.pk)
    if refusal is not None:
        return refusal
    if not _pin_ok(ctx, found.locked):
        return error(CONTENT_REFUSED, "Parental control: this channel needs the account's parent_code.")
    if (works := _under_maintenance(channel)) is not None:
        return works
    begin, duration = window
    # A programme still running is served up to now (Flussonic cannot record the future).
    now = timezone.now()
    duration = max(1, min(duration, int((now - begin).total_seconds()))) if begin < now else duration
    try:
        url, service = stream_url(account=ctx.account_ref, kind=StreamServiceType.ARCHIVE, channel=channel,
                                  begin=begin, duration=duration, tv_pause=ctx.args.tv_pause, ip=ctx.ip,
                                  exclude_service_ids=_excluded(ctx))
    except (NotFound, Invalid) as exc:
        return error(CONTENT_REFUSED, exc.message)
    details, refusal = _details(ctx, channel, service.pk, subtitles="subtitles")
    if refusal is not None:
        return refusal
    return _answer(ctx, url, service.pk, preview_uri_mask="", lock_banner="", **details)


@device_method(auth=Auth.SESSION, invalid_param_error=INVALID_PARAM, params=(
    Param("vid", Id(), required=True, description="The video's id."),
    Param("vfid", Id(), description="The video file's id (default: the title's main file)."),
    Param("device", Text(64), description="The device type's system name (an online cinema may serve by it)."),
    *COMMON_PARAMS,
), errors=(VIDEO_NOT_FOUND, VIDEO_REFUSED, PARTNER_STREAM_FAILED, CONTENT_REFUSED),
    response=_answer_shape(ext_id=STR, ext_partner_id=STR, ext_auth_token=STR, ext_apikey=STR,
                           skip_video_fragments=ListOf(SKIP_FRAGMENT)))
def video_url(request, ctx: DeviceContext):
    """The stream of a video (VOD): a redirect to its URL; an online cinema's title is served by the cinema.

    Codes: 1 no such video or file (or no stream service can serve it), 3 the account is not active,
    the title is neither bought nor in the tariffs, or parental control; 2 the cinema gave no address.
    An online cinema's title also carries what apps need to play it with the cinema's own SDK
    (`ext_partner_id`, `ext_auth_token`, `ext_apikey`; empty for the operator's own titles).
    `skip_video_fragments`: the parts of the played file (`vfid`, else the title's first) that players
    offer to skip (type 0 intro, 1 recap, 2 credits, 3 advertising; seconds), as the Content API set them."""
    video = Video.objects.for_client(ctx.client).filter(pk=ctx.args.vid, available=True).first()
    if video is None:
        return error(VIDEO_NOT_FOUND, "Video not found.")
    file = None
    if ctx.args.vfid is not None:
        file = VideoFile.objects.for_client(ctx.client).filter(pk=ctx.args.vfid, video=video).first()
        if file is None:
            return error(VIDEO_NOT_FOUND, "Video file not found.")
    if not ctx.account.active:
        return error(VIDEO_REFUSED, "The account is not active.", status_reason=ctx.account.status_reason)
    if not video_access(customer=ctx.customer, video=video, account=ctx.account).allowed:
        return error(VIDEO_REFUSED, "This title is not available to the account: buy it or subscribe to a tariff.")
    if not parent_control_passed(account=ctx.account, video=video, parent_code=ctx.args.parent_code):
        return error(VIDEO_REFUSED, "Parental control: this title needs the account's parent_code.")
    partner = implementation(video.external_system if video.external_system_id else None, "get_video_url")
    if partner is not None:  # an online cinema serves its own titles (the plugin signs the request)
        try:
            url = partner.get_video_url(account=ctx.account, video=video, file=file,
                                        device=ctx.device_type.system_name if ctx.device_type else "")
        except PluginError as exc:
            return error(PARTNER_STREAM_FAILED, str(exc))  # the cinema did not give a stream address
        return _answer(ctx, url, 0, ext_id=video.ext_id, skip_video_fragments=_skip_fragments(ctx, video, file),
                       **_partner_playback(ctx, video))
    try:
        url, service = stream_url(account=ctx.account, kind=StreamServiceType.VOD, video=video, file=file, ip=ctx.ip,
                                  exclude_service_ids=_excluded(ctx))
    except (NotFound, Invalid) as exc:
        return error(CONTENT_REFUSED, exc.message)
    return _answer(ctx, url, service.pk, ext_id=video.ext_id, skip_video_fragments=_skip_fragments(ctx, video, file),
                   **_partner_playback(ctx, video))


PARTNER_PLAYBACK_FIELDS = ("ext_partner_id", "ext_auth_token", "ext_apikey")


def _skip_fragments(ctx: DeviceContext, video: Video, file: VideoFile | None) -> list[dict]:
    """The skippable parts of the file played: `file`, else the title's first (as `stream_url` picks it)."""
    if ctx.args.redirect:
        return []  # a redirect carries no fields
    fragments = SkipVideoFragment.objects.for_client(ctx.client).order_by("begin_time", "id")
    if file is not None:
        fragments = fragments.filter(video_file=file)
    else:
        fragments = fragments.filter(video_file_id=video.files.values("pk")[:1])
    return [{"type": f.type, "begin_time": float(f.begin_time), "end_time": float(f.end_time)} for f in fragments]


def _partner_playback(ctx: DeviceContext, video: Video) -> dict[str, str]:
    """`ext_partner_id`, `ext_auth_token`, `ext_apikey` of an online cinema's title (its plugin's
    `video_playback_credentials`), empty for the operator's own titles. A cinema that cannot be
    reached leaves them empty: the stream address is still answered."""
    fields = dict.fromkeys(PARTNER_PLAYBACK_FIELDS, "")
    if ctx.args.redirect:
        return fields  # a redirect carries no fields: do not ask the cinema for nothing
    partner = implementation(video.external_system if video.external_system_id else None,
                             "video_playback_credentials")
    if partner is None:
        return fields
    try:
        given = partner.video_playback_credentials(
            account=ctx.account, video=video, device=ctx.device_type.system_name if ctx.device_type else "")
    except PluginError as exc:
        logger.warning("video/url: no playback credentials of title %s from its cinema: %s", video.pk, exc)
        return fields
    fields.update({name: str(given[name]) for name in PARTNER_PLAYBACK_FIELDS if given.get(name)})
    return fields
