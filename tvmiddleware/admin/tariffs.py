"""Tariff packages and customers' subscriptions to them.

Subscriptions are opened by `tariff_assign` (which replaces a basic tariff and tells partners) and
closed by `tariff_remove`; closed rows stay as history and are never deleted from the panel.
"""
from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from tvmiddleware import services
from tvmiddleware.models import Tariff, TariffSubscription

from .base import TenantAdmin, TenantModelForm, adopt_saved_row


@admin.register(Tariff)
class TariffAdmin(TenantAdmin):
    """Packages the operator sells: price, period, basic or additional, channels and stream services."""

    list_display = ["name", "ext_id", "price", "period", "basic_tariff_priority", "enabled", "hidden", "holders"]
    list_filter = ["enabled", "hidden", "basic_tariff_priority"]
    search_fields = ["name", "ext_id"]
    filter_horizontal = ["channels", "stream_services"]
    fieldsets = [
        (None, {"fields": ["name", "ext_id", "description", "enabled", "hidden"]}),
        ("Price", {"fields": ["price", "default_activation_price", "period", "basic_tariff_priority"]}),
        ("Sessions", {"fields": ["sessions_count", "basic_sessions_count", "ip_restriction"]}),
        ("Content", {"fields": ["channels", "stream_services"]}),
        ("Behaviour", {"fields": ["assigned_by_default", "required", "available_to_unsubscribe",
                                  "available_for_inactive_accounts", "available_everywhere",
                                  "display_in_channels_widget", "used_for_channel_list", "used_for_video_list",
                                  "used_for_radio_list"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(
            open_subscriptions=Count("subscriptions", filter=Q(subscriptions__is_closed=False))
        )

    @admin.display(description="customers", ordering="open_subscriptions")
    def holders(self, obj: Tariff) -> int:
        return obj.open_subscriptions


class TariffSubscriptionForm(TenantModelForm):
    """A new subscription is checked as `tariff_assign` will check it, to answer with form errors."""

    class Meta:
        model = TariffSubscription
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        customer, tariff = data.get("customer"), data.get("tariff")
        if self.instance.pk is None and customer is not None and tariff is not None:
            if not tariff.enabled:
                self.add_error("tariff", "The tariff is disabled.")
            elif customer.subscriptions.filter(tariff=tariff, is_closed=False).exists():
                self.add_error("tariff", "The customer already has this tariff.")
        return data


SUBSCRIPTION_TERMS = ["start_date", "end_date", "price", "price_expiration", "is_periodical", "external_system"]


@admin.register(TariffSubscription)
class TariffSubscriptionAdmin(TenantAdmin):
    """Customers' tariffs, open and closed. A new basic tariff replaces the customer's current one."""

    form = TariffSubscriptionForm
    list_display = ["id", "customer", "tariff", "is_basic", "start_date", "end_date", "is_closed", "closed_at"]
    list_filter = ["is_closed", "is_basic", "tariff", "is_periodical"]
    list_select_related = ["customer", "tariff"]
    search_fields = ["customer__ext_id", "customer__lastname", "customer__accounts__abonement", "tariff__name"]
    autocomplete_fields = ["customer"]
    date_hierarchy = "start_date"
    actions = ["close_subscriptions"]
    fields = ["customer", "tariff", "is_basic", *SUBSCRIPTION_TERMS, "is_price_overridden",
              "is_closed", "closed_at", "created_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: TariffSubscription | None = None) -> list[str]:
        readonly = [*super().get_readonly_fields(request, obj), "is_basic", "is_closed", "closed_at", "created_at"]
        if obj is not None:  # another customer or tariff is another subscription
            readonly += ["customer", "tariff", "start_date"]
        return readonly

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"start_date": timezone.now(), **super().get_changeform_initial_data(request)}

    def has_delete_permission(self, request: HttpRequest, obj: TariffSubscription | None = None) -> bool:
        return False  # history: close subscriptions instead

    def save_model(self, request: HttpRequest, obj: TariffSubscription, form: TenantModelForm, change: bool) -> None:
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        subscription = services.tariff_assign(customer=data["customer"], tariff=data["tariff"],
                                              **{name: data.get(name) for name in SUBSCRIPTION_TERMS})
        adopt_saved_row(obj, subscription)

    @admin.action(description="Remove (close) selected subscriptions", permissions=["change"])
    def close_subscriptions(self, request: HttpRequest, queryset: QuerySet) -> None:
        closed = 0
        for subscription in queryset.filter(is_closed=False).select_related("customer", "tariff"):
            services.tariff_remove(customer=subscription.customer, tariff=subscription.tariff)
            closed += 1
        skipped = queryset.count() - closed
        message = f"{closed} subscription(s) closed."
        if skipped:
            message += f" {skipped} already were."
        self.message_user(request, message, messages.SUCCESS)
