"""The kit as a Django app (no models), and the AppConfig base every cinema app uses."""
from __future__ import annotations

from django.apps import AppConfig

from tvmiddleware.plugin_apps import PluginAppConfig


class CinemaAppConfig(PluginAppConfig):
    """A self-contained online-cinema app: a plugin app (`tvmiddleware.plugin_apps.PluginAppConfig`
    says what it declares: API classes and old names, read-only models, settings defaults, beat
    entries, URLs). Cinemas typically declare `api_classes()`, `api_class_aliases` and a sync beat entry.
    """

    # Not the config Django picks for an app that imports this base into its apps.py: each cinema's
    # own subclass says `default = True`.
    default = False


class CinemaKitConfig(AppConfig):
    """The kit itself: no models; it hosts the commands shared by cinemas (`svod_partner_sync`)."""

    name = "cinema_kit"
    verbose_name = "Online-cinema kit"
    default_auto_field = "django.db.models.BigAutoField"
