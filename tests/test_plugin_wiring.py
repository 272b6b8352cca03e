"""Plugins carry their own wiring: each plugin app declares its API classes, staff permissions,
settings defaults, beat entries and URLs in its AppConfig (`tvmiddleware.plugin_apps`), the core and
the shared settings name none of them, and a project without some (or all) of them still works."""
from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import resolve

from settings.plugins import PLUGIN_APPS, installed_plugins
from tvmiddleware.plugin_apps import PluginAppConfig, add_settings_defaults, plugin_configs
from tvmiddleware.services import staff

ROOT = Path(__file__).resolve().parent.parent
# Plugin apps (the deployment's list) and one that is gone; partner names that only a plugin may say.
PLUGINS = (*PLUGIN_APPS, "svod_partners")
BRANDS = ("megogo", "tvzavr", "payture", "irdeto")
# Where no plugin may be named: the core, the demo app, and every settings module but the plugin list.
STRICT = ("tvmiddleware", "demo", "settings")
# The core's ledger app speaks of "payments" in its own protocols (the Billing API's and the REST
# billing plugin's `payments` lists): there only imports and dotted paths count.
IMPORTS_ONLY = ("billing",)
EXEMPT = {"settings/plugins.py"}


def python_files(package: str) -> list[Path]:
    return [path for path in sorted((ROOT / package).rglob("*.py"))
            if "migrations" not in path.parts and str(path.relative_to(ROOT)) not in EXEMPT]


def docstring_nodes(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


LABEL = re.compile(rf"^({'|'.join(PLUGINS)})([.:/]|$)|(?<![\w.])({'|'.join(PLUGINS)})\.\w")
BRAND = re.compile(rf"({'|'.join(BRANDS)})", re.IGNORECASE)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return ({alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
            | {node.module for node in ast.walk(tree)
               if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module})


def plugin_mentions(path: Path, *, strings: bool) -> list[str]:
    """What in `path` names a plugin: imports of a plugin package (also `import_module("...")`) and,
    with `strings`, string literals (not docstrings) naming a plugin app, module or partner."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    docstrings = docstring_nodes(tree)
    where = str(path.relative_to(ROOT))
    found = []
    for node in ast.walk(tree):
        modules = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        found += [(node.lineno, f"imports {m}") for m in modules if m.split(".")[0] in PLUGINS]
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            value = node.value
            if LABEL.search(value) if strings else re.match(rf"^({'|'.join(PLUGINS)})\.\w", value):
                found.append((node.lineno, f"names a plugin: {value!r}"))
            elif strings and BRAND.search(value):
                found.append((node.lineno, f"names a partner: {value!r}"))
        identifier = (getattr(node, "id", None) or getattr(node, "attr", None) or getattr(node, "arg", None)
                      or (node.name if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else None))
        if strings and isinstance(identifier, str) and BRAND.search(identifier):
            found.append((node.lineno, f"names a partner: {identifier}"))
    return [f"{where}:{line} {what}" for line, what in sorted(found)]


def test_the_scan_finds_what_it_looks_for(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    sample = tmp_path / "sample.py"
    sample.write_text(textwrap.dedent('''
        """Docstrings explain; they are not wiring."""
        import irdeto.plugin
        from payments.gateways import null
        from django.apps import apps
        INSTALLED = apps.is_installed("payments")
        BEAT = {"task": "megogo.tasks.sync_all"}
        URL = "cinema_start/urls"
        HELP = "e.g. Payture InPay"
        FINE = ["payment", "payments_count", "tariff_id"]
        IRDETO_HOST = "http://127.0.0.1:80"
    '''), encoding="utf-8")
    found = plugin_mentions(sample, strings=True)
    assert [line.split(" ", 1)[1] for line in found] == [
        "imports irdeto.plugin", "imports payments.gateways", "names a plugin: 'payments'",
        "names a plugin: 'megogo.tasks.sync_all'", "names a plugin: 'cinema_start/urls'",
        "names a partner: 'e.g. Payture InPay'", "names a partner: IRDETO_HOST",
    ]
    assert len(plugin_mentions(sample, strings=False)) == 3  # the imports and the dotted path


@pytest.mark.parametrize("package", STRICT)
def test_the_core_and_the_settings_name_no_plugin(package):
    found = [line for path in python_files(package) for line in plugin_mentions(path, strings=True)]
    assert found == []


@pytest.mark.parametrize("package", IMPORTS_ONLY)
def test_the_ledger_app_imports_no_plugin(package):
    found = [line for path in python_files(package) for line in plugin_mentions(path, strings=False)]
    assert found == []


def test_every_installed_plugin_declares_itself_through_the_contract():
    configs = {config.label: config for config in plugin_configs()}
    assert set(configs) == set(PLUGIN_APPS) - {"cinema_kit"}
    labels = set(staff.operator_app_labels())
    for label, config in configs.items():
        assert isinstance(config, PluginAppConfig) and (label in labels) == config.operator_app


def test_payments_and_irdeto_carry_their_settings_beat_entries_urls_and_permissions():
    assert settings.CELERY_BEAT_SCHEDULE["payments-reconcile"]["task"] == "payments.tasks.reconcile"
    assert settings.CELERY_BEAT_SCHEDULE["irdeto-resync"]["task"] == "irdeto.tasks.resync_all"
    assert settings.PAYMENTS_RECONCILE_AFTER_MINUTES == 10 and settings.PAYMENTS_EXPIRE_AFTER_HOURS == 24
    assert settings.IRDETO_NATIONALITY == "ENG" and settings.IRDETO_TIMEOUT == 10.0
    assert resolve("/billing/payment/payture/validate_notify/").app_name == "payments"
    assert resolve("/tvmiddleware/api/payment/create/").url_name == "payment-create"
    assert {("payments", "payment"), ("payments", "savedcard"), ("irdeto", "cassubscriber")} \
        <= staff.read_only_models()
    assert {"payments", "irdeto"} <= set(staff.operator_app_labels())


@pytest.mark.django_db
def test_staff_view_but_do_not_change_payments_and_cas_subscribers():
    codenames = set(staff.operator_group().permissions.values_list("content_type__app_label", "codename"))
    assert {("payments", "view_payment"), ("payments", "change_merchant"), ("irdeto", "view_cassubscriber")} \
        <= codenames
    assert not {("payments", "change_payment"), ("payments", "delete_savedcard"),
                ("irdeto", "change_cassubscriber")} & codenames


def test_a_setting_in_the_settings_module_wins_over_the_plugins_default(settings):
    settings.IRDETO_REGION_TAG = "WA"
    add_settings_defaults({"IRDETO_REGION_TAG": "MO", "SOME_PLUGIN_SETTING": 3})
    assert settings.IRDETO_REGION_TAG == "WA" and settings.SOME_PLUGIN_SETTING == 3


def test_disabled_plugins_must_be_plugins(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("DISABLED_PLUGINS", "irdeto, payments")
    assert "irdeto" not in installed_plugins() and "megogo" in installed_plugins()
    monkeypatch.setenv("DISABLED_PLUGINS", "billing")
    with pytest.raises(ImproperlyConfigured, match="billing"):
        installed_plugins()


# Run in a fresh process whose INSTALLED_APPS lack the plugins: checks, migrations, the URLconf,
# the staff group, the demo data and the device API's health check all work without them.
WITHOUT_PLUGINS = '''
import django
django.setup()
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.test.utils import setup_test_environment

call_command("check", fail_level="WARNING")
call_command("migrate", verbosity=0)
call_command("makemigrations", "--check", "--dry-run", verbosity=0)
setup_test_environment()
missing = sorted(set(__import__("os").environ["DISABLED_PLUGINS"].split(",")) & {a.label for a in apps.get_app_configs()})
assert missing == [], missing
assert not any(entry["task"].split(".")[0] in {"payments", "irdeto"} for entry in settings.CELERY_BEAT_SCHEDULE.values())
assert not hasattr(settings, "IRDETO_HOST") and not hasattr(settings, "PAYMENTS_EXPIRE_AFTER_HOURS")
call_command("seed_demo", verbosity=0)
from tvmiddleware.services.staff import operator_group
labels = set(operator_group().permissions.values_list("content_type__app_label", flat=True))
assert labels <= {"tvmiddleware", "billing", *[a.label for a in apps.get_app_configs()]}, labels
web = Client()
assert web.get("/tvmiddleware/api/health/check/").status_code == 200
assert web.post("/billing/payment/payture/validate_notify/").status_code == 404
assert web.get("/tvmiddleware/api/payment/create/").status_code == 404
print("OK", web.get("/admin/login/").status_code)
'''


@pytest.mark.parametrize("disabled", ["irdeto,payments", ",".join(PLUGIN_APPS)])
def test_a_project_without_plugins_still_works(disabled):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DJANGO_SETTINGS_MODULE="settings.test", DISABLED_PLUGINS=disabled)
    result = subprocess.run([sys.executable, "-c", WITHOUT_PLUGINS], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("OK 200")


def test_nothing_but_its_own_command_imports_the_demo_app():
    """The demo data builder is a leaf: plugins hook into `seed_demo` through the core's signal."""
    packages = [path.name for path in ROOT.iterdir() if (path / "apps.py").exists() and path.name != "demo"]
    found = [f"{path.relative_to(ROOT)} imports {module}" for package in packages
             for path in sorted((ROOT / package).rglob("*.py"))
             for module in imported_modules(path) if module.split(".")[0] == "demo"]
    assert len(packages) >= 8 and found == []
