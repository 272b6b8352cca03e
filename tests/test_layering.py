"""One direction of dependencies for the online cinemas: each cinema app depends on the core and on
the cinema kit, never on another cinema app (nor on the retired `svod_partners`); the kit and the
core depend on no cinema app. A plain scan of the import statements (import-linter contracts may
replace it)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CINEMA_APPS = ("megogo", "tvzavr", "cinema_start", "cinema_premier")
OTHER_PLUGINS = ("payments", "irdeto")
GONE = ("svod_partners",)
KIT = "cinema_kit"
CORE = ("tvmiddleware", "billing")


def imported_packages(package: str) -> dict[str, set[str]]:
    """{file: top-level packages it imports}, for every module of `package` (relative imports stay inside)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
            elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "import_module" and node.args \
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                names.add(node.args[0].value.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


def offending(package: str, forbidden: set[str]) -> list[str]:
    return [f"{path} imports {', '.join(sorted(names & forbidden))}"
            for path, names in imported_packages(package).items() if names & forbidden]


def test_the_scan_sees_imports():
    assert KIT in set().union(*imported_packages("megogo").values())  # the scan is not vacuous


@pytest.mark.parametrize("app", CINEMA_APPS)
def test_a_cinema_app_imports_no_other_cinema_app(app):
    assert offending(app, set(CINEMA_APPS) - {app} | set(GONE)) == []


@pytest.mark.parametrize("app", OTHER_PLUGINS)
def test_other_plugins_import_no_other_plugin_nor_the_kit(app):
    assert offending(app, set(CINEMA_APPS) | set(OTHER_PLUGINS) - {app} | {KIT, "demo"}) == []


@pytest.mark.parametrize("package", [KIT, *CORE])
def test_the_kit_and_the_core_import_no_cinema_app(package):
    assert offending(package, set(CINEMA_APPS) | set(GONE)) == []


def test_the_core_does_not_import_the_kit():
    for package in CORE:
        assert offending(package, {KIT}) == []


def test_svod_partners_is_gone():
    assert not (ROOT / "svod_partners").exists()
    from django.conf import settings

    assert "svod_partners" not in settings.INSTALLED_APPS
    assert {"cinema_kit", *CINEMA_APPS} <= set(settings.INSTALLED_APPS)
