"""Error codes are named constants (`apikit.spec.ErrorCode`): no API module answers a bare number,
and every method's declared codes are named."""
from __future__ import annotations

import ast
from pathlib import Path

from django.urls import get_resolver
from django.urls.resolvers import URLResolver

from apikit.spec import ErrorCode

ROOT = Path(__file__).resolve().parent.parent
API_PACKAGES = ("apis", "apikit", "payments/api")
ANSWERS = {"fail", "error"}
CODE_KEYWORDS = {"invalid_param_error", "validation_error", "bad_key_error", "code"}


def _bare_codes(path: Path) -> list[str]:
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        candidates = []
        if name in ANSWERS and node.args:
            candidates.append(node.args[0])
        candidates += [keyword.value for keyword in node.keywords if keyword.arg in CODE_KEYWORDS]
        for value in candidates:
            if isinstance(value, ast.UnaryOp) and isinstance(value.operand, ast.Constant):
                value = value.operand
            if isinstance(value, ast.Constant) and isinstance(value.value, int) and not isinstance(value.value, bool):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}({value.value}...)")
    return found


def test_no_api_module_answers_a_bare_error_number():
    scanned = [path for package in API_PACKAGES for path in sorted((ROOT / package).rglob("*.py"))]
    assert len(scanned) > 20  # the scan is not vacuous
    bare = [line for path in scanned for line in _bare_codes(path)]
    assert bare == []


def _api_views(resolver=None):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern)
        elif hasattr(pattern.callback, "api_spec"):
            yield pattern.callback


def test_every_declared_code_is_named():
    views = list(_api_views())
    assert len(views) > 100
    unnamed = [f"{view.__module__}.{view.__name__}: {code!r}" for view in views
               for code in view.api_spec.all_errors() if not isinstance(code, ErrorCode)]
    assert unnamed == []
