"""Billing API (`/billing/api/`): one module of views and one of routes per method group."""
from django.urls import include, path

urlpatterns = [
    path("", include("billing.api.accounts_urls")),
    path("", include("billing.api.customers_urls")),
    path("", include("billing.api.tariffs_urls")),
    path("", include("billing.api.transactions_urls")),
    path("", include("billing.api.promo_urls")),
]
