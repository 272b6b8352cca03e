from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    """Payment gateways (Payture InPay, a null gateway): payments, saved cards, notifications."""

    name = "payments"
    verbose_name = "Payments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from billing.payment_gateway import register_provider

        from .gateways.base import register_gateway
        from .gateways.null import NullGateway
        from .gateways.payture.gateway import PaytureGateway
        from .provider import PaymentsProvider

        register_gateway("null", NullGateway)
        register_gateway("payture", PaytureGateway)
        register_provider(PaymentsProvider())
