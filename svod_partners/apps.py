from django.apps import AppConfig


class SvodPartnersConfig(AppConfig):
    """Generic SVOD partner adapters (Start, PREMIER) configured by attributes."""

    name = "svod_partners"
    verbose_name = "SVOD partners (Start, PREMIER)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tvmiddleware.plugins import register

        from .plugins import API_CLASSES

        for name, cls in API_CLASSES.items():
            register(name, cls)
