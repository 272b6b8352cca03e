from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MegogoConfig(AppConfig):
    """MEGOGO online cinema: catalogue sync, SVOD subscriptions, TVOD purchases, partner streams."""

    name = "megogo"
    verbose_name = "MEGOGO"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tvmiddleware.plugins import register

        from .api import API_CLASS, MegogoAPI

        register(API_CLASS, MegogoAPI)
        post_migrate.connect(_grant_operator_staff, sender=self)


def _grant_operator_staff(**kwargs) -> None:
    """Operator staff edit the genre map and see the sync's records of their operator."""
    from django.contrib.auth.models import Group, Permission

    from tvmiddleware.services.staff import OPERATOR_GROUP

    using = kwargs.get("using", "default")
    group = Group.objects.using(using).filter(name=OPERATOR_GROUP).first()
    if group is None:
        return
    codenames = ["view_genremapping", "change_genremapping", "view_megogotitle", "view_megogosubscriber",
                 "view_synclease"]
    group.permissions.add(*Permission.objects.using(using).filter(content_type__app_label="megogo",
                                                                  codename__in=codenames))
