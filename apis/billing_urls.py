"""`/billing/`: the Billing API (and, with the payments app, gateway notifications)."""
from django.urls import include, path

urlpatterns = [
    path("api/", include("apis.billing.urls")),
]
