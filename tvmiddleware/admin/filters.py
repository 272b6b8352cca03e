"""List filters of the operator panel whose choices depend on the user's operator or on the status list."""
from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet

from tvmiddleware.models import Account, AccountStatus, Tariff


class AccountStatusFilter(admin.SimpleListFilter):
    """Accounts by status: active, blocked for debt, blocked, inactive, waiting for activation."""

    title = "account status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return AccountStatus.choices

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(status_reason=self.value())
        return queryset


class CustomerAccountStatusFilter(AccountStatusFilter):
    """Customers having at least one account in the chosen status."""

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value():
            holders = Account.objects.filter(status_reason=self.value()).values("customer_id")
            return queryset.filter(pk__in=holders)
        return queryset


class OpenTariffFilter(admin.SimpleListFilter):
    """Customers currently holding a tariff (an open subscription); offers the user's operator's tariffs."""

    title = "tariff"
    parameter_name = "tariff"

    def lookups(self, request, model_admin):
        tariffs = Tariff.objects.for_user(request.user).select_related("client")
        if request.user.is_superuser:
            return [(t.pk, f"{t} ({t.client})") for t in tariffs]
        return [(t.pk, str(t)) for t in tariffs]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(subscriptions__tariff_id=self.value(), subscriptions__is_closed=False)
        return queryset
