"""API integrations with external systems: a plugin (API class) plus the attributes handed to it."""
from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from tvmiddleware.models import ExternalSystem, ExternalSystemAttribute
from tvmiddleware.plugins import registry

from .base import TenantAdmin, TenantInlineFormSet, TenantModelForm, TenantTabularInline


class ExternalSystemForm(TenantModelForm):
    """The API class is one of the installed plugins (`tvmiddleware.plugins.registry`)."""

    api_class = forms.ChoiceField(label="API class", help_text="Plugin that talks to the system.")

    class Meta:
        model = ExternalSystem
        fields = "__all__"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = registry.choices()
        current = self.instance.api_class
        if current and current not in registry:  # keep showing what is stored; saving asks for another
            choices.append((current, f"{current} (not installed)"))
        self.fields["api_class"].choices = [("", "---------"), *choices]


class ExternalSystemAttributeFormSet(TenantInlineFormSet):
    """The attributes as a whole are checked by the chosen plugin's `validate_attributes`."""

    def clean(self) -> None:
        super().clean()
        api_class = self.instance.api_class
        if api_class not in registry:
            return  # the integration's own form reports the API class
        forms_by_key = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("key") and not self._should_delete_form(form):
                forms_by_key[data["key"]] = form
        attributes = {key: form.cleaned_data.get("value", "") for key, form in forms_by_key.items()}
        unplaced = []
        for key, message in registry.get(api_class).validate_attributes(attributes).items():
            if key in forms_by_key:
                forms_by_key[key].add_error("value", message)
            else:
                unplaced.append(f"{key}: {message}")
        if unplaced:
            raise ValidationError(unplaced)


class ExternalSystemAttributeInline(TenantTabularInline):
    """Key/value settings handed to the plugin (keys, partner ids, endpoints)."""

    model = ExternalSystemAttribute
    formset = ExternalSystemAttributeFormSet
    fields = ["key", "value"]


@admin.register(ExternalSystem)
class ExternalSystemAdmin(TenantAdmin):
    """Integrations. Enabled ones receive the domain events their plugin handles."""

    form = ExternalSystemForm
    list_display = ["name", "api_class", "enabled", "is_default_for_billing", "tariff"]
    list_filter = ["enabled", "api_class", "is_default_for_billing"]
    search_fields = ["name", "api_class"]
    fields = ["name", "api_class", "enabled", "is_default_for_billing", "tariff"]
    inlines = [ExternalSystemAttributeInline]
