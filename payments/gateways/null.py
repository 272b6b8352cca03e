"""The null gateway: every payment succeeds at once, with no network. For demos and tests.

A payment is credited as soon as it is started; its status is always "succeeded" with the
payment's own amount; refunds succeed. Saved cards: any card of the customer's wallet (rows made
by tests or the admin) can be charged and always pays.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Gateway, Outcome, StartResult, StatusResult

if TYPE_CHECKING:
    from tvmiddleware.models import Customer

    from ..models import Payment, SavedCard


class NullGateway(Gateway):
    merchant_type = "null"
    settles_at_once = True

    def start(self, *, payment: "Payment", return_url: str, ip: str, template: str,
              bind_card: bool) -> StartResult:
        return StartResult(session_id=f"null-{payment.order_id}", redirect_url=return_url or "",
                           outcome=Outcome.SUCCEEDED, gateway_state="Charged")

    def status(self, *, payment: "Payment") -> StatusResult:
        return StatusResult(outcome=Outcome.SUCCEEDED, amount=payment.amount, gateway_state="Charged")

    def refund(self, *, payment: "Payment") -> None:
        return None

    def charge_saved_card(self, *, payment: "Payment", card: "SavedCard", ip: str = "") -> StatusResult:
        return StatusResult(outcome=Outcome.SUCCEEDED, amount=payment.amount, gateway_state="Charged")

    def list_cards(self, *, customer: "Customer") -> list:
        return []

    def remove_card(self, *, customer: "Customer", card_id: str) -> None:
        return None
