"""Customers (subscribers): personal data, their logins and assigned tariffs, at a glance and in bulk."""
from __future__ import annotations

from typing import Any, Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from tvmiddleware import services
from tvmiddleware.models import Account, BankAccount, Contract, Customer, Tariff, TariffSubscription, VideoPurchase
from tvmiddleware.services.customers import NAME_FIELDS

from .accounts import AccountStatusActionsMixin
from .actions import SubscriberActionInline, actions_of
from .base import ReadOnlyAdminMixin, ServiceDeleteMixin, TenantAdmin, TenantModelForm, TenantTabularInline
from .filters import CustomerAccountStatusFilter, OpenTariffFilter

TARIFF_ACTION_TEMPLATE = "admin/tvmiddleware/customer/tariff_action.html"


class CustomerForm(TenantModelForm):
    """A subscriber must be identifiable: a name or at least a comment (as `customer_create` requires)."""

    class Meta:
        model = Customer
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not any(data.get(name) for name in NAME_FIELDS if name in self.fields):
            raise ValidationError("At least one of firstname, middlename, lastname or comment is required.")
        return data


class AccountInline(ReadOnlyAdminMixin, TenantTabularInline):
    """The customer's logins; open one to change it, or add one with the link above."""

    model = Account
    fields = ["abonement", "active", "status_reason", "last_active", "created_at"]
    show_change_link = True


class ContractInline(TenantTabularInline):
    """The customer's contracts (number, when made)."""

    model = Contract
    fields = ["number", "created_at"]
    extra = 0


class BankAccountInline(TenantTabularInline):
    """The customer's bank accounts for direct debits."""

    model = BankAccount
    fields = ["owner", "bank_name", "iban", "bic", "konto", "blz"]
    extra = 0


class OpenSubscriptionInline(ReadOnlyAdminMixin, TenantTabularInline):
    """Tariffs the customer holds now (closed subscriptions are in "Tariff subscriptions")."""

    model = TariffSubscription
    fields = ["tariff", "is_basic", "start_date", "end_date", "effective_price", "is_periodical"]
    readonly_fields = ["effective_price"]
    show_change_link = True
    verbose_name = "current tariff"
    verbose_name_plural = "current tariffs"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(is_closed=False).select_related("tariff")

    @admin.display(description="price")
    def effective_price(self, obj: TariffSubscription) -> Any:
        return obj.effective_price


class TariffChoiceForm(forms.Form):
    """The tariff for a bulk assign/remove, among the user's operator's tariffs."""

    tariff = forms.ModelChoiceField(queryset=Tariff.objects.none())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tariff"].queryset = Tariff.objects.for_user(user)


_DELETED_WITH_CUSTOMER: list[type] = [TariffSubscription, VideoPurchase]


def deleted_with_customer(model: type) -> type:
    """Rows of `model` are history that goes with its customer: deleting a customer from the panel
    does not ask for the right to delete them one by one (they have no delete right of their own)."""
    if model not in _DELETED_WITH_CUSTOMER:
        _DELETED_WITH_CUSTOMER.append(model)
    return model


@admin.register(Customer)
class CustomerAdmin(AccountStatusActionsMixin, ServiceDeleteMixin, TenantAdmin):
    """Subscribers. The balance is kept by the ledger; tariffs change through the tariff services."""

    form = CustomerForm
    list_display = ["id", "__str__", "ext_id", "mobile_phone_number", "balance", "created_at"]
    list_display_links = ["id", "__str__"]
    list_filter = [CustomerAccountStatusFilter, "accounts__active", OpenTariffFilter, "created_at"]
    search_fields = ["id__exact", "ext_id", "lastname", "firstname", "middlename", "mobile_phone_number",
                     "accounts__abonement", "accounts__devices__device_uid", "company_name", "contract_number"]
    readonly_fields = ["balance", "quick_links", "created_at", "updated_at"]
    autocomplete_fields = ["custom_billing_api"]
    inlines = [AccountInline, OpenSubscriptionInline, ContractInline, BankAccountInline, SubscriberActionInline]
    actions = [*AccountStatusActionsMixin.status_actions, "assign_tariff", "remove_tariff"]
    fieldsets = [
        (None, {"fields": ["ext_id", "lastname", "firstname", "middlename", "birthdate", "gender", "comment",
                           "company_name", "contract_number", "dealer_id", "balance", "quick_links"]}),
        ("Contacts", {"fields": ["mobile_phone_number", "phone_number_1", "phone_number_2", "fax_phone_number",
                                 "email", "send_sms", "send_sms_messages", "send_email_messages"]}),
        ("Passport", {"fields": ["passport_series", "passport_number", "passport_issue_date", "passport_issued_by"],
                      "classes": ["collapse"]}),
        ("Addresses", {"fields": ["postal_address_country", "postal_address_city", "postal_address_street",
                                  "postal_address_bld", "postal_address_apt", "postal_address_zip",
                                  "billing_address_name", "billing_address_street", "billing_address_bld", "billing_address_apt",
                                  "billing_address_zip"], "classes": ["collapse"]}),
        ("Bank account", {"fields": ["bank_account_owner_name", "bank_account_bank_name", "bank_account_number",
                                     "bank_account_iban", "bank_account_bic", "bank_account_blz"],
                          "classes": ["collapse"]}),
        ("Billing", {"fields": ["custom_billing_api", "payment_type", "autopayment_enabled", "meta", "created_at", "updated_at"]}),
    ]

    @admin.display(description="links")
    def quick_links(self, obj: Customer) -> str:
        if obj.pk is None:
            return "Save the customer first to add accounts and tariffs."
        prefill = f"?customer={obj.pk}&client={obj.client_id}"
        links = [
            (reverse("admin:tvmiddleware_account_add") + prefill, "Add account"),
            (reverse("admin:tvmiddleware_tariffsubscription_add") + prefill, "Assign tariff"),
            (reverse("admin:tvmiddleware_tariffsubscription_changelist") + f"?customer__id__exact={obj.pk}",
             "Tariff history"),
            (reverse("admin:billing_customertransaction_changelist") + f"?customer__id__exact={obj.pk}", "Ledger"),
            (reverse("admin:tvmiddleware_videopurchase_changelist") + f"?customer__id__exact={obj.pk}",
             "Purchases"),
            (actions_of(obj), "Subscriber actions"),
        ]
        return format_html_join(" | ", '<a href="{}">{}</a>', links)

    def selected_accounts(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return Account.objects.for_user(request.user).filter(customer__in=queryset)

    def delete_row(self, obj: Customer) -> None:
        services.customer_delete(customer=obj)

    def get_deleted_objects(self, objs, request: HttpRequest):
        # Subscriptions cannot be deleted on their own (they are history), but they go with their
        # customer: `customer_delete` closes the open ones first, telling partners. Video purchases
        # and promo activations (read only too) go with their customer; the ledger rows that paid
        # for them, or that they credited, stay. Apps above the core name their own such rows
        # (`deleted_with_customer`).
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        for model in _DELETED_WITH_CUSTOMER:
            perms_needed.discard(model._meta.verbose_name)
        return deleted, counts, perms_needed, protected

    # --- bulk tariff changes ----------------------------------------------------------------------
    @admin.action(description="Assign tariff…", permissions=["change"])
    def assign_tariff(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        return self._tariff_action(request, queryset, services.tariff_assign, "assign_tariff", "Assign tariff",
                                   "assigned to")

    @admin.action(description="Remove tariff…", permissions=["change"])
    def remove_tariff(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        return self._tariff_action(request, queryset, services.tariff_remove, "remove_tariff", "Remove tariff",
                                   "removed from")

    def _tariff_action(self, request: HttpRequest, queryset: QuerySet, service: Callable[..., Any],
                       action: str, title: str, verb: str) -> TemplateResponse | None:
        """Ask for the tariff, then run the service per customer; refusals are listed, not fatal."""
        form = TariffChoiceForm(request.POST if "apply" in request.POST else None, user=request.user)
        if not form.is_valid():
            return TemplateResponse(request, TARIFF_ACTION_TEMPLATE, {
                **self.admin_site.each_context(request), "title": title, "opts": self.model._meta,
                "form": form, "queryset": queryset, "action": action,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            })
        tariff = form.cleaned_data["tariff"]
        done, refused = 0, []
        for customer in queryset:
            try:
                service(customer=customer, tariff=tariff)
                done += 1
            except services.ServiceError as exc:
                refused.append((str(customer), exc.message))
        self.message_user(request, f"Tariff {tariff} {verb} {done} customer(s).", messages.SUCCESS)
        if refused:
            self.message_user(request, format_html("Not changed: {}", format_html_join(
                "; ", "{}: {}", refused[:50])), messages.WARNING)
        return None
