from django.apps import AppConfig


class BillingConfig(AppConfig):
    """Money: the ledger of customer transactions, the Billing API, the built-in billing modes
    (`check_accounts`) and the outgoing billing plugins."""

    name = "billing"
    verbose_name = "Billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tvmiddleware.plugins import register

        from .rest_plugin import RestBillingPlugin

        register("rest_billing", RestBillingPlugin)
