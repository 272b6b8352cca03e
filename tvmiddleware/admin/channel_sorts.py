"""Channel sorts: named channel orders the operator offers apps (channel/sort/list)."""
from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from tvmiddleware.models import ChannelSort, ChannelSortItem

from .base import TenantAdmin, TenantTabularInline


class ChannelSortItemInline(TenantTabularInline):
    """The sort's channels and their positions (the lowest first); the operator's other channels
    follow them in its own order. Items have no client column: they are scoped by their sort."""

    model = ChannelSortItem
    tenant_via = "channel_sort"
    fields = ["channel", "position"]
    autocomplete_fields = ["channel"]
    extra = 1


@admin.register(ChannelSort)
class ChannelSortAdmin(TenantAdmin):
    """Channel orders subscribers may pick in their apps besides the operator's own."""

    list_display = ["name", "enabled", "sort", "channel_count"]
    list_filter = ["enabled"]
    search_fields = ["name"]
    inlines = [ChannelSortItemInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ChannelSort]:
        return super().get_queryset(request).annotate(channel_count=Count("items"))

    @admin.display(description="channels", ordering="channel_count")
    def channel_count(self, obj: ChannelSort) -> int:
        return obj.channel_count
