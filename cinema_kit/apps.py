"""The kit as a Django app (no models), and the AppConfig base every cinema app uses."""
from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.conf import settings


def add_beat_entries(entries: dict[str, dict[str, Any]]) -> None:
    """Add a cinema's periodic tasks to `CELERY_BEAT_SCHEDULE` (read by `celery beat` after the apps
    are ready). An entry of the same name in the settings wins: operators retime or replace it there."""
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


class CinemaAppConfig(AppConfig):
    """A self-contained online-cinema app: everything it adds to the middleware is declared here.

    - `api_classes()`: {API class name: ExternalSystemAPI subclass} to register;
    - `api_class_aliases`: {old name: current name}; integrations saved under the old name keep
      working (the old name is registered with the same class, labelled as the old name);
    - `read_only_models`: model names operator staff may only view (they get the app's other
      permissions through the core's `register_operator_app`);
    - `beat_schedule`: Celery beat entries (see `add_beat_entries`).
    """

    # Not the config Django picks for an app that imports this base into its apps.py: each cinema's
    # own subclass says `default = True`.
    default = False
    default_auto_field = "django.db.models.BigAutoField"
    api_class_aliases: dict[str, str] = {}
    read_only_models: tuple[str, ...] = ()
    beat_schedule: dict[str, dict[str, Any]] = {}

    def api_classes(self) -> dict[str, type]:
        return {}

    def ready(self) -> None:
        from tvmiddleware.plugins import register
        from tvmiddleware.services.staff import register_operator_app

        classes = self.api_classes()
        for name, cls in classes.items():
            register(name, cls)
        for old, current in self.api_class_aliases.items():
            register(old, alias_class(classes[current], old))
        register_operator_app(self.label, read_only_models=self.read_only_models)
        if self.beat_schedule:
            add_beat_entries(self.beat_schedule)


class CinemaKitConfig(AppConfig):
    """The kit itself: no models; it hosts the commands shared by cinemas (`svod_partner_sync`)."""

    name = "cinema_kit"
    verbose_name = "Online-cinema kit"
    default_auto_field = "django.db.models.BigAutoField"
