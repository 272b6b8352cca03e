"""Operators, their staff memberships and the shared device types; Django's users and groups."""
from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.http import HttpRequest

from tvmiddleware.models import Client, DeviceType, OperatorProfile

from .base import PanelAdmin, PanelAdminMixin, SuperuserWriteMixin, TenantScopedMixin


@admin.register(Client)
class ClientAdmin(SuperuserWriteMixin, TenantScopedMixin, PanelAdmin):
    """Operators. Staff see their own operator's settings and API keys, read-only."""

    list_display = ["id", "name", "currency", "billing_mode", "enabled", "created_at"]
    list_filter = ["enabled", "billing_mode"]
    search_fields = ["name"]
    readonly_fields = ["next_abonement", "created_at"]
    fieldsets = [
        (None, {"fields": ["name", "currency", "billing_mode", "enabled"]}),
        ("API keys", {"fields": ["api_key", "billing_api_key", "content_api_key", "streaming_api_key"],
                      "description": "Secrets the operator's devices and systems sign requests with."}),
        ("Login limits", {"fields": ["login_failures_per_ip"],
                          "description": "Subscribers behind carrier NAT (CGNAT) share one address: a per-IP "
                                         "limit locks all of them out when one device keeps failing. Raise "
                                         "it, or set 0 to count per abonement only."}),
        ("Subscribers' apps", {"fields": ["max_reminders", "additional_languages"]}),
        ("Counters", {"fields": ["next_abonement", "created_at"]}),
    ]


class SuperuserOnlyMixin(SuperuserWriteMixin):
    """Hidden from staff altogether."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser


@admin.register(OperatorProfile)
class OperatorProfileAdmin(SuperuserOnlyMixin, PanelAdmin):
    """Which operator a staff user works for; staff users are made with `operator_staff_create`."""

    list_display = ["user", "client"]
    list_filter = ["client"]
    search_fields = ["user__username", "user__email", "client__name"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "client"]


@admin.register(DeviceType)
class DeviceTypeAdmin(SuperuserWriteMixin, PanelAdmin):
    """Kinds of client devices, shared by all operators."""

    list_display = ["system_name", "name", "group", "response_format"]
    list_filter = ["group", "response_format"]
    search_fields = ["system_name", "name"]


# Django's own user and group admins, with what every admin of the panel shares.
for _model, _admin_class in ((get_user_model(), auth_admin.UserAdmin), (Group, auth_admin.GroupAdmin)):
    if admin.site.is_registered(_model) and type(admin.site.get_model_admin(_model)) is _admin_class:
        admin.site.unregister(_model)
        admin.site.register(_model, type(_admin_class.__name__, (PanelAdminMixin, _admin_class), {
            "__module__": __name__, "__doc__": _admin_class.__doc__}))
