from django.apps import AppConfig


class IrdetoConfig(AppConfig):
    """Irdeto CAS: subscribers, paired devices and product entitlements kept in step over SOAP."""

    name = "irdeto"
    verbose_name = "Irdeto CAS"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tvmiddleware.plugins import register

        from .api import API_CLASS, IrdetoAPI

        register(API_CLASS, IrdetoAPI)

