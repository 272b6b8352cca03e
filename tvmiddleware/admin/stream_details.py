"""A channel's tracks and qualities (inlines of the channel page) and the DRM profiles of protected
streams: what apps get with channel/url and program/url besides the address."""
from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from tvmiddleware.models import AudioTrack, DrmProfile, SubtitleTrack, VideoQuality

from .base import TenantAdmin, TenantTabularInline


class AudioTrackInline(TenantTabularInline):
    model = AudioTrack
    fields = ["index", "lang", "display_name", "is_default"]
    verbose_name_plural = "sound tracks (listed by channel/url and program/url)"


class SubtitleTrackInline(TenantTabularInline):
    model = SubtitleTrack
    fields = ["index", "type", "lang", "display_name", "url"]
    verbose_name_plural = "subtitle tracks"


class VideoQualityInline(TenantTabularInline):
    model = VideoQuality
    fields = ["index", "display_name", "stream_name", "bitrate"]


STREAM_DETAIL_INLINES = [AudioTrackInline, SubtitleTrackInline, VideoQualityInline]


@admin.register(DrmProfile)
class DrmProfileAdmin(TenantAdmin):
    """How players decrypt protected streams: apps get the profile with `get_drm_info=1`. A profile
    covers the channels it names and everything the stream services it names carry (a channel's own
    profiles win), on the device types it names (none: all); among several, the lowest priority."""

    list_display = ["name", "type", "provider", "license_url", "enabled", "priority", "channel_count",
                    "service_count"]
    list_filter = ["enabled", "type"]
    search_fields = ["name", "provider", "license_url"]
    filter_horizontal = ["channels", "stream_services", "device_types"]
    fieldsets = [
        (None, {"fields": ["name", "enabled", "priority"]}),
        ("License", {"fields": ["type", "provider", "license_url", "certificate_url", "params"]}),
        ("Applies to", {"fields": ["channels", "stream_services", "device_types"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(channels_total=Count("channels", distinct=True),
                                                      services_total=Count("stream_services", distinct=True))

    @admin.display(description="channels", ordering="channels_total")
    def channel_count(self, obj: DrmProfile) -> int:
        return getattr(obj, "channels_total", 0)

    @admin.display(description="stream services", ordering="services_total")
    def service_count(self, obj: DrmProfile) -> int:
        return getattr(obj, "services_total", 0)
