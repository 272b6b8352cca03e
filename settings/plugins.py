"""The optional integrations this deployment installs: plugin apps, each carrying its own wiring
(permissions, settings defaults, beat entries, URLs: see `tvmiddleware/plugin_apps.py`).

The core and the other settings modules name no plugin; this list is the one place that does.
Remove an app here to disable it, or leave some out without editing this file through the
environment: `DISABLED_PLUGINS=irdeto,payments`. A plugin's tables stay in the database when it
is left out; they are used again when it comes back.
"""
from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

PLUGIN_APPS = [
    # The online cinemas share `cinema_kit` (keep it while any of them is installed).
    "cinema_kit",
    "megogo",
    "tvzavr",
    "cinema_start",
    "cinema_premier",
    "payments",
    "irdeto",
]


def installed_plugins() -> list[str]:
    """`PLUGIN_APPS` less those named in `DISABLED_PLUGINS` (comma-separated app labels)."""
    disabled = {name.strip() for name in os.environ.get("DISABLED_PLUGINS", "").split(",") if name.strip()}
    unknown = disabled - set(PLUGIN_APPS)
    if unknown:
        raise ImproperlyConfigured(f"DISABLED_PLUGINS names apps that are not plugins: {', '.join(sorted(unknown))}"
                                   f" (plugins: {', '.join(PLUGIN_APPS)})")
    return [name for name in PLUGIN_APPS if name not in disabled]
