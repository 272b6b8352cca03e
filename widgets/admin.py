"""The operator panel's widgets: staff see and edit only their operator's, each with its embed code."""
from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from tvmiddleware.admin.base import TenantAdmin, TenantModelForm

from .embed_code import embed_snippet, site_base_url
from .models import BUILT_TYPES, Widget
from .services import widget_save


class WidgetForm(TenantModelForm):
    css_url = forms.URLField(label="External CSS URL", max_length=500, required=False, assume_scheme="https",
                             help_text=Widget._meta.get_field("css_url").help_text)

    class Meta:
        model = Widget
        fields = "__all__"
        widgets = {"allowed_hostnames": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "type" in self.fields:  # only the types this release renders are offered
            self.fields["type"].choices = [(t.value, t.label) for t in BUILT_TYPES]


@admin.register(Widget)
class WidgetAdmin(TenantAdmin):
    form = WidgetForm
    list_display = ("name", "type", "enabled", "hostnames_shown", "public_id", "updated_at")
    list_filter = ("type", "enabled")
    search_fields = ("name", "public_id", "allowed_hostnames")
    readonly_fields = ("public_id",)
    fields = ("name", "type", "enabled", "allowed_hostnames", "css_url", "settings", "public_id")

    @admin.display(description="allowed hostnames")
    def hostnames_shown(self, obj: Widget) -> str:
        return ", ".join(obj.hostnames)

    def save_model(self, request: HttpRequest, obj: Widget, form: forms.ModelForm, change: bool) -> None:
        widget_save(widget=obj)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        obj = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if obj is not None:
            extra["embed_code"] = embed_snippet(obj, base_url=site_base_url(request))
        return super().change_view(request, object_id, form_url, extra_context=extra)
