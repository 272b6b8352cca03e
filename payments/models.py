"""Payments: the operator's gateway settings, payment records with their state machine, saved cards.

A `Payment` is one attempt of a customer to put money on their balance through a gateway. Its
primary key is the Smarty APIs' `transaction_id`; `order_id` (the Smarty `payment_id`) is what the
gateway knows it by. A payment produces at most one ledger row (`transaction`, source PAYMENT,
external id = `order_id`), which is what makes crediting idempotent.
"""
from __future__ import annotations

import secrets
import uuid
from datetime import date

from django.db import models
from django.db.models import Q
from django.utils import timezone

from tvmiddleware.models import TenantModel


class MerchantType(models.TextChoices):
    PAYTURE = "payture", "Payture InPay"
    NULL = "null", "Null gateway (succeeds at once; demos and tests)"


class PaymentState(models.TextChoices):
    CREATED = "created", "Created"
    PENDING = "pending", "Pending (customer on the payment page)"
    SUCCEEDED = "succeeded", "Succeeded (credited)"
    FAILED = "failed", "Failed"
    REFUNDED = "refunded", "Refunded"


class RememberCard(models.TextChoices):
    """Whether a hosted-page payment also binds the card to the customer's Payture eWallet."""

    NEVER = "never", "Never (plain InPay)"
    ON_REQUEST = "on_request", "When the customer enables autopayment"
    ALWAYS = "always", "Always"


#: Allowed state changes. A success is final except for a refund; a failure may still turn into a
#: success when the gateway later confirms the money was taken (money taken is always credited).
TRANSITIONS: dict[str, frozenset[str]] = {
    PaymentState.CREATED: frozenset({PaymentState.PENDING, PaymentState.SUCCEEDED, PaymentState.FAILED}),
    PaymentState.PENDING: frozenset({PaymentState.SUCCEEDED, PaymentState.FAILED}),
    PaymentState.FAILED: frozenset({PaymentState.SUCCEEDED}),
    PaymentState.SUCCEEDED: frozenset({PaymentState.REFUNDED}),
    PaymentState.REFUNDED: frozenset(),
}


class IllegalTransition(Exception):
    """A state change the payment state machine forbids (e.g. succeeded → failed)."""


def _wallet_secret() -> str:
    return secrets.token_urlsafe(24)


def _order_id() -> str:
    return uuid.uuid4().hex


class Merchant(TenantModel):
    """An operator's account at a payment gateway: what `payment/create` with its `merchant_type`
    (or, without one, the operator's default merchant) pays through.

    Payture fields: `api_host` (e.g. https://secure.payture.com), the InPay terminal key `pay_key`
    ("Pay" terminal), the eWallet terminal key `add_key` ("Add" terminal, card binding), the terminal
    `password` (refunds, charges), the payment page `template_tag` and the `remember_card` mode.
    """

    merchant_type = models.CharField(max_length=16, choices=MerchantType.choices)
    name = models.CharField(max_length=100, help_text="Shown to subscribers as merchant_name.")
    enabled = models.BooleanField(default=True)
    is_default = models.BooleanField(default=False, help_text="Used when an app does not name a merchant_type.")
    api_host = models.URLField("API host", blank=True, default="",
                               help_text="Payture host, e.g. https://sandbox3.payture.com")
    pay_key = models.CharField("terminal key (Pay)", max_length=128, blank=True, default="")
    add_key = models.CharField("terminal key (Add, card binding)", max_length=128, blank=True, default="")
    password = models.CharField("terminal password", max_length=128, blank=True, default="")
    template_tag = models.CharField("payment page template", max_length=64, blank=True, default="")
    remember_card = models.CharField(max_length=16, choices=RememberCard.choices, default=RememberCard.NEVER)
    default_return_url = models.URLField(blank=True, default="",
                                         help_text="Where the payment page sends the customer back when the app "
                                                   "gives no return_url.")
    timeout = models.PositiveSmallIntegerField("gateway timeout, s", default=15)
    # The customers' eWallet passwords are derived from this (never shown, never sent except hashed).
    wallet_secret = models.CharField(max_length=64, default=_wallet_secret, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["client", "merchant_type"]
        constraints = [
            models.UniqueConstraint(fields=["client", "merchant_type"], name="merchant_unique_type_per_client",
                                    violation_error_message="This operator already has a merchant of this type."),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.merchant_type})"


class Payment(TenantModel):
    """One payment of a customer through a gateway (see the module doc)."""

    # A deleted customer's payments stay (like their ledger rows) for the audit trail.
    customer = models.ForeignKey("tvmiddleware.Customer", null=True, on_delete=models.SET_NULL,
                                 related_name="payments")
    account = models.ForeignKey("tvmiddleware.Account", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="payments")
    merchant_type = models.CharField(max_length=16, choices=MerchantType.choices)
    order_id = models.CharField(max_length=64, unique=True, default=_order_id)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    state = models.CharField(max_length=16, choices=PaymentState.choices, default=PaymentState.CREATED,
                             db_index=True)
    session_id = models.CharField(max_length=128, blank=True, default="")
    redirect_url = models.URLField(max_length=500, blank=True, default="")
    gateway_state = models.CharField(max_length=32, blank=True, default="",
                                     help_text="The gateway's own state at the last check (e.g. Charged).")
    error_code = models.CharField(max_length=64, blank=True, default="")
    error_message = models.CharField(max_length=500, blank=True, default="")
    source = models.CharField(max_length=32, blank=True, default="",
                              help_text="What started it: device_api, billing_api, autopay, admin...")
    autopayment_enable = models.BooleanField(default=False)
    via_wallet = models.BooleanField(default=False, help_text="Runs through the eWallet interface (card binding).")
    saved_card = models.ForeignKey("SavedCard", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    idempotency_key = models.CharField(max_length=128, blank=True, default="",
                                       help_text="Set by automatic payments: one payment per key.")
    transaction = models.OneToOneField("billing.CustomerTransaction", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="payment")
    refund_transaction = models.OneToOneField("billing.CustomerTransaction", null=True, blank=True,
                                              on_delete=models.PROTECT, related_name="refunded_payment")
    checks = models.PositiveIntegerField(default=0, help_text="How many times the gateway was asked.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "idempotency_key"], condition=~Q(idempotency_key=""),
                                    name="payment_unique_idempotency_key"),
        ]
        indexes = [models.Index(fields=["state", "created_at"]), models.Index(fields=["customer", "-id"])]

    def __str__(self) -> str:
        return f"Payment #{self.pk} {self.amount} ({self.state})"

    # The Smarty APIs' `transaction_id` is `pk`; the attribute `transaction_id` is the ledger row's id
    # (the `transaction` foreign key), so no property may carry that name.

    @property
    def payment_id(self) -> str:
        return self.order_id

    def can_become(self, state: str) -> bool:
        return state == self.state or state in TRANSITIONS.get(self.state, frozenset())

    def set_state(self, state: str) -> None:
        """Move along the state machine (staying put is allowed); raise `IllegalTransition` otherwise."""
        if not self.can_become(state):
            raise IllegalTransition(f"payment {self.pk}: {self.state} → {state} is not allowed")
        if state == PaymentState.SUCCEEDED and self.state != state:
            self.confirmed_at = timezone.now()
        self.state = state


class SavedCard(TenantModel):
    """A card bound to the customer's wallet at the gateway; only the gateway's card id and the
    masked number are kept here (card data never touches the middleware)."""

    customer = models.ForeignKey("tvmiddleware.Customer", on_delete=models.CASCADE, related_name="saved_cards")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="saved_cards")
    card_id = models.CharField(max_length=128)
    masked_number = models.CharField(max_length=32, blank=True, default="")
    expires_month = models.PositiveSmallIntegerField(null=True, blank=True)
    expires_year = models.PositiveSmallIntegerField(null=True, blank=True)
    for_autopayment = models.BooleanField(default=False)
    use_sbp = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "customer", "card_id"], name="savedcard_unique_per_customer",
                                    violation_error_message="This card is already saved for the customer."),
        ]

    def __str__(self) -> str:
        return self.masked_number or self.card_id

    @property
    def is_expired(self) -> bool:
        if not self.expires_year or not self.expires_month:
            return False
        year = self.expires_year + (2000 if self.expires_year < 100 else 0)
        today = date.today()
        return (year, self.expires_month) < (today.year, today.month)
