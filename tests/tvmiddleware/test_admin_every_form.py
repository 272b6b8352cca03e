"""Every add and change form of every registered admin, fed contradictory and garbage input: never a 5xx.

The test walks `admin.site._registry`, so a model registered tomorrow (in any app) is covered without
touching this file: its add form at once, its change form as soon as `ROW_BUILDERS` knows how to make
one of its rows (a test below fails until it does). Each form is posted as a superuser and as staff
of an operator, in several shapes built from the page as rendered:

- as rendered, with required fields filled in plausibly (reaches the services);
- everything empty; type garbage in every field (letters in numbers, bad dates, unknown choices,
  NUL characters, broken JSON, missing rows);
- numbers at their largest and smallest (negative), longest strings, extreme dates;
- every flag on and the last choice of every list, then every flag off and the first choice
  (contradictory combinations such as an "Active" account "Blocked");
- related rows of another operator.

Inline formsets get one new row of the same shape. The Django test client re-raises exceptions, so
a failure shows the traceback of the 500 it would have been.
"""
from __future__ import annotations

import datetime
from typing import Any, Callable

import pytest
from django import forms
from django.contrib import admin
from django.db import models

from tests import factories
from tests.admin_factories import ROW_BUILDERS, admin_url, build_row, change_url, make_staff
from tvmiddleware.models import Client

pytest_plugins = ["tests.admin_factories"]  # staff_client, superuser_client, ... fixtures

REGISTERED = sorted(admin.site._registry, key=lambda m: m._meta.label)
USERS = ["superuser", "staff"]
LONG = 5000
FarFuture, FarPast = datetime.date(9999, 12, 31), datetime.date(1, 1, 1)


def label(value: Any) -> str:
    return value._meta.label if isinstance(value, type) else str(value)


# --- values of one form field in each shape -----------------------------------------------------------

def _number_bounds(field: forms.Field) -> tuple[Any, Any]:
    high = field.max_value if getattr(field, "max_value", None) is not None else 2**63
    low = field.min_value if getattr(field, "min_value", None) is not None else -(2**63)
    return high, low


def _choices(field: forms.ChoiceField) -> list[str]:
    values = []
    for value, text in field.choices:
        if isinstance(text, (list, tuple)):  # grouped choices
            values.extend(str(v) for v, _ in text)
        elif value not in ("", None):
            values.append(str(getattr(value, "value", value)))
    return values


def _as_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return value


class Shapes:
    """Builds field values; `foreign` gives a pk of another operator's row of a model (or None)."""

    def __init__(self, foreign: Callable[[type[models.Model]], Any]) -> None:
        self.foreign = foreign

    def plausible(self, field: forms.Field) -> Any:
        """A value a user could have typed, to fill a required field left empty on the page."""
        if isinstance(field, forms.ModelMultipleChoiceField):
            first = field.queryset.first()
            return [str(first.pk)] if first is not None else []
        if isinstance(field, forms.ModelChoiceField):
            first = field.queryset.first()
            return str(first.pk) if first is not None else ""
        if isinstance(field, forms.MultipleChoiceField):
            return _choices(field)[:1]
        if isinstance(field, forms.ChoiceField):
            return (_choices(field) or [""])[0]
        if isinstance(field, forms.SplitDateTimeField):
            return [datetime.date.today().isoformat(), "12:00:00"]
        if isinstance(field, forms.DateTimeField):
            return f"{datetime.date.today().isoformat()} 12:00:00"
        if isinstance(field, forms.DateField):
            return datetime.date.today().isoformat()
        if isinstance(field, forms.TimeField):
            return "12:00:00"
        if isinstance(field, forms.DurationField):
            return "01:00:00"
        if isinstance(field, (forms.IntegerField, forms.DecimalField, forms.FloatField)):
            return "1"
        if isinstance(field, forms.URLField):
            return "https://example.com/a"
        if isinstance(field, forms.EmailField):
            return "someone@example.com"
        if isinstance(field, forms.GenericIPAddressField):
            return "10.0.0.1"
        if isinstance(field, forms.JSONField):
            return "{}"
        if isinstance(field, forms.UUIDField):
            return "12345678-1234-5678-1234-567812345678"
        return "123"  # digits pass numeric rules (logins, codes) and read as a name

    def garbage(self, field: forms.Field) -> Any:
        """Not a value of the field's type at all."""
        if isinstance(field, (forms.ModelMultipleChoiceField, forms.MultipleChoiceField)):
            return ["999999999", "not-a-choice", "-1"]
        if isinstance(field, (forms.ModelChoiceField, forms.ChoiceField)):
            return "\u0000not-a-choice"
        if isinstance(field, forms.SplitDateTimeField):
            return ["2026-13-45", "25:61"]
        if isinstance(field, (forms.DateField, forms.DateTimeField, forms.TimeField, forms.DurationField)):
            return "2026-13-45T99:99"
        if isinstance(field, (forms.IntegerField, forms.DecimalField, forms.FloatField)):
            return "1e400" if isinstance(field, forms.DecimalField) else "NaN"
        if isinstance(field, forms.JSONField):
            return '{"unclosed": ['
        if isinstance(field, forms.BooleanField):
            return "\u0000"
        return "bad\u0000value <script>alert(1)</script> ' OR 1=1 --"

    def highest(self, field: forms.Field) -> Any:
        if isinstance(field, (forms.IntegerField, forms.DecimalField, forms.FloatField)):
            high, _low = _number_bounds(field)
            return "9" * 40 if high == 2**63 else str(high)
        if isinstance(field, forms.SplitDateTimeField):
            return [FarFuture.isoformat(), "23:59:59"]
        if isinstance(field, forms.DateTimeField):
            return f"{FarFuture.isoformat()} 23:59:59"
        if isinstance(field, forms.DateField):
            return FarFuture.isoformat()
        if isinstance(field, forms.DurationField):
            return "999999999 23:59:59"
        if isinstance(field, forms.JSONField):
            return "[" + ",".join(["1e308"] * 1000) + "]"
        if type(field) is forms.CharField:
            return "9" * (field.max_length or LONG)
        return None

    def lowest(self, field: forms.Field) -> Any:
        if isinstance(field, (forms.IntegerField, forms.DecimalField, forms.FloatField)):
            _high, low = _number_bounds(field)
            return "-" + "9" * 40 if low == -(2**63) else str(low - 1 if low >= 0 else low)
        if isinstance(field, forms.SplitDateTimeField):
            return [FarPast.isoformat(), "00:00:00"]
        if isinstance(field, forms.DateTimeField):
            return f"{FarPast.isoformat()} 00:00:00"
        if isinstance(field, forms.DateField):
            return FarPast.isoformat()
        if isinstance(field, forms.DurationField):
            return "-999999999 00:00:00"
        if isinstance(field, forms.JSONField):
            return "null"
        if type(field) is forms.CharField:
            return " "
        return None

    def flags_on(self, field: forms.Field) -> Any:
        if isinstance(field, forms.NullBooleanField):
            return "true"
        if isinstance(field, forms.BooleanField):
            return "on"
        if isinstance(field, forms.MultipleChoiceField) and not isinstance(field, forms.ModelMultipleChoiceField):
            return _choices(field)
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            return (_choices(field) or [""])[-1]
        return None

    def flags_off(self, field: forms.Field) -> Any:
        if isinstance(field, forms.NullBooleanField):
            return "false"
        if isinstance(field, forms.BooleanField):
            return ""
        if isinstance(field, forms.MultipleChoiceField) and not isinstance(field, forms.ModelMultipleChoiceField):
            return []
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            return (_choices(field) or [""])[0]
        return None

    def other_operator(self, field: forms.Field) -> Any:
        if isinstance(field, (forms.ModelChoiceField, forms.ModelMultipleChoiceField)):
            pk = self.foreign(field.queryset.model)
            if pk is None:
                return None
            return [str(pk)] if isinstance(field, forms.ModelMultipleChoiceField) else str(pk)
        return None


SHAPES = ["filled", "empty", "garbage", "highest", "lowest", "flags_on", "flags_off", "other_operator"]


# --- POST data of a page in one shape -----------------------------------------------------------------

def _put(data: dict[str, Any], bound: forms.BoundField, value: Any) -> None:
    name = bound.html_name
    for key in [key for key in data if key == name or key.startswith(f"{name}_")]:
        del data[key]
    if isinstance(bound.field.widget, forms.MultiWidget):
        parts = value if isinstance(value, (list, tuple)) else bound.field.widget.decompress(value)
        data.update({f"{name}_{i}": _as_text(part) for i, part in enumerate(parts)})
    elif isinstance(bound.field, forms.BooleanField) and not isinstance(bound.field, forms.NullBooleanField):
        if value not in ("", None, False):
            data[name] = value if isinstance(value, str) else "on"
    else:
        data[name] = [_as_text(v) for v in value] if isinstance(value, (list, tuple)) else _as_text(value)


def _rendered(bound: forms.BoundField) -> Any:
    value = bound.value()
    if isinstance(bound.field, forms.BooleanField) and not isinstance(bound.field, forms.NullBooleanField):
        return "on" if value else ""
    if isinstance(bound.field, forms.NullBooleanField):
        return {True: "true", False: "false"}.get(value, "unknown")
    if isinstance(value, (list, tuple)) and not isinstance(bound.field.widget, forms.MultiWidget):
        return [_as_text(getattr(v, "pk", v)) for v in value]
    return value


def _empty(value: Any) -> bool:
    return value in (None, "", [], ()) or (isinstance(value, (list, tuple)) and all(v in (None, "") for v in value))


def form_data(form: forms.BaseForm, shapes: Shapes, shape: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        if isinstance(field, forms.FileField):
            continue
        bound = form[name]
        value = _rendered(bound)
        if shape == "empty":
            value = "" if not isinstance(field, forms.MultiValueField) else ["", ""]
        else:
            if field.required and _empty(value):
                value = shapes.plausible(field)
            if shape != "filled":
                changed = getattr(shapes, shape)(field)
                if changed is not None:
                    value = changed
        _put(data, bound, value)
    return data


def page_data(response, shapes: Shapes, shape: str) -> dict[str, Any]:
    """The add/change page as rendered, in `shape`, with one new row in each inline."""
    data = form_data(response.context["adminform"].form, shapes, shape)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        initial = len(formset.initial_forms)
        can_add = inline.has_add_permission and formset.max_num > initial
        data.update({f"{formset.prefix}-TOTAL_FORMS": initial + can_add, f"{formset.prefix}-INITIAL_FORMS": initial,
                     f"{formset.prefix}-MIN_NUM_FORMS": 0, f"{formset.prefix}-MAX_NUM_FORMS": 1000})
        for form in formset.initial_forms:
            data.update(form_data(form, shapes, "filled"))
        if can_add:
            extra = formset.empty_form
            extra.prefix = formset.add_prefix(initial)
            data.update(form_data(extra, shapes, shape))
    return data


# --- the walk -------------------------------------------------------------------------------------------

@pytest.fixture
def http_for(client, superuser_client):
    def http(user: str, operator: Client):
        if user == "superuser":
            return superuser_client
        client.force_login(make_staff(operator))
        return client
    return http


def foreign_rows(other: Client) -> Callable[[type[models.Model]], Any]:
    """A row of another operator for a related model (made on first use), as its pk."""
    made: dict[type[models.Model], Any] = {}

    def pk_of(model: type[models.Model]) -> Any:
        if model not in made:
            made[model] = build_row(model, other).pk if model in ROW_BUILDERS else None
        return made[model]
    return pk_of


def post_every_shape(http, url: str, shapes: Shapes) -> list[str]:
    """POST each shape of the page at `url`; the shapes whose answer was a server error.

    Every shape is built from the page as first rendered (one GET: the walk covers ~200 forms).
    """
    page = http.get(url)
    assert page.status_code < 500, url
    if page.status_code != 200 or "adminform" not in (page.context or {}):
        return []  # no permission, or not a form (redirected): nothing to post
    shaped = [(shape, page_data(page, shapes, shape)) for shape in SHAPES]
    return [f"{shape}: {status}" for shape, data in shaped if (status := http.post(url, data).status_code) >= 500]


def test_every_registered_model_has_a_row_builder():
    """So its change form is walked too: add a builder in tests/admin_factories.ROW_BUILDERS."""
    assert [label(m) for m in REGISTERED if m not in ROW_BUILDERS] == []


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("model", REGISTERED, ids=label)
def test_add_form_never_answers_5xx(model, user, http_for, client_obj, other_client):
    factories.CustomerFactory(client=client_obj)  # something to choose in the common relations
    http = http_for(user, client_obj)
    assert post_every_shape(http, admin_url(model, "add"), Shapes(foreign_rows(other_client))) == []


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("model", [m for m in REGISTERED if m in ROW_BUILDERS], ids=label)
def test_change_form_never_answers_5xx(model, user, http_for, client_obj, other_client):
    row = build_row(model, client_obj)
    http = http_for(user, client_obj)
    assert post_every_shape(http, change_url(row), Shapes(foreign_rows(other_client))) == []
