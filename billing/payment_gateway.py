"""The seam between the core billing and an installed payment-gateway app.

The core (Billing API, device API wiring, `check_accounts`) never imports the `payments` app: that app
registers a provider here from its `AppConfig.ready()`, and the core asks `provider()` for it. With no
provider installed, the Billing API's payment methods answer their documented "not configured" codes
and autopayment is simply not attempted.
"""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from tvmiddleware.models import Account, Client, Customer


class GatewayRefusal(Exception):
    """A gateway (or the payments app) refused or failed an operation.

    `code` follows the device API's PaymentCreate table (1 unknown, 2 internal gateway error,
    3 external gateway error such as a network failure, 4 bad request parameters, 5–19 the card and
    issuer refusals, 13 not supported by the merchant); each API maps it to its own documented codes.
    """

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class GatewayNotConfigured(GatewayRefusal):
    """The operator has no enabled gateway of the asked merchant type."""

    def __init__(self, message: str = "No payment gateway is configured for this operator.") -> None:
        super().__init__(13, message)


class PaymentProvider(Protocol):
    """What the core asks of the installed payments app."""

    def merchant_url(self, *, client: "Client", customer: "Customer", amount: Decimal, merchant_type: str = "",
                     return_url: str = "", ip: str = "") -> tuple[str, str]:
        """Start a payment and return (hosted payment page URL, merchant name)."""

    def payment_create(self, *, client: "Client", customer: "Customer", amount: Decimal, merchant_type: str = "",
                       account: "Account | None" = None, return_url: str = "", ip: str = "",
                       source: str = "billing_api") -> dict[str, Any]:
        """Start a payment: {payment_id, transaction_id, session_id, redirect_url, form_data}."""

    def saved_card_pay(self, *, client: "Client", customer: "Customer", amount: Decimal,
                       account: "Account | None" = None, card_id: str = "", source: str = "billing_api") -> dict[str, Any]:
        """Charge the customer's saved card and credit the balance: {payment_id, transaction_id, state}."""

    def autopay(self, *, client: "Client", customer: "Customer", amount: Decimal, key: str) -> bool:
        """Top the balance up by `amount` from the customer's autopayment card (check_accounts, before a
        charge the balance does not cover). `key` makes repeated calls for the same need idempotent.
        True when the balance was credited."""

    def pending_payment(self, *, customer: "Customer") -> dict[str, Any] | None:
        """Optional (callers check with `getattr`): the customer's newest payment still awaiting the
        gateway's answer, as {"transaction_id": int, "amount": Decimal, ...}, or None."""

    def invoice_complete(self, *, customer: "Customer", invoice_id: str) -> str:
        """Optional (callers check with `getattr`): finish the customer's invoice `invoice_id` (the
        `invoice_id` of `payment_info`, a payment's transaction_id) by asking its gateway and crediting
        it once. Returns "paid", "pending" or "failed"; raises `GatewayRefusal`."""


    def payment_methods(self, *, client: "Client") -> list[dict[str, Any]]:
        """Optional (callers check with `getattr`): the operator's enabled gateways a customer can pay
        through, as [{"merchant_type": str, "name": str, "default": bool}] (the default one first)."""

    def payment_for_order(self, *, client: "Client", order_id: str) -> dict[str, Any] | None:
        """Optional (callers check with `getattr`): the operator's payment known by `order_id` (the
        `payment_id` of payment/create), or None (unknown, another operator's, its customer deleted):
        {"order_id", "transaction_id", "amount": Decimal, "state": "paid" | "pending" | "failed" |
        "refunded", "customer_id": int, "customer_initial": str (the first name's initial, e.g. "A."),
        "merchant_type"}."""

    def payment_resume(self, *, client: "Client", order_id: str, return_url: str = "", ip: str = "",
                       source: str = "widget") -> dict[str, Any]:
        """Optional (callers check with `getattr`): go on paying the operator's payment `order_id`:
        asks its gateway first (a payment settled meanwhile is credited once); one still open on its
        gateway's page gives that page again, a failed one (or one without a page) starts a new
        payment of the same customer, amount and gateway. Returns payment_create's dict with
        "state" ("succeeded", "pending", "failed", "refunded"); raises `GatewayRefusal` (code 4:
        no such payment of the operator)."""


_provider: PaymentProvider | None = None


def register_provider(provider: PaymentProvider | None) -> None:
    """Called by the payments app's `ready()` (and by tests that swap it)."""
    global _provider
    _provider = provider


def provider() -> PaymentProvider | None:
    return _provider
