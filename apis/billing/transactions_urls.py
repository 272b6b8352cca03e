"""Billing API routes of the transactions group (relative to /billing/api/)."""
from django.urls import path

from . import transactions

urlpatterns: list = [
    path("transaction/create/", transactions.transaction_create),
    path("transaction/delete/", transactions.transaction_delete),
]
