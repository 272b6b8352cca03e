from cinema_kit.apps import CinemaAppConfig


class MegogoConfig(CinemaAppConfig):
    """MEGOGO online cinema: catalogue sync, SVOD subscriptions, TVOD purchases, partner streams."""

    name = "megogo"
    verbose_name = "MEGOGO"
    default = True
    default_auto_field = "django.db.models.BigAutoField"
    beat_schedule = {
        "megogo-sync-content": {"task": "megogo.tasks.sync_all", "schedule": 6 * 3600.0},
    }

    def api_classes(self) -> dict[str, type]:
        from .plugin import API_CLASS, MegogoAPI

        return {API_CLASS: MegogoAPI}
