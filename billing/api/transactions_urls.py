"""Billing API routes of the transactions group (relative to /billing/api/)."""
from django.urls import path  # noqa: F401

urlpatterns: list = []
