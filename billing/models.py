"""The ledger: every change of a customer's balance is one row here."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tvmiddleware.models import TenantModel


class TransactionSource(models.TextChoices):
    """Where a ledger row came from. External ids are unique per operator and source."""

    API = "api", "Billing API"
    MANUAL = "manual", "Operator (manual)"
    PAYMENT = "payment", "Payment gateway"
    PURCHASE = "purchase", "Video purchase"
    CHARGE = "charge", "Periodic tariff charge"
    ACTIVATION = "activation", "Tariff activation"
    REVERSAL = "reversal", "Reversal"
    PROMO = "promo", "Promo code"


class CustomerTransaction(TenantModel):
    """A signed amount added to (positive) or taken from (negative) a customer's balance.

    Rows are never edited or deleted: a mistake is undone by a reversal row (`reverses`).
    `balance_before`/`balance_after` record the balance around this row, written under a lock on
    the customer, so the ledger can be audited row by row.
    """

    # A deleted customer's rows stay in the ledger: the link is cleared, `customer_ref` keeps the id.
    customer = models.ForeignKey("tvmiddleware.Customer", null=True, on_delete=models.SET_NULL,
                                 related_name="transactions")
    customer_ref = models.BigIntegerField("customer id", db_index=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    source = models.CharField(max_length=16, choices=TransactionSource.choices)
    ext_id = models.CharField("external id", max_length=128, blank=True, default="")
    comment = models.TextField(blank=True, default="")
    processed = models.BooleanField(default=True)
    balance_before = models.DecimalField(max_digits=14, decimal_places=2)
    balance_after = models.DecimalField(max_digits=14, decimal_places=2)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    meta = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "ledger transaction"
        constraints = [
            models.UniqueConstraint(
                fields=["client", "source", "ext_id"],
                condition=~Q(ext_id=""),
                name="transaction_unique_ext_id_per_source",
                violation_error_message="A transaction with this external id already exists.",
            ),
            models.CheckConstraint(
                condition=Q(balance_after=models.F("balance_before") + models.F("amount")),
                name="transaction_balance_arithmetic",
            ),
        ]
        indexes = [models.Index(fields=["customer", "-id"])]

    def __str__(self) -> str:
        return f"{self.amount:+} ({self.get_source_display()})"
