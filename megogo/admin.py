"""MEGOGO in the operator panel: the genre map (edited by the operator), the sync's title records,
the partner users of customers. The integration itself and its attributes are edited under
"API integrations with external systems" (attributes checked by `MegogoAPI.validate_attributes`)."""
from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cinema_kit.admin import PartnerGenreMapAdmin
from tvmiddleware.admin.base import PanelAdminMixin, TenantAdmin, TenantScopedMixin

from .models import GenreMapping, MegogoSubscriber, MegogoTitle, SyncLease


@admin.register(GenreMapping)
class GenreMappingAdmin(PartnerGenreMapAdmin):
    """MEGOGO's genres (listed by the sync) and the operator's genre each one gives its titles.
    A change is applied to the titles on the next `megogo_sync_content`."""

    scope_columns = ["external_system"]
    synced_only = True  # rows come from MEGOGO's genre list at each sync
    actions = ["create_same_named_genres"]
    create_same_named_genres = PartnerGenreMapAdmin.map_to_same_named_genres  # the action's name in this panel


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
