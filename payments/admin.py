"""Payments in the operator panel: merchants (gateway settings, secrets write-only), payments
(read-only, with "refresh from the gateway" and "refund" going through the services), saved cards.

Operator staff manage their own operator's merchants and see its payments and cards (the panel's
per-operator scoping applies; the staff group's permissions come from `tvmiddleware.services.staff`).
"""
from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from billing.payment_gateway import GatewayRefusal
from tvmiddleware.admin.base import ReadOnlyAdminMixin, TenantAdmin, TenantModelForm

from . import services
from .models import Merchant, MerchantType, Payment, PaymentState, RememberCard, SavedCard

SECRET_FIELDS = ("pay_key", "add_key", "password")


class MerchantForm(TenantModelForm):
    """Keys and the password are write-only: never rendered back; left empty, they keep their value."""

    pay_key = forms.CharField(label="Terminal key (Pay)", required=False, widget=forms.PasswordInput(render_value=False),
                              help_text="Payture InPay terminal. Leave empty to keep the current key.")
    add_key = forms.CharField(label="Terminal key (Add, card binding)", required=False,
                              widget=forms.PasswordInput(render_value=False),
                              help_text="Payture eWallet terminal for saved cards. Leave empty to keep the current key.")
    password = forms.CharField(label="Terminal password", required=False, widget=forms.PasswordInput(render_value=False),
                               help_text="Needed for refunds. Leave empty to keep the current password.")

    class Meta:
        model = Merchant
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        instance = self.instance
        for name in SECRET_FIELDS:
            if not data.get(name):
                data[name] = getattr(instance, name, "") if instance.pk else ""
        if data.get("merchant_type") == MerchantType.PAYTURE:
            if not data.get("api_host"):
                self.add_error("api_host", "Payture needs its API host, e.g. https://secure.payture.com.")
            if not data.get("pay_key"):
                self.add_error("pay_key", "Payture needs the Pay terminal key.")
            if data.get("remember_card") != RememberCard.NEVER and not data.get("add_key"):
                self.add_error("add_key", "Saving cards needs the Add terminal key (or set remember card to Never).")
        return data


@admin.register(Merchant)
class MerchantAdmin(TenantAdmin):
    """The operator's payment gateways. Give Payture the notification URL
    `https://<this host>/billing/payment/payture/validate_notify/`."""

    form = MerchantForm
    list_display = ["name", "merchant_type", "enabled", "is_default", "api_host", "remember_card"]
    list_filter = ["merchant_type", "enabled"]
    search_fields = ["name"]
    fieldsets = [
        (None, {"fields": ["client", "merchant_type", "name", "enabled", "is_default"]}),
        ("Payture", {"fields": ["api_host", "pay_key", "add_key", "password", "template_tag", "remember_card",
                                "default_return_url", "timeout"],
                     "description": "Notification URL to give Payture: "
                                    "https://&lt;this host&gt;/billing/payment/payture/validate_notify/"}),
    ]

    def save_model(self, request: HttpRequest, obj: Merchant, form: forms.ModelForm, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if obj.is_default:  # one default merchant per operator
                Merchant.objects.for_client(obj.client_id).exclude(pk=obj.pk).update(is_default=False)


class PaymentStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(PaymentState.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(state=self.value()) if self.value() else queryset


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, TenantAdmin):
    """Payments as the gateways left them. Money moves only through the actions (services)."""

    list_display = ["id", "order_id", "customer", "amount", "state", "merchant_type", "gateway_state", "error_code",
                    "source", "created_at", "confirmed_at"]
    list_filter = [PaymentStateFilter, "merchant_type", "source"]
    search_fields = ["order_id", "session_id", "=customer__id"]
    list_select_related = ["customer"]
    fields = ["client", "customer", "account", "merchant", "merchant_type", "order_id", "amount", "state",
              "gateway_state", "error_code", "error_message", "session_id", "redirect_url", "source",
              "autopayment_enable", "via_wallet", "saved_card", "idempotency_key", "transaction",
              "refund_transaction", "checks", "created_at", "updated_at", "confirmed_at"]
    actions = ["refresh_from_gateway", "refund"]

    @admin.action(description="Refresh status from the gateway (credits confirmed payments)")
    def refresh_from_gateway(self, request: HttpRequest, queryset: QuerySet) -> None:
        done, failed = 0, 0
        for payment in queryset.select_related("merchant"):
            try:
                services.payment_refresh(payment=payment)
                done += 1
            except GatewayRefusal as exc:
                failed += 1
                self.message_user(request, f"Payment #{payment.pk}: {exc.message}", messages.WARNING)
        self.message_user(request, f"{done} payment(s) checked with the gateway, {failed} not reachable.",
                          messages.SUCCESS if not failed else messages.WARNING)

    @admin.action(description="Refund (gateway refund, then a reversal on the balance)")
    def refund(self, request: HttpRequest, queryset: QuerySet) -> None:
        refunded = 0
        for payment in queryset.select_related("merchant"):
            try:
                services.payment_refund(payment=payment, comment=f"Refund by {request.user.get_username()}")
                refunded += 1
            except GatewayRefusal as exc:
                self.message_user(request, f"Payment #{payment.pk}: {exc.message}", messages.ERROR)
        if refunded:
            self.message_user(request, f"{refunded} payment(s) refunded.", messages.SUCCESS)


@admin.register(SavedCard)
class SavedCardAdmin(ReadOnlyAdminMixin, TenantAdmin):
    """Cards bound at the gateway (only its card id and the masked number are kept)."""

    list_display = ["masked_number", "customer", "merchant", "for_autopayment", "expires_month", "expires_year",
                    "created_at"]
    list_filter = ["for_autopayment", "merchant"]
    search_fields = ["masked_number", "card_id", "=customer__id"]
    fields = ["client", "customer", "merchant", "card_id", "masked_number", "expires_month", "expires_year",
              "for_autopayment", "use_sbp", "created_at"]
