"""The ledger in the operator panel: for reading only. Money moves through `billing.services`.
Promo codes: issued by `billing.promo.promo_create`; their activations are for reading only."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from tvmiddleware.admin.base import ReadOnlyAdminMixin, TenantAdmin, TenantModelForm, adopt_saved_row
from tvmiddleware.admin.customers import deleted_with_customer

from . import promo
from .models import CustomerTransaction, PromoActivation, PromoCode

PROMO_CODE_RE = re.compile(r"[A-Z0-9_-]{1,64}")  # as `promo_create` accepts a chosen code


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


# --- promo codes ----------------------------------------------------------------------------------------

class PromoCodeForm(TenantModelForm):
    """A code and its gifts and terms, checked by the rules `promo_create` enforces so that a mistake
    is a form error. Codes are upper-case: subscribers type them in any case."""

    class Meta:
        model = PromoCode
        fields = "__all__"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and "code" in self.fields:
            self.fields["code"].required = False
            self.fields["code"].help_text = (f"Leave empty to draw a random code of {promo.DEFAULT_CODE_LENGTH} "
                                             "characters.")

    def clean_code(self) -> str:
        code = promo.normalize_code(self.cleaned_data.get("code", ""))
        if code and not PROMO_CODE_RE.fullmatch(code):
            raise ValidationError("A code holds letters A-Z, digits, '-' and '_'.")
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        amount, discount = data.get("amount"), data.get("discount")
        if amount is None and discount is None and not data.get("free_tariffs"):
            raise ValidationError("A promo code needs an amount, a discount or free tariffs.")
        if amount is not None and not Decimal("0") < amount < promo.MAX_AMOUNT:
            self.add_error("amount", "The amount must be positive.")
        if discount is not None and not 1 <= discount <= 100:
            self.add_error("discount", "The discount is a percentage from 1 to 100.")
        if data.get("discount_tariffs") and discount is None:
            self.add_error("discount_tariffs", "These are the tariffs a discount applies to: give the discount.")
        limit = data.get("activation_limit")
        if limit is not None and limit < max(1, self.instance.activations_count):
            self.add_error("activation_limit", "At least 1." if limit < 1 else
                           f"{self.instance.activations_count} customer(s) have already activated the code.")
        valid_from, valid_until = data.get("valid_from"), data.get("valid_until")
        if valid_from and valid_until and valid_until < valid_from:
            self.add_error("valid_until", "The code stops being valid before it starts.")
        return data


PROMO_TERMS = ["amount", "discount", "activation_limit", "valid_from", "valid_until", "account"]
PROMO_EDITABLE = {"code", *PROMO_TERMS}  # columns an edit writes; the tariffs are saved by the form afterwards


@admin.register(PromoCode)
class PromoCodeAdmin(TenantAdmin):
    """Codes subscribers redeem for money on the balance, free tariffs and/or a discount. New codes are
    issued by `promo_create`. A code some customer has activated is history and cannot be deleted."""

    form = PromoCodeForm
    list_display = ["code", "amount", "discount", "used", "valid_from", "valid_until", "account", "created_at"]
    list_select_related = ["account"]
    search_fields = ["code", "account__abonement"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["account"]
    filter_horizontal = ["free_tariffs", "discount_tariffs"]
    fieldsets = [
        (None, {"fields": ["code", "account"]}),
        ("Gifts", {"fields": ["amount", "free_tariffs", "discount", "discount_tariffs"]}),
        ("Terms", {"fields": ["activation_limit", "valid_from", "valid_until"]}),
        ("Use", {"fields": ["activations_count", "created_at"]}),
    ]
    readonly_fields = ["activations_count", "created_at"]

    def get_fieldsets(self, request: HttpRequest, obj: PromoCode | None = None) -> list[Any]:
        fieldsets = super().get_fieldsets(request, obj)
        return fieldsets if obj is not None else [entry for entry in fieldsets if entry[0] != "Use"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(activations_total=Count("activations"))

    # Not named `activations`: the list would take that for the reverse relation and sort by it.
    @admin.display(description="activations", ordering="activations_total")
    def used(self, obj: PromoCode) -> str:
        return f"{getattr(obj, 'activations_total', 0)} / {obj.activation_limit}"

    def save_model(self, request: HttpRequest, obj: PromoCode, form: PromoCodeForm, change: bool) -> None:
        self.assign_client(request, obj)
        data = form.cleaned_data
        if change:
            # No service edits a code. Redemptions raise `activations_count` meanwhile (under a row
            # lock): wait for them and never write the counter back from the form's copy.
            PromoCode.objects.select_for_update().filter(pk=obj.pk).first()
            obj.save(update_fields=[name for name in form.changed_data if name in PROMO_EDITABLE])
            return
        issued, = promo.promo_create(
            client=obj.client, code=data.get("code") or None, discount_tariffs=data.get("discount_tariffs") or [],
            free_tariffs=data.get("free_tariffs") or [], **{name: data.get(name) for name in PROMO_TERMS},
        )
        adopt_saved_row(obj, issued)


deleted_with_customer(PromoActivation)


@admin.register(PromoActivation)
class PromoActivationAdmin(ReadOnlyAdminMixin, TenantAdmin):
    """Redemptions of promo codes, made by the Billing API through `promo_activate` (which credits
    the amount through the ledger and assigns the free tariffs). Nobody adds, edits or deletes them."""

    list_display = ["id", "created_at", "promo", "customer", "account", "discount", "transaction_link"]
    list_select_related = ["promo", "customer", "account", "transaction"]
    search_fields = ["promo__code", "customer__ext_id", "customer__lastname", "account__abonement"]
    date_hierarchy = "created_at"
    fields = ["promo", "customer", "account", "discount", "transaction_link", "created_at"]
    readonly_fields = ["transaction_link"]

    @admin.display(description="ledger row")
    def transaction_link(self, obj: PromoActivation) -> str:
        if obj.transaction_id is None:
            return "—"  # a code without an amount credits nothing
        url = reverse("admin:billing_customertransaction_change", args=[obj.transaction_id])
        return format_html('<a href="{}">#{} ({})</a>', url, obj.transaction_id, obj.transaction.amount)
