"""tvzavr in the operator panel, marked deprecated (the service has closed)."""
from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from tvmiddleware.admin.base import TenantAdmin

from .models import TvzavrSubscription


@admin.register(TvzavrSubscription)
class TvzavrSubscriptionAdmin(TenantAdmin):
    """What tvzavr last answered about each subscriber (read only; written by the SVOD hooks and
    `tvzavr_renew_subscriptions`). DEPRECATED: tvzavr has closed."""

    list_display = ["customer", "external_system", "active", "paid_until", "checked_at"]
    list_filter = ["active", "external_system"]
    search_fields = ["customer__ext_id", "customer__lastname"]
    readonly_fields = ["customer", "external_system", "active", "paid_until", "checked_at"]
    list_select_related = ["customer", "external_system"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
