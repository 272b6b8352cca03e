"""What the device API keeps for subscribers: device sessions, operator messages, portal settings,
video purchases, and (as inlines of the account page) favourites, channel flags and viewing positions.

Sessions are ended through `session_delete_many`, which also forgets them in the session cache, so
a device logged out here is refused at its next call. Purchases are made by the device API through
`video_purchase` (it charges the ledger); the panel only shows them.
"""
from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from tvmiddleware.models import (
    AccountChannelSetting, AccountVideoSetting, AuthKey, ContentPosition, Message, PortalSetting, ProgrammeReminder,
    RecentChannel, VideoPurchase,
)
from tvmiddleware.services.sessions import session_delete_many

from .base import ReadOnlyAdminMixin, TenantAdmin, TenantModelForm, TenantTabularInline

# --- device sessions ----------------------------------------------------------------------------------

SESSION_FIELDS = ["account", "device", "device_type", "device_uid", "is_basic_device", "external", "ip_address",
                  "user_agent", "app_build_version", "created_at", "last_seen_at"]


@admin.register(AuthKey)
class DeviceSessionAdmin(TenantAdmin):
    """Devices logged in to the device API. Deleting a session logs the device out at once;
    sessions are opened only by the devices themselves (`login/`). The authkey is never shown:
    only its hash is stored."""

    list_display = ["id", "account_abonement", "device_uid", "device_type", "is_basic_device", "ip_address",
                    "created_at", "last_seen_at"]
    list_display_links = ["id", "account_abonement"]
    list_filter = ["device_type", "is_basic_device", "external"]
    list_select_related = ["account", "device_type"]
    search_fields = ["account__abonement", "device_uid", "ip_address"]
    date_hierarchy = "last_seen_at"
    fields = SESSION_FIELDS
    readonly_fields = SESSION_FIELDS

    @admin.display(description="account", ordering="account__abonement")
    def account_abonement(self, obj: AuthKey) -> str:
        return obj.account.abonement

    def has_add_permission(self, request: HttpRequest, obj: AuthKey | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuthKey | None = None) -> bool:
        return False

    # Not `ServiceDeleteMixin`: one call ends all the selected sessions and clears their cache entries.
    def delete_model(self, request: HttpRequest, obj: AuthKey) -> None:
        session_delete_many(AuthKey.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        session_delete_many(queryset)


# --- operator messages --------------------------------------------------------------------------------

@admin.register(Message)
class MessageAdmin(TenantAdmin):
    """Messages the apps show: to one account, or to every account of the operator (account empty).
    Urgent ones pop up at the next status poll; `no confirmation` ones need no "read" click."""

    list_display = ["subject", "recipient", "urgent", "no_confirmation", "created_at", "expires_at", "read_by"]
    list_filter = ["urgent", "no_confirmation", "created_at"]
    list_select_related = ["account"]
    search_fields = ["subject", "text", "account__abonement"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["account"]
    fields = ["account", "subject", "text", "urgent", "no_confirmation", "expires_at", "created_at", "read_by"]
    readonly_fields = ["created_at", "read_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(read_count=Count("reads"))

    @admin.display(description="to", ordering="account__abonement")
    def recipient(self, obj: Message) -> str:
        return obj.account.abonement if obj.account_id else "everybody"

    @admin.display(description="read by (accounts)", ordering="read_count")
    def read_by(self, obj: Message) -> int:
        return getattr(obj, "read_count", 0)


# --- portal settings ----------------------------------------------------------------------------------

class PortalSettingForm(TenantModelForm):
    """One value per key and device type (or for every device type), said in words."""

    class Meta:
        model = PortalSetting
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        client_id, key = self.row_client_id(), data.get("key")
        if client_id is not None and key:
            taken = (PortalSetting.objects.for_client(client_id)
                     .filter(key=key, device_type=data.get("device_type")).exclude(pk=self.instance.pk))
            if taken.exists():
                self.add_error("key", "This key already has a value for this device type."
                               if data.get("device_type") else "This key already has a value for every device type.")
        return data

    def validate_unique(self) -> None:
        # The unique rules are conditional constraints, whose own message only names the constraint;
        # `clean` has said it in words already.
        if not self.has_error("key"):
            super().validate_unique()


@admin.register(PortalSetting)
class PortalSettingAdmin(TenantAdmin):
    """The operator's values of `portal/settings/list` fields (key = field name, e.g. `show_radio`),
    for every device type or for one; a device type's value wins over the general one."""

    form = PortalSettingForm
    list_display = ["key", "short_value", "device_type"]
    list_filter = ["device_type"]
    list_select_related = ["device_type"]
    search_fields = ["key", "value"]
    fields = ["key", "value", "device_type"]

    @admin.display(description="value", ordering="value")
    def short_value(self, obj: PortalSetting) -> str:
        return obj.value if len(obj.value) <= 80 else obj.value[:79] + "…"


# --- video purchases ----------------------------------------------------------------------------------

@admin.register(VideoPurchase)
class VideoPurchaseAdmin(ReadOnlyAdminMixin, TenantAdmin):
    """Titles customers bought or rented, each paid by a ledger row. Nobody adds, edits or deletes
    them here: the device API sells through `video_purchase`, which charges the ledger."""

    list_display = ["id", "created_at", "customer", "video", "kind", "price", "expires_at", "transaction_link"]
    list_filter = ["kind", "external_system"]
    list_select_related = ["customer", "video", "transaction"]
    search_fields = ["video__name", "video__ext_id", "customer__ext_id", "customer__lastname", "customer_id__exact"]
    date_hierarchy = "created_at"
    fields = ["customer", "video", "kind", "price", "expires_at", "external_system", "transaction_link",
              "created_at"]
    readonly_fields = ["transaction_link"]

    @admin.display(description="ledger row")
    def transaction_link(self, obj: VideoPurchase) -> str:
        if obj.transaction_id is None:
            return "—"  # a free title charges nothing
        url = reverse("admin:billing_customertransaction_change", args=[obj.transaction_id])
        return format_html('<a href="{}">#{} ({})</a>', url, obj.transaction_id, obj.transaction.amount)


@admin.register(ProgrammeReminder)
class ProgrammeReminderAdmin(ReadOnlyAdminMixin, TenantAdmin):
    """Programmes subscribers asked to be reminded of from their apps (notification/create). The limit
    per account is the operator's `max_reminders`."""

    list_display = ["id", "account", "channel", "programme", "timeshift_offset", "created_at"]
    list_select_related = ["account", "channel", "programme"]
    search_fields = ["account__abonement", "programme__name", "channel__name"]
    date_hierarchy = "created_at"
    fields = ["account", "channel", "programme", "timeshift_offset", "created_at"]


@admin.register(RecentChannel)
class RecentChannelAdmin(ReadOnlyAdminMixin, TenantAdmin):
    """Channels subscribers watched lately, as their apps report them (the newest 20 per account)."""

    list_display = ["id", "account", "channel", "watched_at"]
    list_select_related = ["account", "channel"]
    search_fields = ["account__abonement", "channel__name"]
    date_hierarchy = "watched_at"
    fields = ["account", "channel", "watched_at"]


# --- on the account page ------------------------------------------------------------------------------

class AccountDataInline(ReadOnlyAdminMixin, TenantTabularInline):
    """What the subscriber set in the apps; shown for support, changed only by the apps."""

    related = ""  # the relation shown as text in each row, fetched with the rows

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        return queryset.select_related(self.related) if self.related else queryset


class AccountChannelSettingInline(AccountDataInline):
    model = AccountChannelSetting
    fields = ["channel", "is_favorited", "is_parent_control", "is_hidden", "sort"]
    related = "channel"
    verbose_name = "channel setting"
    verbose_name_plural = "channel settings (favourites, locks, own order)"


class AccountVideoSettingInline(AccountDataInline):
    model = AccountVideoSetting
    fields = ["video", "is_favorited"]
    related = "video"
    verbose_name = "favourite video"
    verbose_name_plural = "favourite videos"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(is_favorited=True)


class ContentPositionInline(AccountDataInline):
    model = ContentPosition
    fields = ["content_type", "content_id", "asset_id", "position", "duration", "is_viewed", "updated_at"]
    ordering = ["-updated_at"]
    verbose_name = "viewing position"
    verbose_name_plural = "viewing positions"


ACCOUNT_DATA_INLINES = [AccountChannelSettingInline, AccountVideoSettingInline, ContentPositionInline]
