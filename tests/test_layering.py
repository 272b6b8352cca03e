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


# --- private names, and who chooses how a title is sold --------------------------------------------------

PROJECT_PACKAGES = ("common", "apikit", "apis", "tvmiddleware", "billing", "payments", "irdeto", "widgets", KIT,
                    *CINEMA_APPS)
HTTP_LAYERS = ("apis", "apikit", "tvmiddleware/streaming", "payments/api", "widgets")


def test_the_scanned_packages_exist():
    """The scans below would pass vacuously over a package that moved."""
    missing = [package for package in (*PROJECT_PACKAGES, *HTTP_LAYERS, *VIEW_PACKAGES) if not (ROOT / package).is_dir()]
    assert missing == []


def imported_names(package: str) -> list[tuple[str, str, str]]:
    """(file, module, name) of every `from module import name` in `package`."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                found += [(str(path.relative_to(ROOT)), module, alias.name) for alias in node.names]
    return found


def test_no_module_imports_another_modules_private_names():
    private = [f"{path}: from {module} import {name}" for package in PROJECT_PACKAGES
               for path, module, name in imported_names(package)
               if name.startswith("_") and not name.startswith("__")]
    assert private == []


def test_the_http_layers_never_choose_how_a_title_is_sold():
    """One purchase entry point: views call `video_purchase` (and catch its refusals); the billing
    mode is decided inside `billing.purchases`, never by a view."""
    choosers = {"purchase_mode", "purchases_billed_externally", "billing_plugin_for", "PurchaseMode"}
    found = [f"{path}: from {module} import {name}" for package in PROJECT_PACKAGES
             for path, module, name in imported_names(package)
             if path.startswith(HTTP_LAYERS) and name in choosers]
    assert found == []


def test_the_cores_services_do_not_import_billing():
    """Billing builds on the core's services and rules (`billing.purchases` on the purchase rules,
    `billing.subscriptions` on `tariff_assign`), not the other way round: the HTTP layer calls the
    billing service, and no core service reaches into billing."""
    imports = imported_packages("tvmiddleware/services")
    assert "tvmiddleware/services/purchases.py" in imports  # the scan is not vacuous
    assert [path for path, names in imports.items() if "billing" in names] == []


VIEW_PACKAGES = ("apis", "payments/api")
# Read-only savepoints: the database may still refuse a user's pattern; nothing is written in them.
READ_SAVEPOINTS = {"apis/billing/accounts.py": 1, "apis/billing/customers.py": 1}


def test_views_open_no_transactions():
    """Views compose nothing: a write that needs several services is one service with its own
    transaction. The only `transaction.atomic` blocks left in view modules guard reads."""
    found: dict[str, int] = {}
    for package in VIEW_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            count = path.read_text(encoding="utf-8").count("transaction.atomic")
            if count:
                found[str(path.relative_to(ROOT))] = count
    assert found == READ_SAVEPOINTS


def test_only_the_purchase_service_writes_purchases():
    """A `VideoPurchase` (it opens a title) is written by `billing.purchases` alone, whatever bills it."""
    writers = sorted(str(path.relative_to(ROOT)) for package in PROJECT_PACKAGES
                     for path in (ROOT / package).rglob("*.py")
                     if "VideoPurchase.objects.create" in path.read_text(encoding="utf-8")
                     or "VideoPurchase.objects.bulk_create" in path.read_text(encoding="utf-8"))
    assert writers == ["billing/purchases.py"]
