"""Subscriber logins (accounts) and their bound devices.

Writes go through the account and device services, so status changes, new and released devices
reach the partners (billing, CAS) as domain events.
"""
from __future__ import annotations

from typing import Any, Callable

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from tvmiddleware import services
from tvmiddleware.models import Account, AccountDevice, AccountStatus, DeviceGroup
from tvmiddleware.services.accounts import ACCOUNT_OPTION_FIELDS
from tvmiddleware.services.devices import basic_device_limit

from .base import (
    ReadOnlyAdminMixin,
    ServiceDeleteMixin,
    TenantAdmin,
    TenantModelForm,
    TenantTabularInline,
    adopt_saved_row,
)
from .filters import AccountStatusFilter
from .subscriber_data import ACCOUNT_DATA_INLINES

STATUS_FIELDS = ("active", "status_reason")


# --- status actions (shared by the customer and account lists) ----------------------------------------

class AccountStatusActionsMixin:
    """Activate, deactivate or block for debt the selected accounts (of the selected customers).

    Each account goes through its service, which records `account.status_changed` for partners;
    accounts already in the wanted state are left alone and counted apart.
    """

    status_actions = ["activate_accounts", "deactivate_accounts", "block_accounts_for_debt"]

    def selected_accounts(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        raise NotImplementedError

    @admin.action(description="Activate accounts", permissions=["change"])
    def activate_accounts(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, services.account_activate, (True, AccountStatus.ACTIVE), "activated")

    @admin.action(description="Deactivate accounts", permissions=["change"])
    def deactivate_accounts(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, services.account_deactivate, (False, AccountStatus.INACTIVE),
                         "deactivated")

    @admin.action(description="Block for debt", permissions=["change"])
    def block_accounts_for_debt(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, services.account_block_for_debt, (False, AccountStatus.DEBT),
                         "blocked for debt")

    def _set_status(self, request: HttpRequest, queryset: QuerySet, service: Callable[..., Account],
                    target: tuple[bool, str], verb: str) -> None:
        changed = unchanged = 0
        for account in self.selected_accounts(request, queryset):
            if (account.active, account.status_reason) == target:
                unchanged += 1
                continue
            service(account=account)
            changed += 1
        message = f"{changed} account(s) {verb}."
        if unchanged:
            message += f" {unchanged} already were."
        self.message_user(request, message, messages.SUCCESS)


# --- accounts -----------------------------------------------------------------------------------------

class AccountForm(TenantModelForm):
    """An account with its login options. The password is typed in clear (or generated) and only its
    hash is stored; the hash is never shown."""

    new_password = forms.CharField(
        label="Password", required=False, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="Leave empty to keep the current password.",
    )
    status_reason = forms.ChoiceField(choices=AccountStatus.choices, required=False)
    allowed_device_groups = forms.TypedMultipleChoiceField(
        choices=DeviceGroup.choices, coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Device groups allowed to log in; none ticked = all.",
    )

    class Meta:
        model = Account
        fields = "__all__"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "abonement" in self.fields:  # new account: number and password may be generated
            self.fields["abonement"].required = False
            self.fields["abonement"].help_text = "Leave empty to take the operator's next number."
            self.fields["new_password"].help_text = "Leave empty to generate a numeric password."
        current = self.instance.status_reason
        if current and current not in AccountStatus.values:  # a custom status set through the API
            self.fields["status_reason"].choices = [*AccountStatus.choices, (current, current)]

    def clean_subnets(self) -> str:
        value = self.cleaned_data.get("subnets", "")
        try:
            services.parse_subnets(value)
        except ValueError as exc:
            raise ValidationError(f"Invalid network: {exc}") from exc
        return value


@admin.register(Account)
class AccountAdmin(AccountStatusActionsMixin, ServiceDeleteMixin, TenantAdmin):
    """Logins of customers. New accounts are made by `account_create`, which shows the password once."""

    form = AccountForm
    list_display = ["abonement", "customer", "active", "status_reason", "last_active", "created_at"]
    list_filter = ["active", AccountStatusFilter]
    list_select_related = ["customer"]
    search_fields = ["abonement", "devices__device_uid", "customer__ext_id", "account_ext_id"]
    autocomplete_fields = ["customer"]
    actions = AccountStatusActionsMixin.status_actions
    fieldsets = [
        (None, {"fields": ["customer", "abonement", "new_password", "account_ext_id"]}),
        ("Status", {"fields": ["active", "status_reason", "activation_date", "deactivation_date",
                               "extension_date", "auto_activation_period", "last_active"]}),
        ("Login", {"fields": ["allow_multiple_login", "allow_login_by_abonement", "allow_login_by_device_uid",
                              "allow_login_by_ip", "subnets", "allowed_device_groups", "parent_code"]}),
        ("Playback", {"fields": ["use_timeshift", "preferred_timeshift_offset", "data_center", "template"]}),
        ("Options", {"fields": ["option1", "option2", "option3"], "classes": ["collapse"]}),
    ]

    def get_inlines(self, request: HttpRequest, obj: Account | None):
        return [AccountDeviceInline, *ACCOUNT_DATA_INLINES] if obj is not None else []

    def get_readonly_fields(self, request: HttpRequest, obj: Account | None = None) -> list[str]:
        # Moving a login to another customer or renumbering it is not an account change the
        # services know; the number is the subscriber's login.
        readonly = [*super().get_readonly_fields(request, obj), "last_active"]
        return readonly + (["customer", "abonement"] if obj is not None else [])

    def selected_accounts(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset

    def save_model(self, request: HttpRequest, obj: Account, form: AccountForm, change: bool) -> None:
        self.assign_client(request, obj)
        data = form.cleaned_data
        password = data.get("new_password") or None
        if change:
            changed = {name: data[name] for name in form.changed_data
                       if name in ACCOUNT_OPTION_FIELDS or name in STATUS_FIELDS}
            # A fresh row: the service compares the stored status with the wanted one.
            services.account_modify(account=Account.objects.get(pk=obj.pk), password=password, **changed)
            obj.refresh_from_db()
            return
        options = {name: data[name] for name in ACCOUNT_OPTION_FIELDS if name in data}
        account, plaintext = services.account_create(
            client=obj.client, customer=data["customer"], abonement=data.get("abonement") or None,
            password=password, active=data["active"], status_reason=data.get("status_reason") or None, **options,
        )
        adopt_saved_row(obj, account)
        self.message_user(
            request, f"Account {account.abonement}: the password is {plaintext}. "
                     "It is shown only now; the panel keeps only its hash.", messages.WARNING,
        )

    def delete_row(self, obj: Account) -> None:
        services.account_delete(account=obj)


# --- devices ------------------------------------------------------------------------------------------

DEVICE_FIELDS = ["device_type", "device_uid", "serial_number", "device_model", "brand_name", "is_basic"]


class AccountDeviceInline(ReadOnlyAdminMixin, TenantTabularInline):
    """Devices bound to the account; bind and release them in "Account devices"."""

    model = AccountDevice
    fields = [*DEVICE_FIELDS, "created_at"]
    show_change_link = True


class AccountDeviceForm(TenantModelForm):
    """Binding a device: the account must allow its group and the tariffs must allow one more basic device."""

    class Meta:
        model = AccountDevice
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        account, device_type = data.get("account"), data.get("device_type")
        if self.instance.pk is None and account is not None:
            if device_type is not None and not account.allows_device_group(device_type.group):
                self.add_error("device_type", f"Devices of group {device_type.get_group_display()} "
                                              "are not allowed for this account.")
            if data.get("is_basic") and account.devices.filter(is_basic=True).count() >= basic_device_limit(account):
                self.add_error("is_basic", "The customer's tariffs allow no more basic devices for this account.")
        return data


@admin.register(AccountDevice)
class AccountDeviceAdmin(ServiceDeleteMixin, TenantAdmin):
    """Devices bound to accounts. Binding and releasing notify partners (`device.added`/`device.removed`)."""

    form = AccountDeviceForm
    list_display = ["device_uid", "account", "device_type", "is_basic", "serial_number", "created_at"]
    list_filter = ["is_basic", "device_type"]
    list_select_related = ["account", "device_type"]
    search_fields = ["device_uid", "serial_number", "account__abonement", "account__customer__ext_id"]
    autocomplete_fields = ["account"]
    fields = ["account", *DEVICE_FIELDS]

    def get_readonly_fields(self, request: HttpRequest, obj: AccountDevice | None = None) -> list[str]:
        # Another account or UID is another binding: release this device and bind the new one.
        readonly = super().get_readonly_fields(request, obj)
        return readonly + (["account", "device_uid", "is_basic", "created_at"] if obj is not None else [])

    def save_model(self, request: HttpRequest, obj: AccountDevice, form: AccountDeviceForm, change: bool) -> None:
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        device = services.device_bind(account=data["account"], **{name: data[name] for name in DEVICE_FIELDS})
        adopt_saved_row(obj, device)

    def delete_row(self, obj: AccountDevice) -> None:
        services.device_unbind(device=obj)
