from django.apps import AppConfig


class TvzavrConfig(AppConfig):
    """tvzavr online cinema (deprecated: the service has closed; kept working as documented)."""

    name = "tvzavr"
    verbose_name = "tvzavr (deprecated)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tvmiddleware.plugins import register

        from .api import API_CLASS, TvzavrAPI

        register(API_CLASS, TvzavrAPI)
