import os

from tvmiddleware.plugin_apps import PluginAppConfig


class PaymentsConfig(PluginAppConfig):
    """Payment gateways (Payture InPay, a null gateway): payments, saved cards, notifications."""

    name = "payments"
    verbose_name = "Payments"
    default = True
    # Money moves only through the gateways' notifications and services: staff view these rows.
    read_only_models = ("Payment", "SavedCard")
    # Reconciliation of payments left open (lost gateway notifications, abandoned payment pages).
    settings_defaults = {
        "PAYMENTS_RECONCILE_AFTER_MINUTES": int(os.environ.get("PAYMENTS_RECONCILE_AFTER_MINUTES") or 10),
        "PAYMENTS_EXPIRE_AFTER_HOURS": int(os.environ.get("PAYMENTS_EXPIRE_AFTER_HOURS") or 24),
    }
    beat_schedule = {
        "payments-reconcile": {"task": "payments.tasks.reconcile", "schedule": 600.0},
    }
    urls = (
        ("billing/payment/", "payments.urls"),  # gateway notifications
        ("tvmiddleware/api/", "payments.api.device_urls"),  # the device API's payment methods
    )

    def ready(self) -> None:
        super().ready()
        from billing.payment_gateway import register_provider
        from tvmiddleware.signals import operator_seeded

        from .gateways.base import register_gateway
        from .gateways.null import NullGateway
        from .gateways.payture.gateway import PaytureGateway
        from .provider import PaymentsProvider

        register_gateway("null", NullGateway)
        register_gateway("payture", PaytureGateway)
        register_provider(PaymentsProvider())
        operator_seeded.connect(_demo_merchant, dispatch_uid="payments-demo-merchant")


def _demo_merchant(*, client, **kwargs) -> None:
    """`seed_demo`: demo operators take payments through the null gateway (settles at once), so
    `payment/create` tops a demo balance up without a card or a Payture account."""
    from .models import Merchant, MerchantType

    Merchant.objects.get_or_create(  # created once: the operator may rename or disable it
        client=client, merchant_type=MerchantType.NULL,
        defaults={"name": "Demo payments (no card, settles at once)", "enabled": True, "is_default": True},
    )
