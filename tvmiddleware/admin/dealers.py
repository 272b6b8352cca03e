"""Dealers, customers' contracts and bank accounts in the operator panel (each scoped to the operator:
see `base`). Imports from other systems (`import_oft`) fill them; staff keep them up to date here."""
from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from tvmiddleware.models import BankAccount, Contract, Dealer

from .base import TenantAdmin


@admin.register(Dealer)
class DealerAdmin(TenantAdmin):
    """Resellers of the operator and the customers each brought."""

    list_display = ["name", "customer_count", "ext_id", "created_at"]
    search_fields = ["name", "comment", "ext_id"]
    autocomplete_fields = ["customers"]
    fields = ["name", "comment", "customers", "ext_id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Dealer]:
        return super().get_queryset(request).annotate(customer_count=Count("customers"))

    @admin.display(description="customers", ordering="customer_count")
    def customer_count(self, obj: Dealer) -> int:
        return obj.customer_count


@admin.register(Contract)
class ContractAdmin(TenantAdmin):
    """Customers' contracts: the number and when it was made."""

    list_display = ["number", "customer", "created_at"]
    list_select_related = ["customer"]
    search_fields = ["number", "customer__lastname", "customer__firstname", "ext_id"]
    autocomplete_fields = ["customer"]
    date_hierarchy = "created_at"
    fields = ["customer", "number", "created_at", "ext_id"]


@admin.register(BankAccount)
class BankAccountAdmin(TenantAdmin):
    """Customers' bank accounts for direct debits (BLZ and account number, or BIC and IBAN)."""

    list_display = ["customer", "owner", "bank_name", "iban", "konto"]
    list_select_related = ["customer"]
    search_fields = ["iban", "konto", "owner", "bank_name", "customer__lastname", "ext_id"]
    autocomplete_fields = ["customer"]
    fields = ["customer", "owner", "bank_name", "iban", "bic", "konto", "blz", "ext_id"]
