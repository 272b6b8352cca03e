"""Assigning and removing tariffs.

Rules: a customer holds a tariff at most once; a customer has at most one basic tariff, and
assigning another basic tariff replaces it (the old one is closed and `tariff.removed` is sent);
additional tariffs stack. Both rules are also database constraints.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from tvmiddleware.events import EventName, emit
from tvmiddleware.models import Customer, ExternalSystem, Tariff, TariffSubscription
from tvmiddleware.services.actions import record
from tvmiddleware.streaming import access

from common.errors import Conflict, Invalid, NotFound


def _payload(subscription: TariffSubscription) -> dict:
    return {"customer_id": subscription.customer_id, "customer_ext_id": subscription.customer.ext_id,
            "tariff_id": subscription.tariff_id,
            "tariff_ext_id": subscription.tariff.ext_id, "subscription_id": subscription.pk,
            "is_basic": subscription.is_basic}


@transaction.atomic
def tariff_assign(
    *,
    customer: Customer,
    tariff: Tariff,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
    price: Decimal | None = None,
    price_expiration=None,
    is_periodical: bool = True,
    external_system: ExternalSystem | None = None,
) -> TariffSubscription:
    """Subscribe a customer to a tariff. A new basic tariff replaces the current one."""
    if tariff.client_id != customer.client_id:
        raise NotFound("Tariff not found.")
    if not tariff.enabled:
        raise Invalid("The tariff is disabled.", fields={"tariff_id": "disabled"})
    Customer.objects.select_for_update().filter(pk=customer.pk).first()  # serialise per customer
    open_subscriptions = TariffSubscription.objects.filter(customer=customer, is_closed=False)
    if open_subscriptions.filter(tariff=tariff).exists():
        raise Conflict("The customer already has this tariff.")
    now = timezone.now()
    if tariff.is_basic:
        for old in open_subscriptions.filter(is_basic=True).select_related("tariff"):
            _close(old, now)
    subscription = TariffSubscription(
        client_id=customer.client_id, customer=customer, tariff=tariff, is_basic=tariff.is_basic,
        start_date=start_date or now, end_date=end_date, price=price, is_price_overridden=price is not None,
        price_expiration=price_expiration, is_periodical=is_periodical, external_system=external_system,
    )
    try:
        with transaction.atomic():
            subscription.save()
    except IntegrityError as exc:  # a concurrent assignment won the race
        raise Conflict("The customer already has this tariff or a basic tariff.") from exc
    access.on_commit_invalidate_customer(customer.pk)
    emit(client=customer.client, name=EventName.TARIFF_ASSIGNED, customer_id=customer.pk,
         payload=_payload(subscription))
    return subscription


@transaction.atomic
def tariff_remove(*, customer: Customer, tariff: Tariff, when: datetime | None = None) -> TariffSubscription:
    """End a customer's subscription to a tariff."""
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    subscription = (TariffSubscription.objects.select_related("tariff")
                    .filter(customer=customer, tariff=tariff, is_closed=False).first())
    if subscription is None:
        raise NotFound("The customer does not have this tariff.")
    _close(subscription, when or timezone.now())
    return subscription


def _close(subscription: TariffSubscription, when: datetime) -> None:
    subscription.is_closed = True
    subscription.closed_at = when
    if subscription.end_date is None or subscription.end_date > when:
        subscription.end_date = when
    subscription.save(update_fields=["is_closed", "closed_at", "end_date"])
    access.on_commit_invalidate_customer(subscription.customer_id)
    emit(client=subscription.customer.client, name=EventName.TARIFF_REMOVED, customer_id=subscription.customer_id,
         payload=_payload(subscription))


class TariffNotConnected(NotFound):
    """A tariff asked for is not held by the customer."""

    code = "tariff_not_connected"


class BasicTariffKept(Invalid):
    """The subscriber cannot drop the basic tariff from the app (it is replaced, or ended by the operator)."""

    code = "basic_tariff_kept"


class TariffNotUnsubscribable(Invalid):
    """The operator does not let subscribers drop this tariff themselves (required, or not available
    to unsubscribe)."""

    code = "tariff_not_unsubscribable"


def tariffs_unsubscribe(*, customer: Customer, tariff_ids: list[int]) -> list[TariffSubscription]:
    """The subscriber drops additional tariffs `tariff_ids` from the app (device API
    `customer/tariff/unsubscribe`); all of them or none. Raises TariffNotConnected, BasicTariffKept,
    TariffNotUnsubscribable."""
    subscriptions = list(TariffSubscription.objects.filter(customer=customer, is_closed=False,
                                                           tariff_id__in=tariff_ids).select_related("tariff"))
    if len(subscriptions) != len(set(tariff_ids)):
        raise TariffNotConnected("One or more tariffs are not connected.")
    if any(s.tariff.is_basic for s in subscriptions):
        raise BasicTariffKept("A basic tariff cannot be disconnected here.")
    if any(not s.tariff.available_to_unsubscribe or s.tariff.required for s in subscriptions):
        raise TariffNotUnsubscribable("A tariff cannot be disconnected from the app.")
    with transaction.atomic():
        closed = [tariff_remove(customer=customer, tariff=s.tariff) for s in subscriptions]
        record("tariffs_unsubscribed", customer=customer, tariff_ids=sorted(set(tariff_ids)))
    return closed
