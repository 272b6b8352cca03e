"""Start in the operator panel: the genre map and the per-device-type statistics switch (both
tenant-scoped: staff see and edit their operator's rows only). The integration itself is edited under
"API integrations with external systems" (attributes checked by `StartAPI.validate_attributes`)."""
from __future__ import annotations

from django.contrib import admin

from cinema_kit.admin import PartnerGenreMapAdmin
from tvmiddleware.admin.base import TenantAdmin

from .models import StartDeviceStatistics, StartGenreMap


@admin.register(StartGenreMap)
class StartGenreMapAdmin(PartnerGenreMapAdmin):
    """Start's genres (listed by the sync, or added by hand) and the operator's genre each one gives
    its titles. A change is applied to the titles on the next `cinema_start_sync_content`."""


@admin.register(StartDeviceStatistics)
class StartDeviceStatisticsAdmin(TenantAdmin):
    """Per device type: send viewing statistics of Start titles to Start (off unless a row says so)."""

    list_display = ["device_type", "send_statistics", "updated_at"]
    list_editable = ["send_statistics"]
    list_filter = ["send_statistics"]
    fields = ["device_type", "send_statistics"]
