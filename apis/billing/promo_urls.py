"""Billing API routes of the promo group (relative to /billing/api/)."""
from django.urls import path

from . import promo

urlpatterns: list = [
    path("promo/activate/", promo.promo_activate),
    path("promo/create/", promo.promo_create),
]
