from django.apps import AppConfig


class TvMiddlewareConfig(AppConfig):
    """The core: operators, subscribers, tariffs, line-up, VOD, stream services, plugins, events."""

    name = "tvmiddleware"
    verbose_name = "TV middleware"
    default_auto_field = "django.db.models.BigAutoField"
