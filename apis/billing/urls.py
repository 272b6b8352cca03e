"""Billing API (`/billing/api/`): one module of views and one of routes per method group."""
from django.urls import include, path

urlpatterns = [
    path("", include("apis.billing.accounts_urls")),
    path("", include("apis.billing.customers_urls")),
    path("", include("apis.billing.tariffs_urls")),
    path("", include("apis.billing.transactions_urls")),
    path("", include("apis.billing.promo_urls")),
]
