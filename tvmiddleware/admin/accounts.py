"""Subscriber logins (accounts) and their bound devices.

Writes go through the account and device services, so status changes, new and released devices
reach the partners (billing, CAS) as domain events.
"""
from __future__ import annotations

from typing import Any, Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from tvmiddleware import services
from tvmiddleware.models import Account, AccountDevice, AccountStatus, DeviceGroup
from tvmiddleware.services.accounts import ACCOUNT_OPTION_FIELDS, INACTIVE_REASONS
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


def _contradicts(active: bool, reason: str) -> bool:
    """The preset reasons that say the opposite of the flag (a custom reason never does)."""
    return (active and reason in INACTIVE_REASONS) or (not active and reason == AccountStatus.ACTIVE)


# --- status actions (shared by the customer and account lists) ----------------------------------------

BLOCKED_REASONS = frozenset({AccountStatus.BLOCK, AccountStatus.DEBT})


def is_blocked(account: Account) -> bool:
    """Blocked by support (BLOCK) or by billing for debt (DEBT): what "Unblock" lifts."""
    return not account.active and account.status_reason in BLOCKED_REASONS


def block(account: Account) -> Account:
    return services.account_deactivate(account=account, status_reason=AccountStatus.BLOCK)


class AccountStatusActionsMixin:
    """Activate, deactivate, block or unblock the selected accounts (of the selected customers).

    Each account goes through its service, which records `account.status_changed` for partners and
    the change is written to the account's history; accounts already in the wanted state are left
    alone and counted apart, and a refusal of one account does not stop the others.
    """

    status_actions = ["block_accounts", "unblock_accounts", "block_accounts_for_debt", "activate_accounts",
                      "deactivate_accounts"]

    def selected_accounts(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        raise NotImplementedError

    @admin.action(description="Activate accounts", permissions=["change"])
    def activate_accounts(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, services.account_activate,
                         lambda a: (a.active, a.status_reason) == (True, AccountStatus.ACTIVE), "activated")

    @admin.action(description="Deactivate accounts", permissions=["change"])
    def deactivate_accounts(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, services.account_deactivate,
                         lambda a: (a.active, a.status_reason) == (False, AccountStatus.INACTIVE), "deactivated")

    @admin.action(description="Block accounts", permissions=["change"])
    def block_accounts(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, block,
                         lambda a: (a.active, a.status_reason) == (False, AccountStatus.BLOCK), "blocked")

    @admin.action(description="Unblock accounts (blocked or blocked for debt)", permissions=["change"])
    def unblock_accounts(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, services.account_activate, lambda a: not is_blocked(a), "unblocked",
                         skipped="were not blocked")

    @admin.action(description="Block for debt", permissions=["change"])
    def block_accounts_for_debt(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, services.account_block_for_debt,
                         lambda a: (a.active, a.status_reason) == (False, AccountStatus.DEBT), "blocked for debt")

    def _set_status(self, request: HttpRequest, queryset: QuerySet, service: Callable[..., Account],
                    leave_alone: Callable[[Account], bool], verb: str, *, skipped: str = "already were") -> None:
        changed = unchanged = 0
        refused: list[tuple[str, str]] = []
        for account in self.selected_accounts(request, queryset):
            if leave_alone(account):
                unchanged += 1
                continue
            try:
                service(account=account)
            except services.ServiceError as exc:
                refused.append((account.abonement, exc.message))
                continue
            log_status_change(self, request, account, verb)
            changed += 1
        message = f"{changed} account(s) {verb}."
        if unchanged:
            message += f" {unchanged} {skipped}."
        self.message_user(request, message, messages.SUCCESS)
        if refused:
            self.message_user(request, format_html("Not changed: {}", format_html_join("; ", "{}: {}", refused[:50])),
                              messages.WARNING)


def log_status_change(model_admin: admin.ModelAdmin, request: HttpRequest, account: Account, verb: str) -> None:
    """The account's history (the panel's log) says who changed its status, and to what."""
    model_admin.log_change(request, account,
                           f"Account {verb} (active={account.active}, status_reason={account.status_reason}).")


# --- accounts -----------------------------------------------------------------------------------------

class AccountForm(TenantModelForm):
    """An account with its login options. The password is typed in clear (or generated) and only its
    hash is stored; the hash is never shown."""

    new_password = forms.CharField(
        label="Password", required=False, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="Leave empty to keep the current password.",
    )
    status_reason = forms.ChoiceField(
        choices=AccountStatus.choices, required=False,
        help_text="A blocking or inactive reason unticks \"Active\"; unticking \"Active\" alone makes the "
                  "account Inactive. To block or unblock, the buttons above and the list actions do it in one step.",
    )
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

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self._reconcile_status(data)
        return data

    def _reconcile_status(self, data: dict[str, Any]) -> None:
        """Make "Active" and the status reason agree, the way a support agent means them.

        The field the agent changed decides: choosing "Blocked" (or another inactive reason) with
        "Active" left ticked blocks the account; unticking "Active" with the reason left at
        "Active" makes it "Inactive"; choosing "Active" reactivates it. Only when both were
        changed to contradict each other is it refused, as a field error.
        """
        if "active" not in self.fields or "status_reason" not in self.fields or "status_reason" not in data:
            return
        active, reason = bool(data.get("active")), data.get("status_reason") or ""
        if not reason or not _contradicts(active, reason):
            return
        reason_changed, active_changed = "status_reason" in self.changed_data, "active" in self.changed_data
        if reason_changed and not active_changed:
            data["active"] = reason == AccountStatus.ACTIVE
        elif active_changed and not reason_changed:
            data["status_reason"] = AccountStatus.ACTIVE if active else AccountStatus.INACTIVE
        else:
            state = "an active" if active else "an inactive"
            self.add_error("status_reason", f"{AccountStatus(reason).label} contradicts {state} account: "
                                            "untick or tick \"Active\" to match, or choose another reason.")

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
    change_form_template = "admin/tvmiddleware/account/change_form.html"
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

    # --- block / unblock from the account's page ------------------------------------------------
    def get_urls(self) -> list[Any]:
        opts = self.model._meta
        return [
            path("<path:object_id>/block/", self.admin_site.admin_view(self.block_view),
                 name=f"{opts.app_label}_{opts.model_name}_block"),
            path("<path:object_id>/unblock/", self.admin_site.admin_view(self.unblock_view),
                 name=f"{opts.app_label}_{opts.model_name}_unblock"),
            *super().get_urls(),
        ]

    def block_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Block the account (status BLOCK) from its page."""
        return self._status_view(request, object_id, block, "blocked")

    def unblock_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Lift a block (BLOCK or DEBT) from the account's page: it becomes active."""
        return self._status_view(request, object_id, services.account_activate, "unblocked", only_if=is_blocked)

    def _status_view(self, request: HttpRequest, object_id: str, service: Callable[..., Account], verb: str,
                     *, only_if: Callable[[Account], bool] | None = None) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        account = self.get_object(request, unquote(object_id))  # scoped: another operator's is "missing"
        if account is None:
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)
        if not self.has_change_permission(request, account):
            raise PermissionDenied
        back = HttpResponseRedirect(reverse("admin:tvmiddleware_account_change", args=[account.pk]))
        if only_if is not None and not only_if(account):
            self.message_user(request, f"Account {account.abonement} is not blocked.", messages.WARNING)
            return back
        try:
            service(account=account)
        except services.ServiceError as exc:
            return self.refused(request, exc, back.url)
        log_status_change(self, request, account, verb)
        self.message_user(request, f"Account {account.abonement} {verb}.", messages.SUCCESS)
        return back

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], add: bool = False,
                           change: bool = False, form_url: str = "", obj: Account | None = None):
        if obj is not None and obj.pk is not None:
            context.update(
                show_block=self.has_change_permission(request, obj) and (obj.active or
                                                                        obj.status_reason != AccountStatus.BLOCK),
                show_unblock=self.has_change_permission(request, obj) and is_blocked(obj),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request: HttpRequest, obj: Account, form: AccountForm, change: bool) -> None:
        self.assign_client(request, obj)
        data = form.cleaned_data
        password = data.get("new_password") or None
        if change:
            changed = {name: data[name] for name in form.changed_data if name in ACCOUNT_OPTION_FIELDS}
            if set(STATUS_FIELDS) & set(form.changed_data):
                # Both: the form may have set the flag to match a newly chosen reason (or the reverse).
                changed.update({name: data[name] for name in STATUS_FIELDS})
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
