"""Dealers, contracts and bank accounts of the operator's subscribers.

- `Dealer`: a reseller of the operator (name, free-text comment: register, tax, VAT numbers, city)
  and the customers it brought.
- `Contract`: a customer's signed contract (its number and when it was made).
- `BankAccount`: a customer's bank account for direct debits (German BLZ/Konto or BIC/IBAN).

Each keeps `ext_id`, the row's id in the system it came from (for example `oft:17` for an import
from OFT middleware), so an import run twice finds what it made the first time.
"""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from .base import TenantModel, Timestamped
from .customers import Customer


class Dealer(TenantModel, Timestamped):
    """A reseller of the operator, and the customers it brought."""

    name = models.CharField(max_length=200)
    comment = models.TextField(blank=True, default="")
    ext_id = models.CharField("ID in the source system", max_length=128, blank=True, default="")
    customers = models.ManyToManyField(Customer, related_name="dealers", blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["client", "name"], name="dealer_unique_name_per_client",
                                    violation_error_message="A dealer with this name already exists."),
        ]

    def __str__(self) -> str:
        return self.name


class Contract(TenantModel):
    """A customer's contract with the operator."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contracts")
    number = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    ext_id = models.CharField("ID in the source system", max_length=128, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "number"], name="contract_unique_number_per_client",
                                    violation_error_message="A contract with this number already exists."),
        ]

    def __str__(self) -> str:
        return self.number


class BankAccount(TenantModel):
    """A customer's bank account (for direct debits)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="bank_accounts")
    blz = models.CharField("BLZ (bank code)", max_length=32, blank=True, default="")
    konto = models.CharField("account number", max_length=64, blank=True, default="")
    bic = models.CharField("BIC", max_length=32, blank=True, default="")
    iban = models.CharField("IBAN", max_length=64, blank=True, default="")
    bank_name = models.CharField(max_length=200, blank=True, default="")
    owner = models.CharField("account owner", max_length=200, blank=True, default="")
    ext_id = models.CharField("ID in the source system", max_length=128, blank=True, default="")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "ext_id"], condition=~Q(ext_id=""),
                                    name="bankaccount_unique_ext_id_per_client",
                                    violation_error_message="A bank account with this ext_id already exists."),
        ]

    def __str__(self) -> str:
        return self.iban or self.konto or f"Bank account #{self.pk}"
