from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    """Payment gateways (Payture InPay, a null gateway): payments, saved cards, notifications."""

    name = "payments"
    verbose_name = "Payments"
    default_auto_field = "django.db.models.BigAutoField"
