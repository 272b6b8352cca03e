"""Customer (subscriber) writes."""
from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tvmiddleware.models import Client, Customer
from tvmiddleware.services.actions import record
from tvmiddleware.streaming import access

from common.errors import Conflict, Invalid

# Fields the operator's billing and the admin may set on a customer.
CUSTOMER_FIELDS = frozenset(
    f.name for f in Customer._meta.get_fields()
    if getattr(f, "editable", False) and not f.is_relation and f.name not in {"id", "created_at", "updated_at"}
) | {"custom_billing_api"}

NAME_FIELDS = ("firstname", "middlename", "lastname", "comment")


def _apply(customer: Customer, fields: dict[str, Any]) -> None:
    unknown = set(fields) - CUSTOMER_FIELDS
    if unknown:
        raise Invalid(f"Unknown customer field(s): {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(customer, name, "" if value is None and name in NAME_FIELDS + ("ext_id",) else value)
    if not any(getattr(customer, name) for name in NAME_FIELDS):
        raise Invalid("At least one of firstname, middlename, lastname or comment is required.",
                      fields={name: "required" for name in NAME_FIELDS})


def _save(customer: Customer) -> None:
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError as exc:
        raise Conflict("A customer with this ext_id already exists.", fields={"ext_id": "duplicate"}) from exc


@transaction.atomic
def customer_create(*, client: Client, **fields: Any) -> Customer:
    """Register a subscriber. `ext_id`, when given, must be new for the operator."""
    customer = Customer(client=client)
    _apply(customer, fields)
    _save(customer)
    return customer


@transaction.atomic
def customer_modify(*, customer: Customer, **fields: Any) -> Customer:
    _apply(customer, fields)
    _save(customer)
    record("profile_changed", customer=customer, fields=sorted(fields))
    return customer


@transaction.atomic
def customer_delete(*, customer: Customer) -> None:
    """Remove a subscriber: their tariffs end and their devices are released first (events are sent
    so partners and CAS hear of it); ledger rows stay, keeping the customer's id."""
    from .accounts import account_delete
    from .tariffs import tariff_remove

    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    access.on_commit_invalidate_customer(customer.pk)
    for subscription in customer.subscriptions.filter(is_closed=False).select_related("tariff"):
        tariff_remove(customer=customer, tariff=subscription.tariff, when=timezone.now())
    for account in list(customer.accounts.all()):
        account_delete(account=account)
    customer.delete()
