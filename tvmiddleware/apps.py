from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TvMiddlewareConfig(AppConfig):
    """The core: operators, subscribers, tariffs, line-up, VOD, stream services, plugins, events."""

    name = "tvmiddleware"
    verbose_name = "TV middleware"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # After every app's migrate (not only this one's): integration apps listed in the staff
        # group's apps get their permissions into the group once they exist.
        post_migrate.connect(_refresh_operator_group, dispatch_uid="tvmiddleware-refresh-operator-group")
        post_migrate.connect(_ensure_device_types, sender=self)
        # Connect the receivers that keep the shared caches of the device API's hot path current.
        from .selectors import account_facts, guide_cache, stream_details  # noqa: F401


def _ensure_device_types(using: str = "default", **kwargs) -> None:
    """The product's standard device types always exist: added to new installs, to upgrades whose
    list grew, and after a database flush (which also empties tables filled by data migrations)."""
    from .models.devices import STANDARD_DEVICE_TYPES, DeviceType

    existing = set(DeviceType.objects.using(using).values_list("system_name", flat=True))
    DeviceType.objects.using(using).bulk_create([
        DeviceType(system_name=name, name=title, group=int(group))
        for name, title, group in STANDARD_DEVICE_TYPES if name not in existing
    ])


def _refresh_operator_group(**kwargs) -> None:
    """Staff permissions follow the models: after every migrate the operator group gets the
    permissions of models added since (existing staff keep working on new screens)."""
    from django.contrib.auth.models import Group

    from .services.staff import OPERATOR_GROUP, operator_group

    if Group.objects.using(kwargs.get("using", "default")).filter(name=OPERATOR_GROUP).exists():
        operator_group()
