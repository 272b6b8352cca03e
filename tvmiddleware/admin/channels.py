"""The channel line-up and the programme guide (EPG)."""
from __future__ import annotations

from django.contrib import admin

from tvmiddleware.models import Channel, ChannelCategory, EpgChannel, EpgProgram, EpgSource

from .base import TenantAdmin
from .stream_details import STREAM_DETAIL_INLINES


@admin.register(ChannelCategory)
class ChannelCategoryAdmin(TenantAdmin):
    """Groups of channels in the apps' menus."""

    list_display = ["name", "sort"]
    list_editable = ["sort"]
    search_fields = ["name"]


@admin.register(Channel)
class ChannelAdmin(TenantAdmin):
    """Live channels: stream name on the video server, archive depth, the servers that carry them."""

    list_display = ["name", "category", "url_prefix", "max_archive_duration", "lcn_number", "sort", "enabled",
                    "is_hidden"]
    list_filter = ["enabled", "is_hidden", "category", "is_parent_control"]
    list_select_related = ["category"]
    search_fields = ["name", "url_prefix", "id_for_stream_service"]
    autocomplete_fields = ["epg_channel"]
    filter_horizontal = ["additional_categories", "stream_services"]
    inlines = STREAM_DETAIL_INLINES
    fieldsets = [
        (None, {"fields": ["name", "category", "additional_categories", "icon", "description", "sort",
                           "lcn_number", "enabled", "is_hidden", "is_parent_control"]}),
        ("Streaming", {"fields": ["url_prefix", "id_for_stream_service", "stream_services",
                                  "max_archive_duration", "timeshift_offset"]}),
        ("Guide", {"fields": ["epg_channel"]}),
        ("Options", {"fields": ["option1", "option2", "option3"], "classes": ["collapse"]}),
        ("Playback in apps", {"fields": ["pause_live_tv_shift", "aspect_ratio"]}),
        ("Audience measurement", {"fields": ["telemeter", "telemeter_account_name", "telemeter_tmsec_name",
                                             "telemeter_cat_id", "telemeter_vc_id", "telemeter_vc_version"],
                                  "classes": ["collapse"]}),
    ]


@admin.register(EpgSource)
class EpgSourceAdmin(TenantAdmin):
    """Programme data feeds."""

    list_display = ["name", "format", "url", "enabled", "last_import_at"]
    list_filter = ["enabled", "format"]
    search_fields = ["name", "url"]
    readonly_fields = ["last_import_at"]


@admin.register(EpgChannel)
class EpgChannelAdmin(TenantAdmin):
    """Channels as the EPG sources name them; line-up channels point to one of these."""

    list_display = ["name", "ext_id", "source"]
    list_filter = ["source"]
    list_select_related = ["source"]
    search_fields = ["name", "ext_id"]


@admin.register(EpgProgram)
class EpgProgramAdmin(TenantAdmin):
    """Programmes of the guide; usually imported, corrected here by hand."""

    list_display = ["name", "epg_channel", "begin_time", "end_time", "category", "is_blocked", "is_premiere"]
    list_filter = ["is_blocked", "is_premiere"]
    list_select_related = ["epg_channel"]
    search_fields = ["name", "epg_channel__name"]
    autocomplete_fields = ["epg_channel"]
    date_hierarchy = "begin_time"
    show_full_result_count = False  # the guide is large: skip the second COUNT(*)
