"""Tenant scoping shared by every admin of the operator panel.

Staff users work for one operator (`user.operator_profile.client`). Everything the panel shows them,
every choice of a related row, every autocomplete answer and every row they save is limited to that
operator; the `client` column is hidden from them and filled in automatically. Superusers see every
operator and choose the client of a row themselves; the forms still refuse to link rows of two
different operators.
"""
from __future__ import annotations

from typing import Any, Iterable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, get_fields_from_path
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, router, transaction
from django.forms.models import BaseInlineFormSet, InlineForeignKeyField
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from tvmiddleware.models import Client, TenantModel, staff_client_id
from common.money import is_plain_decimal
from common.errors import ServiceError

CLIENT_FIELD = "client"
OTHER_OPERATOR_MESSAGE = "This belongs to another operator."


def scope_for_user(queryset: models.QuerySet, user: Any, *, via: str | None = None) -> models.QuerySet:
    """The rows of `queryset` a panel user may see.

    Tenant models go through `TenantQuerySet.for_user`; operators themselves (`Client`) are limited
    to the user's own; a model without a client column is scoped through its parent relation `via`.
    Anything else (device types, users) is shared by all operators and returned as is.
    """
    if user.is_superuser:
        return queryset
    if via is not None:
        parent = queryset.model._meta.get_field(via).related_model
        return queryset.filter(**{f"{via}__in": scope_for_user(parent._default_manager.all(), user)})
    if queryset.model is Client:
        return queryset.filter(pk=staff_client_id(user))
    if issubclass(queryset.model, TenantModel):
        return queryset.for_user(user)
    return queryset


def is_tenant_row(obj: Any) -> bool:
    return isinstance(obj, TenantModel)


def adopt_saved_row(obj: models.Model, saved: models.Model) -> None:
    """Make the admin's unsaved instance the row a service created.

    The admin keeps using its own instance after `save_model` (change log, redirect, inline rows),
    so it must become that row: same primary key, values as stored.
    """
    obj.pk = saved.pk
    obj.refresh_from_db()
    obj._state.adding = False


def _without_client(fields: Iterable[Any]) -> list[Any]:
    """Field names of a form layout without `client` (lines of several fields are tuples)."""
    result: list[Any] = []
    for field in fields:
        if isinstance(field, (list, tuple)):
            line = tuple(f for f in field if f != CLIENT_FIELD)
            if line:
                result.append(line)
        elif field != CLIENT_FIELD:
            result.append(field)
    return result


# --- forms ------------------------------------------------------------------------------------------

class TenantModelForm(forms.ModelForm):
    """A form for a row that belongs to one operator.

    The operator is the form's `client` field when a superuser edits, `tenant_client_id` (bound by
    the admin for staff) for a new row, or the parent row's for an inline row. Related rows of
    another operator are refused: staff cannot even choose them, superusers could by mistake.
    """

    tenant_client_id: int | None = None

    def __init__(self, *args: Any, tenant_parent: models.Model | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tenant_parent = tenant_parent
        if is_tenant_row(self.instance) and self.instance.client_id is None and self.tenant_client_id:
            self.instance.client_id = self.tenant_client_id

    def row_client_id(self) -> int | None:
        """The operator the row being edited belongs to (as far as it is known yet)."""
        if CLIENT_FIELD in self.fields:
            client = self.cleaned_data.get(CLIENT_FIELD)
            return client.pk if client is not None else None
        if self.tenant_parent is not None:
            return getattr(self.tenant_parent, "client_id", None)
        return getattr(self.instance, "client_id", None)

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        client_id = self.row_client_id()
        if client_id is not None:
            if is_tenant_row(self.instance) and CLIENT_FIELD not in self.fields:
                self.instance.client_id = client_id  # an inline row takes its parent's operator
            self._refuse_other_operators_rows(client_id)
        return cleaned_data

    def _refuse_other_operators_rows(self, client_id: int) -> None:
        for name, value in list(self.cleaned_data.items()):
            rows = value if isinstance(value, (models.QuerySet, list, tuple)) else [value]
            if any(is_tenant_row(row) and row.client_id != client_id for row in rows):
                self.add_error(name, OTHER_OPERATOR_MESSAGE)

    def validate_unique(self) -> None:
        super().validate_unique()
        self._validate_constraints_with_parent()

    def _validate_constraints_with_parent(self) -> None:
        # Django checks model constraints of an inline row with the parent's key left out (the parent
        # may not exist yet), so a UniqueConstraint naming the parent (a tariff's CAS product) is
        # never checked and a duplicate row fails in the database. Check those with the parent.
        parent_keys = {name for name, field in self.fields.items() if isinstance(field, InlineForeignKeyField)}
        if not parent_keys:
            return
        exclude = self._get_validation_exclusions() - parent_keys
        errors = []
        for model_class, constraints in self.instance.get_constraints():
            for constraint in constraints:
                if not parent_keys & set(getattr(constraint, "fields", ())):
                    continue
                try:
                    constraint.validate(model_class, self.instance, exclude=exclude,
                                        using=router.db_for_write(model_class, instance=self.instance))
                except ValidationError as exc:
                    errors.append(exc)
        if errors:
            self._update_errors(ValidationError(errors))

    def _get_validation_exclusions(self) -> set[str]:
        # The client is not a form field for staff and inline rows, so Django would skip every
        # per-operator unique rule (abonement, ext_id, device UID...) and a duplicate would only
        # fail in the database. The client is known by now: validate with it.
        exclude = super()._get_validation_exclusions()
        if getattr(self.instance, "client_id", None) is not None:
            exclude.discard(CLIENT_FIELD)
        return exclude


class TenantInlineFormSet(BaseInlineFormSet):
    """Hands each inline form its parent row, whose operator the inline row takes."""

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "tenant_parent": self.instance}


# --- refusals of the services -----------------------------------------------------------------------

def add_service_error(form: forms.BaseForm, error: ServiceError) -> None:
    """Show a service's refusal on the form: on the fields it names that the form has, else on top."""
    named = [name for name in error.fields if name in form.fields]
    if not named:
        form.add_error(None, error.message)
        return
    form.add_error(named[0], error.message)
    for name in named[1:]:
        form.add_error(name, str(error.fields[name]))


def _form_refused_by(form_class: type[forms.BaseForm], error: ServiceError) -> type[forms.BaseForm]:
    """`form_class` whose bound forms carry `error`, so the page is shown again with it."""

    class RefusedForm(form_class):  # type: ignore[valid-type, misc]
        def full_clean(self) -> None:
            super().full_clean()
            if self.is_bound:
                add_service_error(self, error)

    RefusedForm.__name__ = form_class.__name__
    return RefusedForm


class ServiceErrorsMixin:
    """A `ServiceError` raised while the panel saves, deletes or runs an action is the user's answer.

    Forms are validated before the services run, but only the services know every rule (a status
    that contradicts the flag, a duplicate number, a tariff still held...). When one refuses, what
    the request wrote so far is rolled back and the user sees why: the add/change page comes back
    with the refusal as a form error (on the field the service names when the form has it), a
    delete or a list action ends with an error message. Never a server error.
    """

    _service_error_attr = "_admin_service_error"

    def changeform_view(self, request: HttpRequest, object_id: str | None = None, form_url: str = "",
                        extra_context: dict[str, Any] | None = None) -> HttpResponse:
        queued = _queued_messages(request)
        try:
            # The stock view runs in its own transaction: a refusal rolls back the whole save.
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceError as exc:
            _drop_messages_since(request, queued)  # e.g. "the password is ..." of a rolled back account
            if request.method != "POST":
                return self.refused(request, exc, self._changelist_url())
            error = exc
        # Render the page again from the same POST: validation now ends with the refusal.
        setattr(request, self._service_error_attr, error)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceError as again:
            return self.refused(request, again, self._changelist_url())
        finally:
            delattr(request, self._service_error_attr)

    def get_form(self, request: HttpRequest, obj: models.Model | None = None, change: bool = False,
                 **kwargs: Any):
        form = super().get_form(request, obj, change=change, **kwargs)
        error = getattr(request, self._service_error_attr, None)
        return _form_refused_by(form, error) if error is not None else form

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
                    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except ServiceError as error:
            opts = self.model._meta
            back = reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change", args=[object_id],
                           current_app=self.admin_site.name)
            return self.refused(request, error, back)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if request.method != "POST":
            return super().changelist_view(request, extra_context)
        queued = _queued_messages(request)
        try:
            # Actions and list edits: all or nothing when a service refuses one of the rows.
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super().changelist_view(request, extra_context)
        except ServiceError as error:
            _drop_messages_since(request, queued)
            return self.refused(request, error, request.get_full_path(), prefix="Nothing was changed: ")

    def refused(self, request: HttpRequest, error: ServiceError, url: str, *, prefix: str = "") -> HttpResponse:
        """Tell the user why the service refused and go back to `url`."""
        self.message_user(request, f"{prefix}{error.message}", messages.ERROR)
        return HttpResponseRedirect(url)

    def _changelist_url(self) -> str:
        opts = self.model._meta
        return reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist",
                       current_app=self.admin_site.name)


def _queued_messages(request: HttpRequest) -> int:
    storage = getattr(request, "_messages", None)
    return len(getattr(storage, "_queued_messages", []))


def _drop_messages_since(request: HttpRequest, count: int) -> None:
    # Messages told about writes that were rolled back would lie; the storage offers no removal.
    storage = getattr(request, "_messages", None)
    if storage is not None and hasattr(storage, "_queued_messages"):
        del storage._queued_messages[count:]


# --- widgets ----------------------------------------------------------------------------------------

class KeysOnlyAutocompleteMixin:
    """Django's autocomplete widgets look the submitted values up again to redisplay a refused form;
    a value that is no key of the related table at all (letters, a number out of range) would make
    that query fail. Such values are simply not shown: the form already says they are invalid."""

    def optgroups(self, name: str, value: list[Any], attr: dict[str, Any] | None = None) -> list[Any]:
        return super().optgroups(name, [v for v in value if self._is_key(v)], attr)

    def _is_key(self, value: Any) -> bool:
        remote = self.field.remote_field
        opts = remote.model._meta
        target = opts.get_field(getattr(remote, "field_name", None) or opts.pk.name)
        try:
            target.run_validators(target.to_python(value))
        except (ValidationError, TypeError, ValueError):
            return False
        return True


class KeysOnlyAutocompleteSelect(KeysOnlyAutocompleteMixin, AutocompleteSelect):
    pass


class KeysOnlyAutocompleteSelectMultiple(KeysOnlyAutocompleteMixin, AutocompleteSelectMultiple):
    pass


class AutocompleteKeysMixin:
    """Autocomplete fields of an admin or inline use the widgets above."""

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs: Any):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault("widget", KeysOnlyAutocompleteSelect(db_field, self.admin_site,
                                                                   using=kwargs.get("using")))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs: Any):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault("widget", KeysOnlyAutocompleteSelectMultiple(db_field, self.admin_site,
                                                                           using=kwargs.get("using")))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


# --- admins -----------------------------------------------------------------------------------------

class PlainDecimalField(forms.DecimalField):
    """A decimal form field that takes what the APIs take (`common.money`): ASCII digits with
    an optional `-` and `.` — not `١٠٠`, `1e2`, `1_000` or `NaN`, which Django's own field accepts."""

    def to_python(self, value: Any):
        if value not in self.empty_values and not is_plain_decimal(str(value).strip()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class PanelAdminMixin(ServiceErrorsMixin, AutocompleteKeysMixin):
    """What every admin of the panel shares, whoever owns its rows: refusals of the services are
    shown (never a server error) and garbage posted in an autocomplete field is a form error."""


class PanelAdmin(PanelAdminMixin, admin.ModelAdmin):
    """Base of the admins of rows no single operator owns (operators, staff profiles, device types)."""


class TenantScopedMixin:
    """Limits what an admin (or inline) reads and offers to the user's operator.

    `tenant_via` names the parent relation for a model without a client column (SelectionItem).
    """

    tenant_via: str | None = None
    formfield_overrides = {models.URLField: {"assume_scheme": "https"},
                           models.DecimalField: {"form_class": PlainDecimalField}}

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return scope_for_user(super().get_queryset(request), request.user, via=self.tenant_via)

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs: Any):
        kwargs.setdefault("queryset", self.related_choices(db_field, request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs: Any):
        kwargs.setdefault("queryset", self.related_choices(db_field, request))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def related_choices(self, db_field, request: HttpRequest) -> models.QuerySet:
        """Rows a relation may point to: the related admin's ordering, the user's operator only."""
        queryset = self.get_field_queryset(None, db_field, request)
        if queryset is None:
            queryset = db_field.remote_field.model._default_manager.all()
        return scope_for_user(queryset, request.user)


class TenantAdmin(PanelAdminMixin, TenantScopedMixin, admin.ModelAdmin):
    """Base of every admin of operator-owned rows.

    Staff never see the `client` column: new rows get their operator, inline rows their parent's.
    Superusers get it as the first field, an extra list column and a list filter.
    Relation list filters only offer related rows that occur in the user's own rows.
    """

    form = TenantModelForm
    list_per_page = 50

    # --- the client column ----------------------------------------------------------------------
    def get_fields(self, request: HttpRequest, obj: models.Model | None = None) -> list[Any]:
        fields = list(super().get_fields(request, obj))
        if not request.user.is_superuser:
            return _without_client(fields)
        if CLIENT_FIELD not in flatten_fieldsets([(None, {"fields": fields})]):
            fields.insert(0, CLIENT_FIELD)  # an admin that lists its fields still lets superusers choose
        return fields

    def get_fieldsets(self, request: HttpRequest, obj: models.Model | None = None) -> list[Any]:
        fieldsets = super().get_fieldsets(request, obj)
        if not request.user.is_superuser:
            return [(name, {**opts, "fields": _without_client(opts["fields"])}) for name, opts in fieldsets]
        if self.fieldsets and CLIENT_FIELD not in flatten_fieldsets(fieldsets):
            (name, opts), *rest = fieldsets
            return [(name, {**opts, "fields": [CLIENT_FIELD, *opts["fields"]]}), *rest]
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: models.Model | None = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and CLIENT_FIELD not in readonly:
            readonly.append(CLIENT_FIELD)  # a row never moves to another operator: its related rows would not
        return readonly

    def get_list_display(self, request: HttpRequest) -> list[Any]:
        columns = list(super().get_list_display(request))
        if request.user.is_superuser and CLIENT_FIELD not in columns:
            columns.insert(1, CLIENT_FIELD)
        return columns

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        filters = [self._scoped_filter(entry) for entry in super().get_list_filter(request)]
        if request.user.is_superuser:
            filters.append(CLIENT_FIELD)
        return filters

    def _scoped_filter(self, entry: Any) -> Any:
        # The stock relation filter lists every row of the related table, other operators' included.
        if not isinstance(entry, str):
            return entry
        try:
            field = get_fields_from_path(self.model, entry)[-1]
        except FieldDoesNotExist:
            return entry
        return (entry, admin.RelatedOnlyFieldListFilter) if field.is_relation else entry

    # --- saving ---------------------------------------------------------------------------------
    def get_form(self, request: HttpRequest, obj: models.Model | None = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change=change, **kwargs)
        # `get_form` builds a new class on every call, so binding the operator to it is per request.
        form.tenant_client_id = None if request.user.is_superuser else staff_client_id(request.user)
        return form

    def save_model(self, request: HttpRequest, obj: models.Model, form: forms.ModelForm, change: bool) -> None:
        self.assign_client(request, obj)
        super().save_model(request, obj, form, change)

    def assign_client(self, request: HttpRequest, obj: models.Model) -> None:
        if not request.user.is_superuser and is_tenant_row(obj):
            obj.client_id = staff_client_id(request.user)

    def save_formset(self, request: HttpRequest, form: forms.ModelForm, formset, change: bool) -> None:
        """Save inline rows; each takes the operator of the row it belongs to."""
        rows = formset.save(commit=False)
        for row in formset.deleted_objects:
            row.delete()
        for row in rows:
            if is_tenant_row(row):
                row.client_id = formset.instance.client_id
            row.save()
        formset.save_m2m()


class TenantInlineMixin(AutocompleteKeysMixin, TenantScopedMixin):
    """Inline rows of an operator-owned parent: scoped like their parent, never showing `client`."""

    form = TenantModelForm
    formset = TenantInlineFormSet
    extra = 0

    def get_fields(self, request: HttpRequest, obj: models.Model | None = None) -> list[Any]:
        return _without_client(super().get_fields(request, obj))


class TenantTabularInline(TenantInlineMixin, admin.TabularInline):
    pass


class TenantStackedInline(TenantInlineMixin, admin.StackedInline):
    pass


# --- permission shapes ------------------------------------------------------------------------------

class ReadOnlyAdminMixin:
    """A record nobody edits in the panel (ledger, events): only services write it."""

    def get_readonly_fields(self, request: HttpRequest, obj: models.Model | None = None) -> list[str]:
        # Declared fields are shown as values: a form would refuse non-editable ones (created_at).
        readonly = list(super().get_readonly_fields(request, obj))
        declared = flatten_fieldsets([(None, {"fields": self.fields or []})])
        return readonly + [name for name in declared if name not in readonly]

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


class SuperuserWriteMixin:
    """Shared or operator-level settings: staff may at most look, superusers manage."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return request.user.is_superuser


class ServiceDeleteMixin:
    """Deleting goes through a service (`delete_row`) so partners hear of it, one row at a time."""

    def delete_row(self, obj: models.Model) -> None:
        raise NotImplementedError

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        self.delete_row(obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        for obj in queryset:
            self.delete_row(obj)
