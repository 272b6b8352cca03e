"""MEGOGO in the operator panel: the genre map (edited by the operator), the sync's title records,
the partner users of customers. The integration itself and its attributes are edited under
"API integrations with external systems" (attributes checked by `MegogoAPI.validate_attributes`)."""
from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from tvmiddleware.admin.base import PanelAdminMixin, TenantAdmin, TenantScopedMixin
from tvmiddleware.models import Genre

from .models import GenreMapping, MegogoSubscriber, MegogoTitle, SyncLease


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


@admin.register(GenreMapping)
class GenreMappingAdmin(TenantAdmin):
    """MEGOGO's genres (listed by the sync) and the operator's genre each one gives its titles.
    A change is applied to the titles on the next `megogo_sync_content`."""

    list_display = ["megogo_name", "megogo_genre_id", "genre", "external_system", "updated_at"]
    list_editable = ["genre"]
    list_filter = [MappedFilter, "external_system"]
    search_fields = ["megogo_name", "megogo_genre_id"]
    fields = ["external_system", "megogo_genre_id", "megogo_name", "genre"]
    readonly_fields = ["external_system", "megogo_genre_id", "megogo_name"]
    actions = ["create_same_named_genres"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # rows come from MEGOGO's genre list at each sync

    @admin.action(description="Map to a genre of the same name (created if missing)")
    def create_same_named_genres(self, request: HttpRequest, queryset: QuerySet) -> None:
        mapped = 0
        for row in queryset.filter(genre__isnull=True).exclude(megogo_name=""):
            genre = (Genre.objects.for_client(row.client_id).filter(name__iexact=row.megogo_name).first()
                     or Genre.objects.create(client_id=row.client_id, name=row.megogo_name[:100]))
            row.genre = genre
            row.save(update_fields=["genre", "updated_at"])
            mapped += 1
        self.message_user(request, f"{mapped} MEGOGO genre(s) mapped; titles get them on the next sync.",
                          messages.SUCCESS)


class ReadOnlyAdmin(TenantAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MegogoTitle)
class MegogoTitleAdmin(ReadOnlyAdmin):
    """What the sync last saw of each MEGOGO title."""

    list_display = ["ext_id", "video", "delivery_rules", "sellable", "seen_run", "synced_at", "external_system"]
    list_filter = ["external_system", "sellable", "audio_description", "sign_language"]
    search_fields = ["ext_id", "video__name"]
    list_select_related = ["video", "external_system"]
    raw_id_fields = ["video"]


@admin.register(MegogoSubscriber)
class MegogoSubscriberAdmin(ReadOnlyAdmin):
    """Partner users of customers and whether MEGOGO was told they subscribe to the SVOD service."""

    list_display = ["identifier", "customer", "user_created", "subscribed", "updated_at", "external_system"]
    list_filter = ["external_system", "subscribed"]
    search_fields = ["identifier"]
    list_select_related = ["customer", "external_system"]
    raw_id_fields = ["customer"]


@admin.register(SyncLease)
class SyncRunAdmin(PanelAdminMixin, TenantScopedMixin, admin.ModelAdmin):
    """The catalogue sync of each integration: running now (until when its lock lasts), last summary."""

    tenant_via = "external_system"
    list_display = ["external_system", "running", "started_at", "last_run", "last_summary"]
    readonly_fields = ["external_system", "owner", "started_at", "expires_at", "last_run", "last_summary"]
    fields = readonly_fields
    list_select_related = ["external_system"]

    @admin.display(boolean=True)
    def running(self, obj: SyncLease) -> bool:
        from django.utils import timezone

        return obj.expires_at is not None and obj.expires_at > timezone.now()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
