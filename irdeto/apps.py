from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IrdetoConfig(AppConfig):
    """Irdeto CAS: subscribers, paired devices and product entitlements kept in step over SOAP."""

    name = "irdeto"
    verbose_name = "Irdeto CAS"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tvmiddleware.plugins import register

        from .api import API_CLASS, IrdetoAPI

        register(API_CLASS, IrdetoAPI)
        post_migrate.connect(grant_operator_staff, sender=self)


def grant_operator_staff(**kwargs) -> None:
    """Operator staff edit their tariffs' CAS products and see their customers' CAS sync records."""
    from django.contrib.auth.models import Group, Permission

    from tvmiddleware.services.staff import OPERATOR_GROUP

    using = kwargs.get("using", "default")
    group = Group.objects.using(using).filter(name=OPERATOR_GROUP).first()
    if group is None:
        return
    codenames = ["view_casproduct", "add_casproduct", "change_casproduct", "delete_casproduct",
                 "view_cassubscriber"]
    group.permissions.add(*Permission.objects.using(using).filter(content_type__app_label="irdeto",
                                                                  codename__in=codenames))
