"""The ledger in the operator panel: for reading only. Money moves through `billing.services`."""
from __future__ import annotations

from django.contrib import admin

from tvmiddleware.admin.base import ReadOnlyAdminMixin, TenantAdmin

from .models import CustomerTransaction


@admin.register(CustomerTransaction)
class CustomerTransactionAdmin(ReadOnlyAdminMixin, TenantAdmin):
    """Ledger rows. Nobody adds, edits or deletes them here, superusers included: a mistake is undone
    by a reversal row, written by the billing services."""

    list_display = ["id", "created_at", "customer", "customer_ref", "amount", "source", "ext_id",
                    "balance_before", "balance_after", "processed"]
    list_filter = ["source", "processed"]
    list_select_related = ["customer"]
    search_fields = ["ext_id", "customer_ref__exact"]
    date_hierarchy = "created_at"
