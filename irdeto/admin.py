"""Irdeto in the operator panel: the CAS products each tariff grants per device type (edited by the
operator) and the customers' CAS sync records (read-only, with a "resync now" action). The
integration itself (`irdeto_api_client`) and its attributes are edited under "API integrations
with external systems" (attributes checked by `IrdetoAPI.validate_attributes`)."""
from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from tvmiddleware.admin.base import TenantAdmin, TenantTabularInline
from tvmiddleware.models import Tariff

from .models import CasProduct, CasSubscriber


@admin.register(CasProduct)
class CasProductAdmin(TenantAdmin):
    """Tariff + device type → CAS product. Devices of a type with a product are paired with the CAS;
    customers get the change at their next change or at the next `irdeto_resync` (daily)."""

    list_display = ["tariff", "device_type", "product_id", "comment"]
    list_filter = ["tariff", "device_type"]
    search_fields = ["product_id", "tariff__name", "comment"]
    fields = ["tariff", "device_type", "product_id", "comment"]
    list_select_related = ["tariff", "device_type"]


@admin.register(CasSubscriber)
class CasSubscriberAdmin(TenantAdmin):
    """Customers known to the CAS and how their last sync went (errors are retried by the event
    outbox and repaired by the daily resync)."""

    list_display = ["cas_customer_id", "customer", "external_system", "devices", "entitlements", "last_synced_at",
                    "last_attempt_at", "has_error"]
    list_filter = ["external_system"]
    search_fields = ["cas_customer_id"]
    fields = ["external_system", "cas_customer_id", "customer", "devices", "entitlements", "last_synced_at",
              "last_attempt_at", "last_changes", "last_error"]
    readonly_fields = fields
    list_select_related = ["customer", "external_system"]
    actions = ["resync_now"]

    @admin.display(boolean=True, description="error")
    def has_error(self, obj: CasSubscriber) -> bool:
        return bool(obj.last_error)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # records appear when a customer is first synced

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_resync_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    @admin.action(description="Compare with the CAS and repair now", permissions=["resync"])
    def resync_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        from tvmiddleware.plugins import PluginError

        from .selectors import customer_id_from_cas

        repaired = failed = 0
        for record in queryset.select_related("external_system"):
            customer_id = customer_id_from_cas(record.client_id, record.cas_customer_id)
            system = record.external_system
            if customer_id is None or not system.enabled:
                continue
            try:
                api = system.get_api()
            except PluginError as exc:
                self.message_user(request, f"{record}: {exc}", messages.ERROR)
                failed += 1
                continue
            try:
                result = api.sync_customer(customer_id, force=True)
            finally:
                api.close()
            if result.errors:
                failed += 1
                self.message_user(request, f"{record}: " + "; ".join(result.errors), messages.ERROR)
            else:
                repaired += len(result.changes)
        self.message_user(request, f"{queryset.count()} subscriber(s) compared, {repaired} change(s) made, "
                                   f"{failed} with errors.", messages.WARNING if failed else messages.SUCCESS)


class CasProductInline(TenantTabularInline):
    """The CAS products a tariff grants, edited on the tariff's own page (the same rows as above)."""

    model = CasProduct
    fields = ["device_type", "product_id", "comment"]
    extra = 0
    verbose_name = "Irdeto CAS product"
    verbose_name_plural = "Irdeto CAS products (per device type)"


def _extend_tariff_admin() -> None:
    """Show the CAS products on the core's tariff page; the core does not know this app, so the app
    adds its inline to the registered tariff admin (admin modules load in INSTALLED_APPS order)."""
    try:
        tariff_admin = admin.site.get_model_admin(Tariff)
    except admin.sites.NotRegistered:
        return
    if CasProductInline not in tariff_admin.inlines:
        tariff_admin.inlines = [*tariff_admin.inlines, CasProductInline]


_extend_tariff_admin()
