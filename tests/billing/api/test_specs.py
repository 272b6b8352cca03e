"""Every Billing API method declares one spec: a summary, its parameters, its codes as named constants
of `apis.billing.errors` (one meaning per number), and the fields of its answer."""
import pytest
from django.urls import URLPattern, URLResolver

from apikit.signed import GLOBAL_ERRORS
from apikit.spec import ErrorCode, Obj
from apis.billing import errors, urls


def routed_methods(patterns=None, prefix=""):
    for entry in patterns if patterns is not None else urls.urlpatterns:
        if isinstance(entry, URLResolver):
            yield from routed_methods(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


METHODS = dict(routed_methods())
NAMED = {value for value in vars(errors).values() if isinstance(value, ErrorCode)}


def test_every_method_is_routed_once():
    assert len(METHODS) == 44 and len({id(view) for view in METHODS.values()}) == 44


@pytest.mark.parametrize("path", sorted(METHODS))
def test_method_declares_its_spec(path):
    spec = METHODS[path].api_spec
    assert spec.summary and isinstance(spec.response, Obj), path
    by_number: dict[int, ErrorCode] = {}
    for code in (spec.invalid_param, *spec.errors, *(param.error for param in spec.params)):
        if code is None:
            continue
        assert isinstance(code, ErrorCode) and code in NAMED | set(GLOBAL_ERRORS), (path, code)
        assert by_number.setdefault(int(code), code) is code, f"{path}: two meanings for {int(code)}"


def test_every_named_code_is_answered_somewhere():
    used = {code for view in METHODS.values() for code in view.api_spec.all_errors()}
    used |= {code for view in METHODS.values() for code in view.api_spec.errors}
    assert {code.name for code in NAMED - used} == set()
