"""Guest browsing (the noauth methods' switch and what guests see), trailers, and online cinemas' logos."""
from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from tvmiddleware.models import GuestBrowsing, ProviderBranding, VideoTrailer, staff_client_id

from .base import TenantAdmin


@admin.register(GuestBrowsing)
class GuestBrowsingAdmin(TenantAdmin):
    """The operator's guest browsing: off until switched on here. While on, the apps may show the
    channels and titles of the chosen tariffs (none chosen: every enabled tariff not hidden from apps)
    to visitors who have not logged in; they never get a stream, a title's trailers at most."""

    list_display = ["__str__", "enabled", "untariffed_titles", "tariff_count", "updated_at"]
    filter_horizontal = ["tariffs"]
    fields = ["enabled", "tariffs", "untariffed_titles", "updated_at"]
    readonly_fields = ["updated_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(tariffs_total=Count("tariffs"))

    @admin.display(description="tariffs", ordering="tariffs_total")
    def tariff_count(self, obj: GuestBrowsing) -> Any:
        return getattr(obj, "tariffs_total", 0) or "all for sale"

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One row per operator: staff whose operator has one change it instead.
        if not super().has_add_permission(request):
            return False
        client_id = staff_client_id(request.user)
        return client_id is None or not GuestBrowsing.objects.for_client(client_id).exists()


@admin.register(VideoTrailer)
class VideoTrailerAdmin(TenantAdmin):
    """Trailers of titles, at public addresses: the only thing apps play to guests (noauth/video/url)."""

    list_display = ["__str__", "video", "quality", "duration", "sort"]
    list_select_related = ["video"]
    search_fields = ["name", "video__name"]
    autocomplete_fields = ["video"]
    fields = ["video", "name", "url", "quality", "duration", "sort"]


@admin.register(ProviderBranding)
class ProviderBrandingAdmin(TenantAdmin):
    """Logos of an online cinema, shown by apps in the provider list and on its titles."""

    list_display = ["__str__", "external_system"]
    list_select_related = ["external_system"]
    fields = ["external_system", "icon", "movie_label_icon", "movie_label_icon_black_bg", "movie_label_icon_mobile"]
