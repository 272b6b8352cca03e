from cinema_kit.apps import CinemaAppConfig


class CinemaPremierConfig(CinemaAppConfig):
    """PREMIER online cinema (SVOD), on the cinema kit's partner adapter.

    The smallest cinema app: copy it to add a cinema (see docs/notes-cinema-kit.md).
    """

    name = "cinema_premier"
    verbose_name = "PREMIER"
    default = True
    default_auto_field = "django.db.models.BigAutoField"
    # Integrations saved before the cinema apps were split out keep their API class name.
    api_class_aliases = {"premier_api_client": "cinema_premier_api_client"}

    def api_classes(self) -> dict[str, type]:
        from .plugin import API_CLASS, PremierAPI

        return {API_CLASS: PremierAPI}
