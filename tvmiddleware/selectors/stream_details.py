"""Tracks, qualities and DRM of the operator's channels, kept per process between changes.

`channel/url` and `program/url` answer them with every stream address, and both are among the
busiest methods: so an operator's whole set is read at once (seven queries, whatever the number of
channels) and kept per process, keyed by a `SharedGeneration` that every save or delete of a track,
quality or DRM profile (and of a profile's channels, servers and device types) renews on commit. The
writing process sees a change at once, the others within `REFRESH_SECONDS`; entries also expire after
`KEEP_SECONDS` whatever happens. Warm, a stream URL reads no SQL for them, configured or not.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from common.generations import SharedGeneration

from ..models import (
    AudioTrack, Channel, DrmProfile, StreamService, StreamServiceType, SubtitleTrack, VideoQuality,
)
from ..streaming.access import LocalCache

KEEP_SECONDS = 600
REFRESH_SECONDS = 1.0

DETAILS = SharedGeneration("stream-details", refresh_seconds=REFRESH_SECONDS)
_kept = LocalCache(1000)


@dataclass(frozen=True)
class Track:
    """An audio or subtitle track, or a video quality, of a channel (fields a kind lacks stay empty)."""

    index: int
    lang: str = ""
    display_name: str = ""
    is_default: bool = False
    type: str = ""
    url: str = ""
    stream_name: str = ""
    bitrate: int | None = None


@dataclass(frozen=True)
class Drm:
    """An enabled DRM profile, as a player needs it, with the device types it is for (empty: all)."""

    id: int
    type: str
    provider: str
    license_url: str
    certificate_url: str
    params: str
    priority: int
    device_type_ids: frozenset[int]

    def fits(self, device_type_id: int | None) -> bool:
        return not self.device_type_ids or device_type_id in self.device_type_ids


@dataclass(frozen=True)
class ChannelDetails:
    """What a channel's stream carries besides the picture, and its own DRM profiles (by priority)."""

    audio: tuple[Track, ...] = ()
    subtitles: tuple[Track, ...] = ()
    qualities: tuple[Track, ...] = ()
    drm: tuple[Drm, ...] = ()

    def quality(self, pid: str | int | None) -> Track | None:
        """The quality the app asked for by its index (`video_pid`), if the channel has it."""
        return _by_index(self.qualities, pid)


NO_DETAILS = ChannelDetails()


class DrmUnavailable(Exception):
    """The stream is protected, but by no profile this device type may use."""


@dataclass(frozen=True)
class OperatorDetails:
    channels: dict[int, ChannelDetails] = field(default_factory=dict)
    service_drm: dict[int, tuple[Drm, ...]] = field(default_factory=dict)
    # What channel/list's `drm_available` says (see `drm_available`).
    protected_channels: frozenset[int] = frozenset()  # named by a profile, or naming a protected live server
    listing_channels: frozenset[int] = frozenset()  # channels that name their live servers
    unlisted_protected: bool = False  # the others may be served by any live server, and one is protected
    fingerprint: tuple = ()  # the facts above, the same in every process: for channel/list's validators

    def channel(self, channel_id: int) -> ChannelDetails:
        return self.channels.get(channel_id, NO_DETAILS)

    def drm_available(self, channel_id: int) -> bool:
        """Whether the channel's live stream may come protected (on some device type or server)."""
        return channel_id in self.protected_channels or (
            self.unlisted_protected and channel_id not in self.listing_channels)

    def drm(self, *, channel_id: int, stream_service_id: int, device_type_id: int | None) -> Drm | None:
        """The profile a player of this device type decrypts the channel's stream from this server with.

        None: the stream is not protected (neither the channel nor the server names a profile). The
        channel's own profiles win over the server's; among those fitting the device type, the lowest
        priority. Raises `DrmUnavailable` when the stream is protected but no profile fits."""
        profiles = self.channel(channel_id).drm or self.service_drm.get(stream_service_id, ())
        if not profiles:
            return None
        for profile in profiles:  # by priority
            if profile.fits(device_type_id):
                return profile
        raise DrmUnavailable()


def _by_index(tracks: tuple[Track, ...], pid: str | int | None) -> Track | None:
    if pid is None or pid == "":
        return None
    wanted = str(pid).strip()
    return next((t for t in tracks if str(t.index) == wanted), None)


def operator_details(*, client_id: int) -> OperatorDetails:
    """Every channel's tracks, qualities and DRM profiles of the operator (no query when warm)."""
    key = (client_id, DETAILS.current())
    found = _kept.get(key)
    if found is None:
        found = _load(client_id)
        if DETAILS.current() == key[1]:  # nothing changed while reading
            _kept.set(key, found, KEEP_SECONDS)
    return found


def channel_details(*, client_id: int, channel_id: int) -> ChannelDetails:
    return operator_details(client_id=client_id).channel(channel_id)


def _load(client_id: int) -> OperatorDetails:
    rows: dict[int, dict[str, list[Any]]] = defaultdict(lambda: {"audio": [], "subtitles": [], "qualities": [],
                                                                 "drm": []})
    for channel_id, index, lang, name, default in (
            AudioTrack.objects.for_client(client_id).order_by("channel_id", "index", "id")
            .values_list("channel_id", "index", "lang", "display_name", "is_default")):
        rows[channel_id]["audio"].append(Track(index=index, lang=lang, display_name=name, is_default=default))
    for channel_id, index, kind, lang, name, url in (
            SubtitleTrack.objects.for_client(client_id).order_by("channel_id", "index", "id")
            .values_list("channel_id", "index", "type", "lang", "display_name", "url")):
        rows[channel_id]["subtitles"].append(Track(index=index, type=kind, lang=lang, display_name=name, url=url))
    for channel_id, index, name, stream_name, bitrate in (
            VideoQuality.objects.for_client(client_id).order_by("channel_id", "index", "id")
            .values_list("channel_id", "index", "display_name", "stream_name", "bitrate")):
        rows[channel_id]["qualities"].append(Track(index=index, display_name=name, stream_name=stream_name,
                                                   bitrate=bitrate))

    profiles = list(DrmProfile.objects.for_client(client_id).filter(enabled=True).order_by("priority", "id")
                    .values_list("id", "type", "provider", "license_url", "certificate_url", "params", "priority"))
    ids = [row[0] for row in profiles]
    device_types: dict[int, set[int]] = defaultdict(set)
    channels: dict[int, list[int]] = defaultdict(list)
    services: dict[int, list[int]] = defaultdict(list)
    if ids:
        for profile_id, device_type_id in (DrmProfile.device_types.through.objects.filter(drmprofile_id__in=ids)
                                           .values_list("drmprofile_id", "devicetype_id")):
            device_types[profile_id].add(device_type_id)
        for profile_id, channel_id in (DrmProfile.channels.through.objects.filter(drmprofile_id__in=ids)
                                       .values_list("drmprofile_id", "channel_id")):
            channels[profile_id].append(channel_id)
        for profile_id, service_id in (DrmProfile.stream_services.through.objects.filter(drmprofile_id__in=ids)
                                       .values_list("drmprofile_id", "streamservice_id")):
            services[profile_id].append(service_id)
    service_drm: dict[int, list[Drm]] = defaultdict(list)
    for profile_id, kind, provider, license_url, certificate_url, params, priority in profiles:  # by priority
        drm = Drm(id=profile_id, type=kind, provider=provider, license_url=license_url,
                  certificate_url=certificate_url, params=params, priority=priority,
                  device_type_ids=frozenset(device_types[profile_id]))
        for channel_id in channels[profile_id]:
            rows[channel_id]["drm"].append(drm)
        for service_id in services[profile_id]:
            service_drm[service_id].append(drm)
    protected = {channel_id for channel_id, found in rows.items() if found["drm"]}
    listed: dict[int, set[int]] = defaultdict(set)
    unlisted_protected = False
    if service_drm:  # channels a protected live server may serve (as `pick_stream_service` narrows them)
        protected_live = set(service_drm) & set(
            StreamService.objects.for_client(client_id).filter(type=StreamServiceType.LIVE, enabled=True)
            .values_list("id", flat=True))
        unlisted_protected = bool(protected_live)
        for channel_id, service_id in (Channel.stream_services.through.objects
                                       .filter(channel__client_id=client_id, streamservice__type=StreamServiceType.LIVE)
                                       .values_list("channel_id", "streamservice_id")):
            listed[channel_id].add(service_id)
        protected |= {channel_id for channel_id, ids in listed.items() if ids & protected_live}
    return OperatorDetails(
        channels={channel_id: ChannelDetails(**{kind: tuple(items) for kind, items in found.items()})
                  for channel_id, found in rows.items()},
        service_drm={service_id: tuple(items) for service_id, items in service_drm.items()},
        protected_channels=frozenset(protected), listing_channels=frozenset(listed),
        unlisted_protected=unlisted_protected,
        fingerprint=(tuple(sorted(protected)), tuple(sorted(listed)), unlisted_protected),
    )


# --- changes -------------------------------------------------------------------------------------------

def _changed(**kwargs: Any) -> None:
    DETAILS.bump_on_commit()


# Servers (enabled, type) and the channels' server lists decide which channels may come protected.
for _model in (AudioTrack, SubtitleTrack, VideoQuality, DrmProfile, StreamService):
    post_save.connect(_changed, sender=_model, dispatch_uid=f"tvmw-stream-details-save-{_model.__name__}")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"tvmw-stream-details-delete-{_model.__name__}")
for _relation in (DrmProfile.channels, DrmProfile.stream_services, DrmProfile.device_types,
                  Channel.stream_services):
    m2m_changed.connect(_changed, sender=_relation.through,
                        dispatch_uid=f"tvmw-stream-details-m2m-{_relation.field.name}")
