"""A subscriber takes tariffs from the app (device API `customer/tariff/subscribe`), paid from the balance.

The tariff is assigned by the core's `tariff_assign`, and its activation price and first period are
charged through the ledger under the same keys periodic billing uses (`billing.modes.activation_key`,
`billing.modes.charge_key`), so `check_accounts` neither charges them again nor misses them: the
subscription is paid until the end of that period. Billing builds on the core here, not the other
way round: the core's tariff services know nothing of charges.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tvmiddleware.models import Account, Customer, Tariff, TariffSubscription
from tvmiddleware.services import account_activate, tariff_assign
from tvmiddleware.services.actions import record
from common.errors import Conflict, Invalid, NotFound

from .models import TransactionSource
from .modes import activation_key, charge_key
from .services import InsufficientFunds, transaction_create

__all__ = ["BasicTariffTaken", "InsufficientFunds", "TariffAlreadyConnected", "TariffUnavailable",
           "offered_tariffs", "subscription_cost", "tariffs_subscribe"]


class TariffUnavailable(NotFound):
    """A tariff asked for is not the operator's, or not offered (disabled or hidden)."""

    code = "tariff_unavailable"


class BasicTariffTaken(Invalid):
    """A customer holds one basic tariff at a time: two were asked for, or one is already held."""

    code = "basic_tariff_taken"


class TariffAlreadyConnected(Conflict):
    """The customer already holds a tariff asked for."""

    code = "tariff_already_connected"


def tariffs_subscribe(*, customer: Customer, tariff_ids: list[int], account: Account,
                      try_activate: bool = False, now: datetime | None = None) -> list[TariffSubscription]:
    """The subscriber (through the login `account`) takes the offered tariffs `tariff_ids`, paying
    each one's activation price and first period from the balance; with `try_activate` an inactive
    login is activated too. All or nothing: one tariff the balance does not cover rolls back them all.

    Raises TariffUnavailable, BasicTariffTaken, TariffAlreadyConnected (also `Conflict` from the
    assignment), InsufficientFunds.
    """
    tariffs = offered_tariffs(customer=customer, tariff_ids=tariff_ids)
    with transaction.atomic():
        subscriptions = [_subscribe_paid(customer=customer, tariff=tariff, account=account, now=now)
                         for tariff in tariffs]
        if try_activate and not account.active:
            account_activate(account=account)
        record("tariffs_subscribed", customer=customer, account=account, tariff_ids=[t.pk for t in tariffs])
    return subscriptions


def offered_tariffs(*, customer: Customer, tariff_ids: list[int]) -> list[Tariff]:
    """The tariffs `tariff_ids` if the customer may take them all now: each the operator's, enabled and
    not hidden, not held already, and at most one basic tariff in all. Raises TariffUnavailable,
    BasicTariffTaken, TariffAlreadyConnected."""
    tariffs = list(Tariff.objects.for_client(customer.client_id).filter(pk__in=tariff_ids, enabled=True,
                                                                         hidden=False))
    if len(tariffs) != len(set(tariff_ids)):
        raise TariffUnavailable("One or more tariffs are not available.")
    if sum(1 for t in tariffs if t.is_basic) > 1:
        raise BasicTariffTaken("Only one basic tariff can be connected.")
    open_subscriptions = TariffSubscription.objects.filter(customer=customer, is_closed=False)
    held = set(open_subscriptions.values_list("tariff_id", flat=True))
    if any(t.pk in held for t in tariffs):
        raise TariffAlreadyConnected("The tariff is already connected.")
    if any(t.is_basic for t in tariffs) and open_subscriptions.filter(is_basic=True).exists():
        raise BasicTariffTaken("A basic tariff is already connected.")
    return tariffs


def subscription_cost(*, customer: Customer, tariff_ids: list[int]) -> Decimal:
    """What taking the tariffs `tariff_ids` now would charge (`tariffs_subscribe`): each one's
    activation price and, for a periodical tariff, its first period. Raises as `offered_tariffs`."""
    tariffs = offered_tariffs(customer=customer, tariff_ids=tariff_ids)
    return sum((tariff.activation_price + (tariff.price if tariff.period > 0 else Decimal("0.00"))
                for tariff in tariffs), Decimal("0.00"))


def _subscribe_paid(*, customer: Customer, tariff: Tariff, account: Account,
                    now: datetime | None) -> TariffSubscription:
    """Assign the tariff and charge its activation price and first period under the periodic
    billing's keys; the subscription is paid until the end of that period. Insufficient funds roll
    the whole subscription back (the caller's transaction)."""
    now = now or timezone.now()
    end_date = now + timedelta(days=tariff.period) if tariff.period > 0 else None
    subscription = tariff_assign(customer=customer, tariff=tariff, start_date=now, end_date=end_date)
    meta = {"tariff_id": tariff.pk, "subscription_id": subscription.pk, "account_id": account.pk}
    if tariff.activation_price > 0:
        transaction_create(client=customer.client, customer=customer, amount=-tariff.activation_price,
                           source=TransactionSource.ACTIVATION, ext_id=activation_key(subscription.pk),
                           require_funds=True, comment=f"Activation of {tariff.name}", meta=meta)
    if tariff.period > 0 and tariff.price > 0:
        transaction_create(client=customer.client, customer=customer, amount=-tariff.price,
                           source=TransactionSource.CHARGE, ext_id=charge_key(subscription.pk, now),
                           require_funds=True, comment=f"{tariff.name}: first period", meta=meta)
    return subscription
