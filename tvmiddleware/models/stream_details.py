"""What a player needs besides a channel's stream address: its tracks, its qualities and its DRM.

- `AudioTrack`, `SubtitleTrack`, `VideoQuality`: the tracks the operator's video server carries for
  a channel (the languages of its sound, its subtitles, the qualities it is encoded in). `channel/url`
  and `program/url` list them so the app can offer a choice before the player has parsed the stream.
- `DrmProfile`: how a protected stream is decrypted (Widevine, PlayReady, FairPlay): the license
  server and what the player sends it. A profile applies to the channels it names and to everything
  the stream services it names carry, on the device types it names (none: every type).
"""
from __future__ import annotations

from django.db import models

from .base import TenantModel, Timestamped

TRACK_INDEX_HELP = "The track's number in the stream, as the player numbers it (what the app selects)."
LANG_HELP = "Language code, e.g. rus, eng (ISO 639)."


class AudioTrack(TenantModel):
    """A sound track of a channel's stream."""

    channel = models.ForeignKey("tvmiddleware.Channel", on_delete=models.CASCADE, related_name="audio_tracks")
    index = models.PositiveSmallIntegerField(help_text=TRACK_INDEX_HELP)
    lang = models.CharField("language", max_length=16, blank=True, default="", help_text=LANG_HELP)
    display_name = models.CharField(max_length=100, blank=True, default="", help_text="Shown in the app's menu.")
    is_default = models.BooleanField("played by default", default=False,
                                     help_text="The track a player starts with (`is_active`) unless the app "
                                               "asks for another (`audio_pid`).")

    class Meta:
        ordering = ["channel", "index", "id"]
        constraints = [models.UniqueConstraint(fields=["channel", "index"], name="audiotrack_unique_index",
                                               violation_error_message="The channel has a sound track with "
                                                                       "this number already.")]

    def __str__(self) -> str:
        return self.display_name or self.lang or f"#{self.index}"


class SubtitleFormat(models.TextChoices):
    WEBVTT = "webvtt", "WebVTT"
    SRT = "srt", "SubRip (SRT)"
    TTML = "ttml", "TTML"
    DVB = "dvb", "DVB subtitles"
    TELETEXT = "teletext", "Teletext"
    CEA608 = "cea608", "Closed captions (CEA-608)"


class SubtitleTrack(TenantModel):
    """A subtitle track of a channel: carried in the stream, or a file at `url`."""

    channel = models.ForeignKey("tvmiddleware.Channel", on_delete=models.CASCADE, related_name="subtitle_tracks")
    index = models.PositiveSmallIntegerField(help_text=TRACK_INDEX_HELP)
    type = models.CharField("format", max_length=16, choices=SubtitleFormat.choices, default=SubtitleFormat.WEBVTT)
    lang = models.CharField("language", max_length=16, blank=True, default="", help_text=LANG_HELP)
    display_name = models.CharField(max_length=100, blank=True, default="", help_text="Shown in the app's menu.")
    url = models.URLField(max_length=1000, blank=True, default="",
                          help_text="A subtitle file outside the stream; empty when the stream carries them.")

    class Meta:
        ordering = ["channel", "index", "id"]
        constraints = [models.UniqueConstraint(fields=["channel", "index"], name="subtitletrack_unique_index",
                                               violation_error_message="The channel has a subtitle track with "
                                                                       "this number already.")]

    def __str__(self) -> str:
        return self.display_name or self.lang or f"#{self.index}"


class VideoQuality(TenantModel):
    """A quality a channel is encoded in. With a stream name of its own, an app that picks it
    (`video_pid`) gets that stream's address instead of the channel's adaptive one."""

    channel = models.ForeignKey("tvmiddleware.Channel", on_delete=models.CASCADE, related_name="video_qualities")
    index = models.PositiveSmallIntegerField(help_text=TRACK_INDEX_HELP)
    display_name = models.CharField(max_length=100, help_text="Shown in the app's menu, e.g. 1080p, HD.")
    stream_name = models.CharField(
        max_length=200, blank=True, default="",
        help_text="Stream name on the video server carrying only this quality (used for $prefix when the app "
                  "picks it); empty: the channel's own stream.")
    bitrate = models.PositiveIntegerField("bitrate, kbit/s", null=True, blank=True)

    class Meta:
        ordering = ["channel", "index", "id"]
        verbose_name_plural = "video qualities"
        constraints = [models.UniqueConstraint(fields=["channel", "index"], name="videoquality_unique_index",
                                               violation_error_message="The channel has a quality with this "
                                                                       "number already.")]

    def __str__(self) -> str:
        return self.display_name


class DrmType(models.TextChoices):
    WIDEVINE = "widevine", "Widevine"
    PLAYREADY = "playready", "PlayReady"
    FAIRPLAY = "fairplay", "FairPlay"


class DrmProfile(TenantModel, Timestamped):
    """How players decrypt the protected streams of some channels or stream services.

    A channel's own profiles win over those of the stream service that serves it; among several that
    fit the device type, the lowest `priority` wins (e.g. FairPlay for Apple TV, Widevine for the rest).
    """

    name = models.CharField(max_length=200)
    enabled = models.BooleanField(default=True)
    type = models.CharField("DRM system", max_length=16, choices=DrmType.choices)
    provider = models.CharField(max_length=100, blank=True, default="",
                                help_text="Who runs the license server (e.g. the DRM vendor's name); apps may "
                                          "choose their license request format by it.")
    license_url = models.URLField("license server URL", max_length=1000)
    certificate_url = models.URLField("certificate URL", max_length=1000, blank=True, default="",
                                      help_text="The server certificate (FairPlay needs one).")
    params = models.TextField(blank=True, default="",
                              help_text="Handed to the player as is (e.g. JSON of license request headers).")
    channels = models.ManyToManyField("tvmiddleware.Channel", related_name="drm_profiles", blank=True)
    stream_services = models.ManyToManyField("tvmiddleware.StreamService", related_name="drm_profiles", blank=True,
                                             help_text="Everything these servers stream is protected this way.")
    device_types = models.ManyToManyField("tvmiddleware.DeviceType", related_name="+", blank=True,
                                          help_text="Only on these device types; none: on every type.")
    priority = models.IntegerField(default=0, help_text="Lower first, when several profiles fit.")

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = "DRM profile"

    def __str__(self) -> str:
        return f"{self.name} ({self.get_type_display()})"
