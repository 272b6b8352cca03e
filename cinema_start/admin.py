"""Start in the operator panel: the genre map and the per-device-type statistics switch (both
tenant-scoped: staff see and edit their operator's rows only). The integration itself is edited under
"API integrations with external systems" (attributes checked by `StartAPI.validate_attributes`)."""
from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from tvmiddleware.admin.base import TenantAdmin
from tvmiddleware.models import Genre

from .models import StartDeviceStatistics, StartGenreMap


class MappedFilter(admin.SimpleListFilter):
    title = "mapped"
    parameter_name = "mapped"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Mapped"), ("no", "Not mapped")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(genre__isnull=False)
        if self.value() == "no":
            return queryset.filter(genre__isnull=True)
        return queryset


@admin.register(StartGenreMap)
class StartGenreMapAdmin(TenantAdmin):
    """Start's genres (listed by the sync, or added by hand) and the operator's genre each one gives
    its titles. A change is applied to the titles on the next `cinema_start_sync_content`."""

    list_display = ["partner_name", "partner_genre_id", "genre", "updated_at"]
    list_editable = ["genre"]
    list_filter = [MappedFilter]
    search_fields = ["partner_name", "partner_genre_id"]
    fields = ["partner_genre_id", "partner_name", "genre"]
    actions = ["map_to_same_named_genres"]

    @admin.action(description="Map to a genre of the same name (created if missing)")
    def map_to_same_named_genres(self, request: HttpRequest, queryset: QuerySet) -> None:
        mapped = 0
        for row in queryset.filter(genre__isnull=True).exclude(partner_name=""):
            genre = (Genre.objects.for_client(row.client_id).filter(name__iexact=row.partner_name).first()
                     or Genre.objects.create(client_id=row.client_id, name=row.partner_name[:100]))
            row.genre = genre
            row.save(update_fields=["genre", "updated_at"])
            mapped += 1
        self.message_user(request, f"{mapped} Start genre(s) mapped; titles get them on the next sync.",
                          messages.SUCCESS)


@admin.register(StartDeviceStatistics)
class StartDeviceStatisticsAdmin(TenantAdmin):
    """Per device type: send viewing statistics of Start titles to Start (off unless a row says so)."""

    list_display = ["device_type", "send_statistics", "updated_at"]
    list_editable = ["send_statistics"]
    list_filter = ["send_statistics"]
    fields = ["device_type", "send_statistics"]
