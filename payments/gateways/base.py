"""The interface every payment gateway sits behind, its result types and the gateway registry.

A gateway is built for one `Merchant` (the operator's settings at that gateway) and is stateless
apart from its HTTP client. The services in `payments.services` drive it: they create the
`Payment` row, call the gateway outside any database transaction (no row lock is held during a
network call), and apply the answer under a lock on the payment row.

Gateways raise `billing.payment_gateway.GatewayRefusal` with the device API's PaymentCreate codes:
2 internal gateway error, 3 external error (network, timeout, gateway down), 4 bad parameters,
5–19 card and issuer refusals, 13 not supported by this merchant.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from billing.payment_gateway import GatewayRefusal

if TYPE_CHECKING:
    from tvmiddleware.models import Customer

    from ..models import Merchant, Payment, SavedCard


class Outcome:
    """What a gateway's answer means for the payment (mapped onto `PaymentState` by the services)."""

    PENDING = "pending"        # not decided yet (new session, 3DS, ErrCode NONE)
    SUCCEEDED = "succeeded"    # the money was taken
    FAILED = "failed"          # refused, voided, expired
    REFUNDED = "refunded"      # the gateway reports a refund
    UNKNOWN = "unknown"        # the gateway does not know the order (yet)


@dataclass
class StartResult:
    """A started payment: where to send the customer (hosted page) or the form to post there."""

    session_id: str = ""
    redirect_url: str = ""
    form_data: dict[str, Any] = field(default_factory=dict)
    outcome: str = Outcome.PENDING       # SUCCEEDED for gateways that settle at once (null)
    gateway_state: str = ""


@dataclass
class StatusResult:
    """The gateway's account of one order (PayStatus)."""

    outcome: str
    amount: Decimal | None = None        # what the gateway says was paid, in currency units
    gateway_state: str = ""
    error_code: str = ""
    error_message: str = ""
    refusal_code: int = 0                # the PaymentCreate code of a refusal (5–19), when failed


@dataclass
class CardInfo:
    """A card in the customer's wallet at the gateway."""

    card_id: str
    masked_number: str = ""
    expires_month: int | None = None
    expires_year: int | None = None
    active: bool = True


class Gateway:
    """Base class: every method a gateway does not support refuses with code 13."""

    merchant_type: str = ""
    #: True when `start` settles the payment itself (no page, no notification).
    settles_at_once: bool = False

    def __init__(self, merchant: "Merchant") -> None:
        self.merchant = merchant

    # --- hosted payment ---------------------------------------------------------------------------
    def start(self, *, payment: "Payment", return_url: str, ip: str, template: str,
              bind_card: bool) -> StartResult:
        """Open a payment session for `payment` (amount, order id) and say where the customer pays."""
        raise self.unsupported("start")

    def status(self, *, payment: "Payment") -> StatusResult:
        """Ask the gateway what became of the order (the only thing a credit is based on)."""
        raise self.unsupported("status")

    def refund(self, *, payment: "Payment") -> None:
        """Give the whole amount back to the card; raise when the gateway refuses."""
        raise self.unsupported("refund")

    # --- saved cards ------------------------------------------------------------------------------
    def charge_saved_card(self, *, payment: "Payment", card: "SavedCard", ip: str = "") -> StatusResult:
        """Take `payment.amount` from a saved card without the customer (autopayment, one-click)."""
        raise self.unsupported("charge_saved_card")

    def list_cards(self, *, customer: "Customer") -> list[CardInfo]:
        """The customer's cards bound at the gateway."""
        return []

    def remove_card(self, *, customer: "Customer", card_id: str) -> None:
        raise self.unsupported("remove_card")

    # --- helpers ----------------------------------------------------------------------------------
    def unsupported(self, what: str) -> GatewayRefusal:
        return GatewayRefusal(13, f"{self.merchant_type or type(self).__name__}: {what} is not supported by this merchant")


_registry: dict[str, type[Gateway]] = {}


def register_gateway(merchant_type: str, cls: type[Gateway]) -> type[Gateway]:
    """Make a gateway class available for merchants of `merchant_type`."""
    _registry[merchant_type] = cls
    return cls


def gateway_class(merchant_type: str) -> type[Gateway] | None:
    return _registry.get(merchant_type)


def gateway_for(merchant: "Merchant") -> Gateway:
    """The gateway of a merchant (a new instance; the HTTP sessions behind it are shared)."""
    cls = _registry.get(merchant.merchant_type)
    if cls is None:
        raise GatewayRefusal(13, f"Payment gateway {merchant.merchant_type!r} is not installed.")
    return cls(merchant)
