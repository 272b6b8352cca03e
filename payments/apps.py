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

        from tvmiddleware.demo import operator_seeded

        operator_seeded.connect(_demo_merchant, dispatch_uid="payments-demo-merchant")


def _demo_merchant(*, client, **kwargs) -> None:
    """`seed_demo`: demo operators take payments through the null gateway (settles at once), so
    `payment/create` tops a demo balance up without a card or a Payture account."""
    from .models import Merchant, MerchantType

    Merchant.objects.get_or_create(  # created once: the operator may rename or disable it
        client=client, merchant_type=MerchantType.NULL,
        defaults={"name": "Demo payments (no card, settles at once)", "enabled": True, "is_default": True},
    )
