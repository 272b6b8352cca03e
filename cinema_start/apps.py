import logging

from django.db.models.signals import post_save

from cinema_kit.apps import CinemaAppConfig

logger = logging.getLogger("cinema_start.statistics")


class CinemaStartConfig(CinemaAppConfig):
    """Start online cinema (SVOD): the kit's partner adapter, the genre map, viewing statistics.

    Smarty's names: module `cinema_start`, API class `cinema_start_api_client`, command
    `cinema_start_sync_content`, genre map `StartGenreMap`.
    """

    name = "cinema_start"
    verbose_name = "Start"
    default = True
    default_auto_field = "django.db.models.BigAutoField"
    # Integrations saved before the cinema apps were split out keep their API class name.
    api_class_aliases = {"start_api_client": "cinema_start_api_client"}

    def api_classes(self) -> dict[str, type]:
        from .plugin import API_CLASS, StartAPI

        return {API_CLASS: StartAPI}

    def ready(self) -> None:
        super().ready()
        from tvmiddleware.models import ContentPosition

        post_save.connect(_position_saved, sender=ContentPosition, dispatch_uid="cinema-start-viewing-statistics")


def _position_saved(sender, instance, **kwargs) -> None:
    """A device saved a playback position: report it to Start when the operator asked for it."""
    from .statistics import report_position

    try:
        report_position(instance)
    except Exception:  # statistics never cost the subscriber their position
        logger.exception("start: viewing statistics of position %s not queued", instance.pk)
