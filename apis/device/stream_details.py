"""What channel/url and program/url answer besides the address: the channel's audio and subtitle
tracks, its video qualities and, asked with `get_drm_info=1`, how to decrypt the stream.

The rows come from the operator's per-process copy (`tvmiddleware.selectors.stream_details`): no
query when warm, configured or not. The two methods name the subtitle list differently, as the
reference does: `subtitle_tracks` in channel/url, `subtitles` in program/url.
"""
from __future__ import annotations

from typing import Any

from tvmiddleware.selectors.stream_details import (
    ChannelDetails, DrmUnavailable, Track, channel_details, operator_details,
)

from apikit.device import DeviceContext
from apikit.device_responses import flag
from apikit.spec import FLAG, INT, STR, ListOf, Obj, Param
from common.readers import Flag, Int, Text

AUDIO_TRACK = Obj(index=INT, is_active=FLAG, lang=STR, display_name=STR)
SUBTITLE_TRACK = Obj(index=INT, type=STR, lang=STR, url=STR, display_name=STR, is_active=FLAG)
VIDEO_QUALITY = Obj(index=INT, display_name=STR, is_active=FLAG, bitrate=INT)
DRM = Obj(license_url=STR, params=STR, provider=STR, type=STR, certificate_url=STR)

GET_DRM_INFO = Param("get_drm_info", Flag(), default=False,
                     description="1: answer `drm`, how to decrypt the stream (left out when it is not protected).")
TRACK_PARAM_TEXT = "The index of the {} the app picked (marked `is_active`)."


def track_params(*, numbers: bool) -> tuple[Param, ...]:
    """`audio_pid`, `text_pid`, `video_pid`: strings in channel/url, numbers in program/url."""
    reader = Int(0, 65535) if numbers else Text(32)
    return (
        Param("audio_pid", reader, description=TRACK_PARAM_TEXT.format("sound track")),
        Param("text_pid", reader, description=TRACK_PARAM_TEXT.format("subtitle track")),
        Param("video_pid", reader, description=TRACK_PARAM_TEXT.format("video quality") + " In channel/url a "
              "quality with a stream of its own is served from that stream."),
    )


def answer_shape(*, subtitles: str) -> dict[str, Any]:
    """The answer fields the two methods add (`drm` only with get_drm_info=1 and a protected stream)."""
    return {"audio_tracks": ListOf(AUDIO_TRACK), subtitles: ListOf(SUBTITLE_TRACK),
            "video_qualities": ListOf(VIDEO_QUALITY), "drm": DRM}


OPTIONAL = ("drm",)


def chosen_stream_name(ctx: DeviceContext, channel_id: int) -> str:
    """The stream of the quality the app picked (`video_pid`), when that quality has one; else ""."""
    quality = channel_details(client_id=ctx.client.pk, channel_id=channel_id).quality(ctx.args.video_pid)
    return quality.stream_name if quality is not None else ""


def _active(tracks: tuple[Track, ...], pid: Any, *, default: Track | None) -> int | None:
    """The index of the picked track: the one the app asked for, else the default."""
    wanted = "" if pid is None else str(pid).strip()
    for track in tracks:
        if wanted and str(track.index) == wanted:
            return track.index
    return default.index if default is not None else None


def detail_fields(ctx: DeviceContext, *, channel_id: int, stream_service_id: int, subtitles: str) -> dict[str, Any]:
    """The tracks, qualities and (get_drm_info=1) DRM of a channel's stream from this server.

    Raises `DrmUnavailable` when the DRM was asked for and no profile fits the device type."""
    details: ChannelDetails = channel_details(client_id=ctx.client.pk, channel_id=channel_id)
    default_audio = next((t for t in details.audio if t.is_default), details.audio[0] if details.audio else None)
    audio = _active(details.audio, ctx.args.audio_pid, default=default_audio)
    text = _active(details.subtitles, ctx.args.text_pid, default=None)
    video = _active(details.qualities, ctx.args.video_pid, default=None)
    fields: dict[str, Any] = {
        "audio_tracks": [{"index": t.index, "is_active": flag(t.index == audio), "lang": t.lang,
                          "display_name": t.display_name} for t in details.audio],
        subtitles: [{"index": t.index, "type": t.type, "lang": t.lang, "url": t.url, "display_name": t.display_name,
                     "is_active": flag(t.index == text)} for t in details.subtitles],
        "video_qualities": [{"index": t.index, "display_name": t.display_name, "is_active": flag(t.index == video),
                             "bitrate": t.bitrate or 0} for t in details.qualities],
    }
    if ctx.args.get_drm_info:
        device_type = ctx.device_type
        drm = operator_details(client_id=ctx.client.pk).drm(
            channel_id=channel_id, stream_service_id=stream_service_id,
            device_type_id=device_type.pk if device_type is not None else None)
        if drm is not None:
            fields["drm"] = {"license_url": drm.license_url, "params": drm.params, "provider": drm.provider,
                             "type": drm.type, "certificate_url": drm.certificate_url}
    return fields


__all__ = ["DrmUnavailable", "GET_DRM_INFO", "OPTIONAL", "answer_shape", "chosen_stream_name", "detail_fields",
           "track_params"]
