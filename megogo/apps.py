from django.apps import AppConfig


class MegogoConfig(AppConfig):
    """MEGOGO online cinema: catalogue sync, SVOD subscriptions, TVOD purchases, partner streams."""

    name = "megogo"
    verbose_name = "MEGOGO"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tvmiddleware.plugins import register

        from .api import API_CLASS, MegogoAPI

        register(API_CLASS, MegogoAPI)

