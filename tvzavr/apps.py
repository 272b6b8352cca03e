from django.apps import AppConfig


class TvzavrConfig(AppConfig):
    """tvzavr online cinema (deprecated: the service has closed; kept working as documented)."""

    name = "tvzavr"
    verbose_name = "tvzavr (deprecated)"
    default_auto_field = "django.db.models.BigAutoField"
