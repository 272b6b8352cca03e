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


_provider: PaymentProvider | None = None


def register_provider(provider: PaymentProvider | None) -> None:
    """Called by the payments app's `ready()` (and by tests that swap it)."""
    global _provider
    _provider = provider


def provider() -> PaymentProvider | None:
    return _provider
