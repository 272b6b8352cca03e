from cinema_kit.apps import CinemaAppConfig


class TvzavrConfig(CinemaAppConfig):
    """tvzavr online cinema (deprecated: the service has closed; kept working as documented)."""

    name = "tvzavr"
    verbose_name = "tvzavr (deprecated)"
    default = True
    default_auto_field = "django.db.models.BigAutoField"

    def api_classes(self) -> dict[str, type]:
        from .plugin import API_CLASS, TvzavrAPI

        return {API_CLASS: TvzavrAPI}
