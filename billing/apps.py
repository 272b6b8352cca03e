from django.apps import AppConfig


class BillingConfig(AppConfig):
    """Money: the ledger of customer transactions (and, later, the Billing API and billing plugins)."""

    name = "billing"
    verbose_name = "Billing"
    default_auto_field = "django.db.models.BigAutoField"
