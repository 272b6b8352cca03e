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


class PromoCode(TenantModel):
    """A code a subscriber redeems for a gift: money on the balance (`amount`), free tariff packages
    (`free_tariffs`, assigned at a zero price), and/or a percentage `discount` on `discount_tariffs`
    (all tariffs when none are listed), recorded on each activation for the charging of tariffs.

    Codes are unique per operator and kept upper-case (subscribers type them in any case). A code may
    be tied to one login (`account`), limited to `activation_limit` customers, and valid only between
    `valid_from` and `valid_until` (inclusive days). One customer redeems a code at most once.
    """

    code = models.CharField(max_length=64)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True,
                                 help_text="Credited to the balance on activation.")
    discount = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Percent, 1–100.")
    discount_tariffs = models.ManyToManyField("tvmiddleware.Tariff", blank=True, related_name="+",
                                              help_text="Tariffs the discount applies to; empty = all.")
    free_tariffs = models.ManyToManyField("tvmiddleware.Tariff", blank=True, related_name="+",
                                          help_text="Assigned free of charge on activation.")
    account = models.ForeignKey("tvmiddleware.Account", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+", help_text="Only this login may activate the code.")
    activation_limit = models.PositiveIntegerField(default=1, help_text="How many customers may activate it.")
    activations_count = models.PositiveIntegerField(default=0, editable=False)
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "code"], name="promocode_unique_code_per_client",
                                    violation_error_message="A promo code with this code already exists."),
            models.CheckConstraint(condition=Q(activations_count__lte=models.F("activation_limit")),
                                   name="promocode_activations_within_limit"),
        ]

    def __str__(self) -> str:
        return self.code


class PromoActivation(TenantModel):
    """A customer's redemption of a promo code, with the ledger row that credited its amount."""

    promo = models.ForeignKey(PromoCode, on_delete=models.CASCADE, related_name="activations")
    customer = models.ForeignKey("tvmiddleware.Customer", on_delete=models.CASCADE, related_name="promo_activations")
    account = models.ForeignKey("tvmiddleware.Account", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    transaction = models.OneToOneField(CustomerTransaction, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="promo_activation")
    discount = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Percent granted, as the code said.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["promo", "customer"], name="promoactivation_once_per_customer",
                                    violation_error_message="The customer has already activated this code."),
        ]

    def __str__(self) -> str:
        return f"{self.promo} → {self.customer_id}"
