"""Operator commands to subscribers' devices, QR logins, profile types and the operator's countries.

Commands are queued through `command_send` (which tells account/status's cache) and, while not yet
taken by a device, withdrawn through `commands_withdraw`; a command a device took is history.
QR logins are made by TVs and phones only: the panel shows them.
"""
from __future__ import annotations

import ipaddress
from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from tvmiddleware.models import CountryNetwork, DeviceCommand, OperatorCountry, ProfileType, QrLogin
from tvmiddleware.selectors.countries import country_name, is_country_code
from tvmiddleware.services.device_commands import command_send, commands_withdraw

from .base import ReadOnlyAdminMixin, TenantAdmin, TenantModelForm, TenantTabularInline, adopt_saved_row

COMMAND_FIELDS = ["account", "device_uid", "type", "user_confirmation", "deep_link", "accompanying_text",
                  "image_url"]
COMMAND_HISTORY = ["created_at", "created_by", "delivered_at", "delivered_to"]


@admin.register(DeviceCommand)
class DeviceCommandAdmin(TenantAdmin):
    """Commands to a subscriber's devices (reboot, reload the app, show a text, open a screen...). The
    first account/status poll of a matching device takes a command, once; until then it can be deleted."""

    list_display = ["id", "account", "type", "device_uid", "created_at", "created_by", "delivered_at",
                    "delivered_to"]
    list_filter = ["type", "created_at"]
    list_select_related = ["account"]
    search_fields = ["account__abonement", "device_uid", "delivered_to"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["account"]
    fields = COMMAND_FIELDS + COMMAND_HISTORY
    readonly_fields = COMMAND_HISTORY

    def get_readonly_fields(self, request: HttpRequest, obj: DeviceCommand | None = None) -> list[str]:
        readonly = super().get_readonly_fields(request, obj)
        # A sent command is not edited: the device may be reading it; delete and send another instead.
        return readonly + [f for f in COMMAND_FIELDS if f not in readonly] if obj is not None else readonly

    def has_change_permission(self, request: HttpRequest, obj: DeviceCommand | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: DeviceCommand | None = None) -> bool:
        return (obj is None or obj.delivered_at is None) and super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: DeviceCommand, form: TenantModelForm, change: bool) -> None:
        data = form.cleaned_data
        command = command_send(account=data["account"], type=data["type"], device_uid=data.get("device_uid", ""),
                               user_confirmation=data.get("user_confirmation", False),
                               deep_link=data.get("deep_link", ""),
                               accompanying_text=data.get("accompanying_text", ""),
                               image_url=data.get("image_url", ""), created_by=request.user.get_username())
        adopt_saved_row(obj, command)

    def delete_model(self, request: HttpRequest, obj: DeviceCommand) -> None:
        commands_withdraw(client_id=obj.client_id, command_ids=[obj.pk])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        # Taken commands stay (history); only those still waiting are withdrawn.
        for client_id in set(queryset.values_list("client_id", flat=True)):
            commands_withdraw(client_id=client_id,
                              command_ids=list(queryset.filter(client_id=client_id).values_list("pk", flat=True)))


QR_FIELDS = ["device_uid", "device_type", "login_code", "ip_address", "created_at", "expires_at", "account",
             "confirmed_at", "collected_at"]


@admin.register(QrLogin)
class QrLoginAdmin(ReadOnlyAdminMixin, TenantAdmin):
    """TVs that asked to be logged in by a phone: the code shown, which account confirmed it and when the
    TV took its session. The TV's connection token is stored only as its hash."""

    list_display = ["id", "device_uid", "device_type", "created_at", "expires_at", "account", "confirmed_at",
                    "collected_at"]
    list_select_related = ["device_type", "account"]
    search_fields = ["device_uid", "account__abonement"]
    date_hierarchy = "created_at"
    fields = QR_FIELDS


@admin.register(ProfileType)
class ProfileTypeAdmin(TenantAdmin):
    """Kinds of account profiles the apps offer (adult, child...): profile/list lists them in this order."""

    list_display = ["name", "is_default", "show_adult_content", "sort"]
    list_editable = ["sort"]
    search_fields = ["name"]
    fields = ["name", "description", "is_default", "show_adult_content", "sort"]


class CountryNetworkForm(TenantModelForm):
    class Meta:
        model = CountryNetwork
        fields = ["network", "city_name"]

    def clean_network(self) -> str:
        value = (self.cleaned_data.get("network") or "").strip()
        try:
            return str(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise forms.ValidationError("An IPv4 or IPv6 network, e.g. 10.1.0.0/16.") from None


class CountryNetworkInline(TenantTabularInline):
    model = CountryNetwork
    form = CountryNetworkForm
    extra = 1


class OperatorCountryForm(TenantModelForm):
    class Meta:
        model = OperatorCountry
        fields = "__all__"

    def clean_code(self) -> str:
        code = (self.cleaned_data.get("code") or "").strip().upper()
        if not is_country_code(code):
            raise forms.ValidationError("An ISO 3166-1 alpha-2 country code, e.g. RU.")
        return code


@admin.register(OperatorCountry)
class OperatorCountryAdmin(TenantAdmin):
    """The countries the operator serves, in its order (country/list lists these; with none, every
    country), and its subscribers' IP networks in each (country/info finds the caller's)."""

    form = OperatorCountryForm
    list_display = ["code", "name", "sort"]
    list_editable = ["sort"]
    search_fields = ["code"]
    fields = ["code", "sort"]
    inlines = [CountryNetworkInline]

    @admin.display(description="name")
    def name(self, obj: OperatorCountry) -> str:
        return country_name(obj.code)
