"""Outgoing billing: the base class an operator's own billing system is connected through.

An operator that keeps money and subscriptions in its own billing configures an `ExternalSystem`
whose API class subclasses `BillingPluginBase`, and marks it "default for billing" (or sets it as a
customer's `custom_billing_api`). From then on the middleware asks the plugin instead of the
built-in ledger where the plugin says so:

- the balance and payment history shown to the subscriber (`get_balance`, `list_payments`);
- whether an account may sign in (`authorize_account` / `check_account`);
- tariff changes (`assign_tariff`, `unassign_tariff`, `change_tariff`; the domain-event hooks
  `on_tariff_assigned` / `on_tariff_removed` reach them through the outbox, so a change made while
  the billing is down is delivered later);
- video purchases (`charge_purchase`), when `bills_purchases_externally` is on: the local balance is
  then not checked and no ledger row is written (see `billing.purchases`); when the online
  cinema selling the title then refuses it, the charge is undone with `refund_purchase`;
- registering a new subscriber (`register_account`);
- the periodic check (`process_account`), which `check_accounts` calls for every account the plugin
  covers instead of charging tariffs from the local balance.

Hooks are keyword-only. A hook the plugin cannot serve raises `NotImplementedError`; a partner
failure raises `PluginError` (retried where the caller retries); a clear refusal by the partner
raises `BillingRefused` with a machine-readable `reason`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tvmiddleware.plugins import ExternalSystemAPI, PluginError

if TYPE_CHECKING:
    from tvmiddleware.models import Account, Customer, DomainEvent, Tariff, TariffSubscription, Video

__all__ = ["Authorization", "BillingPluginBase", "BillingRefused", "ExternalPayment", "PluginError", "truthy"]


def truthy(value: str | None) -> bool:
    """Attribute values are text typed by operators: "1", "true", "yes", "on" mean yes."""
    return str(value or "").strip().lower() in {"1", "true", "yes", "on"}


class BillingRefused(PluginError):
    """The operator's billing answered and said no (unknown customer, no money, tariff refused...).

    `reason` is one of: "not_found", "insufficient_funds", "blocked", "refused".
    """

    def __init__(self, message: str, *, reason: str = "refused") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ExternalPayment:
    """A payment (or other balance movement) as the operator's billing reports it."""

    ext_id: str
    amount: Decimal
    created_at: datetime | None = None
    comment: str = ""


@dataclass(frozen=True)
class Authorization:
    """The billing's answer to "may this account watch?": `allowed`, and if not, the account status
    the middleware should show (`status_reason`: DEBT, BLOCK, INACTIVE...)."""

    allowed: bool
    status_reason: str = ""
    message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class BillingPluginBase(ExternalSystemAPI):
    """Base of every outgoing billing integration (see the module docstring for the contract).

    Defaults keep the built-in behaviour: no external balance (`get_balance` returns None, so the
    ledger is shown), every account authorized, tariff hooks do nothing, purchases billed locally.
    Subclasses override what their billing supports.
    """

    #: The plugin bills video purchases itself: `charge_purchase` is called and the local balance
    #: is not checked. Operators can also switch it on per integration with the product's attribute
    #: `ignore_customer_balance_check = 1`.
    bills_purchases_externally: bool = False

    # --- switches ---------------------------------------------------------------------------------
    @property
    def ignore_customer_balance_check(self) -> bool:
        """The product attribute: "when buying content the local balance is not checked"."""
        return truthy(self.attribute("ignore_customer_balance_check"))

    @property
    def purchases_external(self) -> bool:
        """Purchases go through `charge_purchase` and skip the local balance check."""
        return bool(self.bills_purchases_externally or self.ignore_customer_balance_check)

    # --- money ------------------------------------------------------------------------------------
    def get_balance(self, *, customer: "Customer") -> Decimal | None:
        """The customer's balance in the operator's billing, or None to show the local ledger's."""
        return None

    def list_payments(self, *, customer: "Customer", date_from: date | None = None,
                      date_to: date | None = None) -> list[ExternalPayment]:
        """Payments of the customer between two dates (inclusive), newest first."""
        raise NotImplementedError(f"{type(self).__name__} does not list payments")

    # --- accounts ---------------------------------------------------------------------------------
    def authorize_account(self, *, account: "Account") -> Authorization:
        """May this account sign in and watch now? The default lets the local status decide."""
        return Authorization(allowed=True)

    def check_account(self, *, account: "Account") -> Authorization:
        """Alias of `authorize_account` (the product's name for the same question)."""
        return self.authorize_account(account=account)

    def register_account(self, *, customer: "Customer", account: "Account | None" = None,
                         **details: Any) -> dict[str, Any]:
        """Tell the billing about a new subscriber (self-registration from an app, bulk creation).
        Returns what the billing answered (at least `ext_id` when it assigns one)."""
        raise NotImplementedError(f"{type(self).__name__} does not register accounts")

    def process_account(self, *, account: "Account") -> str | None:
        """Periodic check of one account, called by `check_accounts` instead of local charging.
        Returns "activated" or "deactivated" when it changed the account (for the run's summary)."""
        return None

    def apply_authorization(self, *, account: "Account", authorization: Authorization) -> str | None:
        """Make the account's status follow the billing's answer: a refusal deactivates an active
        account with the billing's `status_reason` (DEBT by default); an allowance lifts a DEBT block
        only (blocks for other reasons are the operator's). Returns "activated", "deactivated" or None."""
        from tvmiddleware.models import AccountStatus

        from .modes import DEBT_BLOCKABLE, DEBT_LIFTABLE, account_transition

        if authorization.allowed:
            changed = account_transition(account=account, expect=DEBT_LIFTABLE, active=True,
                                         status_reason=AccountStatus.ACTIVE)
            return "activated" if changed else None
        reason = authorization.status_reason or AccountStatus.DEBT
        if reason == AccountStatus.ACTIVE:
            reason = AccountStatus.DEBT
        changed = account_transition(account=account, expect=DEBT_BLOCKABLE, active=False, status_reason=reason)
        return "deactivated" if changed else None

    # --- tariffs ----------------------------------------------------------------------------------
    def assign_tariff(self, *, customer: "Customer", tariff: "Tariff",
                      subscription: "TariffSubscription | None" = None) -> None:
        """The customer got a tariff: open the matching subscription in the billing."""

    def unassign_tariff(self, *, customer: "Customer", tariff: "Tariff",
                        subscription: "TariffSubscription | None" = None) -> None:
        """The customer lost a tariff: close the matching subscription in the billing."""

    def change_tariff(self, *, customer: "Customer", old_tariff: "Tariff", new_tariff: "Tariff") -> None:
        """The customer moved from one tariff to another. Default: close the old, open the new."""
        self.unassign_tariff(customer=customer, tariff=old_tariff)
        self.assign_tariff(customer=customer, tariff=new_tariff)

    # --- purchases --------------------------------------------------------------------------------
    def charge_purchase(self, *, account: "Account | None", video: "Video", price: Any,
                        customer: "Customer | None" = None, kind: str = "buy",
                        purchase_key: str = "") -> dict[str, Any]:
        """Charge a title in the operator's billing (not `purchase_video`, which is a cinema selling
        the title: `ExternalSystemAPI`). `purchase_key` identifies this purchase so a
        retried call does not charge twice. Returns the billing's answer (e.g. `{"ext_id": ...}`);
        raises `BillingRefused(reason="insufficient_funds")` when the billing says no money."""
        raise NotImplementedError(f"{type(self).__name__} does not bill purchases")

    def refund_purchase(self, *, customer: "Customer", video: "Video", price: Any, kind: str = "buy",
                        purchase_key: str = "", answer: dict[str, Any] | None = None, reason: str = "") -> bool:
        """Undo a charge `charge_purchase` made for a purchase that could not be completed (the online
        cinema selling the title refused it). `purchase_key` and `answer` are those of the charge;
        must be idempotent (a refund of a key already refunded, or never billed, is a success).

        Returns True when the billing gave the money back. The default returns False: the billing
        has no refund call, so `billing.purchases` logs an error naming the `purchase_key`
        for the operator to refund by hand. Raises `PluginError` when the billing failed to answer.
        """
        return False

    def on_purchase_refund_due(self, event: "DomainEvent") -> None:
        """Retry a refund this billing owes (see `billing.purchases.refund_due`)."""
        from .purchases import refund_due

        refund_due(plugin=self, payload=event.payload)
