"""`/billing/payment/`: gateway notifications (included by the project URLconf when payments is installed)."""
from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("payture/validate_notify/", views.payture_notify, name="payture_notify"),
]
