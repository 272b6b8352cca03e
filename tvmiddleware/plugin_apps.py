"""The contract of a plugin app: everything an optional integration adds to the middleware is declared
on its AppConfig, a subclass of `PluginAppConfig`, and wired by this module. The core names no plugin:
listing the app in `settings/plugins.py` is all it takes, and leaving it out leaves a working project.

A plugin's AppConfig declares:

- `api_classes()`: {API class name: `tvmiddleware.plugins.ExternalSystemAPI` subclass} to register;
- `api_class_aliases`: {old name: current name}; integrations saved under an old name keep working
  (the old name is registered with the same class, labelled as the old name in the admin);
- `operator_app` / `read_only_models`: operator staff get every permission of the app's models except
  that `read_only_models` (model names) are view-only for them;
- `settings_defaults`: {setting name: default}; a setting of the same name in the settings module wins;
- `beat_schedule`: Celery beat entries; an entry of the same name in `CELERY_BEAT_SCHEDULE` wins;
- `urls`: ((URL prefix, URLconf module), ...) that the project URLconf includes after the core's.

Concrete configs say `default = True` (the base says `default = False`, so that Django never picks the
imported base as the app's config).
"""
from __future__ import annotations

from typing import Any, Mapping

from django.apps import AppConfig, apps
from django.conf import settings


def add_settings_defaults(defaults: Mapping[str, Any]) -> None:
    """Give settings a plugin reads their defaults, unless the settings module already sets them."""
    for name, value in defaults.items():
        if not name.isupper():
            raise ValueError(f"setting names are upper case: {name!r}")
        if not hasattr(settings, name):
            setattr(settings, name, value)


def add_beat_entries(entries: Mapping[str, Mapping[str, Any]]) -> None:
    """Add a plugin's periodic tasks to `CELERY_BEAT_SCHEDULE` (read by `celery beat` and the embedded
    scheduler after the apps are ready). An entry of the same name in the settings wins: operators
    retime or replace it there."""
    schedule = getattr(settings, "CELERY_BEAT_SCHEDULE", None)
    if schedule is None:
        schedule = settings.CELERY_BEAT_SCHEDULE = {}
    for name, entry in entries.items():
        schedule.setdefault(name, dict(entry))


def alias_class(cls: type, old_name: str) -> type:
    """`cls` under an old API class name: the same behaviour, labelled in the admin's list as the old
    name, so operators see which integrations still use it (nothing needs changing for them)."""
    return type(cls.__name__, (cls,), {"__module__": cls.__module__, "__qualname__": cls.__qualname__,
                                       "__doc__": cls.__doc__, "alias_of": cls,
                                       "verbose_name": f"{cls.verbose_name}, old name {old_name}"})


def plugin_configs() -> list[PluginAppConfig]:
    """The installed plugin apps, in INSTALLED_APPS order."""
    return [config for config in apps.get_app_configs() if isinstance(config, PluginAppConfig)]


def plugin_urlpatterns() -> list:
    """The URL includes that the installed plugins declare (`PluginAppConfig.urls`), for the project
    URLconf to append after the core's own (a core route wins over a plugin's on the same path)."""
    from django.urls import include, path

    return [path(prefix, include(module)) for config in plugin_configs() for prefix, module in config.urls]


class PluginAppConfig(AppConfig):
    """The AppConfig base of an optional integration app (see the module docstring for the contract)."""

    default = False
    default_auto_field = "django.db.models.BigAutoField"
    api_class_aliases: dict[str, str] = {}
    operator_app: bool = True
    read_only_models: tuple[str, ...] = ()
    settings_defaults: dict[str, Any] = {}
    beat_schedule: dict[str, dict[str, Any]] = {}
    urls: tuple[tuple[str, str], ...] = ()

    def api_classes(self) -> dict[str, type]:
        return {}

    def ready(self) -> None:
        from tvmiddleware.plugins import register
        from tvmiddleware.services.staff import register_operator_app

        add_settings_defaults(self.settings_defaults)
        classes = self.api_classes()
        for name, cls in classes.items():
            register(name, cls)
        for old, current in self.api_class_aliases.items():
            register(old, alias_class(classes[current], old))
        if self.operator_app:
            register_operator_app(self.label, read_only_models=self.read_only_models)
        if self.beat_schedule:
            add_beat_entries(self.beat_schedule)

