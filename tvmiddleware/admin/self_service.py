"""What subscribers change themselves in the apps, as the operator sees and configures it: the
self-service settings (how password-reset codes and passwords are delivered, code lifetime, phone
confirmation, PIN SMS limits, account take-over), the interface templates offered, the accounts'
profiles and the verification codes sent (never the codes themselves: only their hashes are kept).
"""
from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from tvmiddleware.models import AccountProfile, InterfaceTemplate, ProfileType, SelfServiceSettings, VerificationCode
from tvmiddleware.models.base import staff_client_id

from .base import ReadOnlyAdminMixin, TenantAdmin, TenantModelForm


class SelfServiceSettingsForm(TenantModelForm):
    class Meta:
        model = SelfServiceSettings
        fields = ["reset_password_channel", "code_ttl_minutes", "confirm_phone_change", "pin_sms_interval_seconds",
                  "pin_sms_per_day", "export_to_client_ids"]

    def clean_code_ttl_minutes(self) -> int:
        value = self.cleaned_data.get("code_ttl_minutes")
        if value is not None and not 1 <= value <= 7 * 24 * 60:
            raise forms.ValidationError("From 1 minute to a week.")
        return value

    def clean_export_to_client_ids(self) -> str:
        value = (self.cleaned_data.get("export_to_client_ids") or "").strip()
        parts = [part for part in value.replace(",", " ").split() if part]
        if any(not (part.isascii() and part.isdigit() and len(part) < 19) for part in parts):
            raise forms.ValidationError("Client ids (numbers), separated by commas.")
        return ", ".join(parts)


@admin.register(SelfServiceSettings)
class SelfServiceSettingsAdmin(TenantAdmin):
    """One row per operator; without it the defaults apply (codes printed on the server's console)."""

    form = SelfServiceSettingsForm
    list_display = ["__str__", "reset_password_channel", "confirm_phone_change", "code_ttl_minutes"]
    fieldsets = [
        ("Password reset and confirmation codes", {"fields": ["reset_password_channel", "code_ttl_minutes",
                                                               "confirm_phone_change"]}),
        ("PIN by SMS", {"fields": ["pin_sms_interval_seconds", "pin_sms_per_day"]}),
        ("Account take-over", {"fields": ["export_to_client_ids"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        if not super().has_add_permission(request):
            return False
        client_id = staff_client_id(request.user)
        return client_id is None or not SelfServiceSettings.objects.for_client(client_id).exists()


@admin.register(InterfaceTemplate)
class InterfaceTemplateAdmin(TenantAdmin):
    """App interfaces subscribers may choose (account/settings/modify); the login answer's `template`
    is the chosen one's system name."""

    list_display = ["name", "system_name", "enabled"]
    list_filter = ["enabled"]
    search_fields = ["name", "system_name"]
    fields = ["name", "system_name", "enabled"]


@admin.register(AccountProfile)
class AccountProfileAdmin(ReadOnlyAdminMixin, TenantAdmin):
    """The profile each account's subscriber set (account/profile/settings/modify): its name and type."""

    list_display = ["account", "name", "profile_type", "updated_at"]
    list_select_related = ["account"]
    search_fields = ["account__abonement", "name"]
    fields = ["account", "name", "profile_type", "updated_at"]

    @admin.display(description="profile type")
    def profile_type(self, obj: AccountProfile) -> str:
        kind = ProfileType.objects.for_client(obj.client_id).filter(pk=obj.profile_type_id).first()
        return kind.name if kind else "(the default)"


@admin.register(VerificationCode)
class VerificationCodeAdmin(ReadOnlyAdminMixin, TenantAdmin):
    """Codes sent for password resets and phone changes: when, to where, whether used. The code itself
    is never stored, only its hash."""

    list_display = ["purpose", "target", "customer", "created_at", "expires_at", "used_at", "attempts"]
    list_filter = ["purpose", "created_at"]
    list_select_related = ["customer"]
    search_fields = ["target"]
    date_hierarchy = "created_at"
    fields = ["purpose", "target", "customer", "created_at", "expires_at", "used_at", "attempts"]

    def has_delete_permission(self, request: HttpRequest, obj: VerificationCode | None = None) -> bool:
        return super(ReadOnlyAdminMixin, self).has_delete_permission(request, obj)  # a support desk may revoke
