"""The subscriber action log in the operator panel: what subscribers did themselves, and from where.

Rows are written only by `tvmiddleware.services.actions.record` while a device-API method or a widget
page runs (docs/security.md, "Subscriber actions"); nobody adds, changes or deletes them here. Old
rows are removed by the scheduled `purge-subscriber-actions` after
`TVMIDDLEWARE_SUBSCRIBER_ACTIONS_DAYS`.
"""
from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from tvmiddleware.models import Customer, SubscriberAction

from .base import ReadOnlyAdminMixin, TenantAdmin, TenantInlineFormSet, TenantTabularInline

LATEST_ON_CUSTOMER_PAGE = 20


def actions_of(customer: Customer) -> str:
    """The URL of the action list filtered to one customer."""
    return reverse("admin:tvmiddleware_subscriberaction_changelist") + f"?customer__id__exact={customer.pk}"


class ActionColumnsMixin:
    @admin.display(description="abonement", ordering="account__abonement")
    def abonement(self, obj: SubscriberAction) -> str:
        return obj.account.abonement if obj.account is not None else "—"

    @admin.display(description="details")
    def details_text(self, obj: SubscriberAction) -> str:
        return ", ".join(f"{key}: {_plain(value)}" for key, value in sorted(obj.details.items())) or "—"


def _plain(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return " ".join(str(item) for item in value)
    return str(value)


@admin.register(SubscriberAction)
class SubscriberActionAdmin(ActionColumnsMixin, ReadOnlyAdminMixin, TenantAdmin):
    """Sign-ups, logins, tariffs taken and dropped, logins created, profile changes and payments started
    by subscribers through the device API or a website widget, with the address they came from."""

    list_display = ["created_at", "customer", "abonement", "action", "origin", "widget_id", "ip_address"]
    list_display_links = ["created_at"]
    list_filter = ["origin", "action", "created_at"]
    list_select_related = ["customer", "account", "client"]
    search_fields = ["account__abonement", "customer__lastname", "customer__firstname", "customer__middlename",
                     "customer__ext_id", "customer__id__exact", "ip_address"]
    date_hierarchy = "created_at"
    fields = ["created_at", "customer", "account", "action", "origin", "widget_id", "ip_address", "details_pretty"]
    readonly_fields = ["details_pretty"]
    show_full_result_count = False  # the log is long; counting all of it on every page is not needed

    @admin.display(description="details")
    def details_pretty(self, obj: SubscriberAction) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.details, indent=2, ensure_ascii=False, sort_keys=True))


class LatestActionsFormSet(TenantInlineFormSet):
    """Only the customer's latest actions (the whole history is in the filtered list)."""

    def get_queryset(self) -> QuerySet:
        if not hasattr(self, "_latest"):
            self._latest = super().get_queryset()[:LATEST_ON_CUSTOMER_PAGE]
        return self._latest


class SubscriberActionInline(ActionColumnsMixin, ReadOnlyAdminMixin, TenantTabularInline):
    """The customer's latest own actions on their change page; "All actions" opens the full list."""

    model = SubscriberAction
    formset = LatestActionsFormSet
    fields = ["created_at", "action", "abonement", "origin", "widget_id", "ip_address", "details_text"]
    readonly_fields = ["abonement", "details_text"]
    verbose_name = "latest action"
    verbose_name_plural = f"latest actions (up to {LATEST_ON_CUSTOMER_PAGE})"
    classes = ["collapse"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("account")
