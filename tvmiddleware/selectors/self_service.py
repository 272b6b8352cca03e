"""Reads behind the subscriber's self-service: the operator's settings, what the customer pays and
until when, the customer's devices, the accounts' profiles."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from tvmiddleware.models import (
    Account, AccountDevice, AccountProfile, AuthKey, Client, Customer, ProfileType, SelfServiceSettings,
    TariffSubscription,
)

CENT = Decimal("0.01")
DAYS_PER_YEAR = 365


def self_service_settings(client: Client | int) -> SelfServiceSettings:
    """The operator's self-service settings; the defaults (unsaved) when it has none."""
    client_id = client if isinstance(client, int) else client.pk
    found = SelfServiceSettings.objects.for_client(client_id).first()
    return found if found is not None else SelfServiceSettings(client_id=client_id)


@dataclass
class ChargeLine:
    """One tariff the customer pays for periodically."""

    tariff_id: int
    title: str
    price: Decimal  # what is charged (an individual price wins)
    list_price: Decimal  # the tariff's price
    period: int  # days
    paid_until: date | None
    is_basic: bool


@dataclass
class PaymentSummary:
    """What the customer's periodical tariffs cost, and how long the account is served.

    `payment_sum` is one round of charges (each charged tariff once), `payment_sum_no_discount` the
    same at the tariffs' list prices; `payment_period` the days of a round (the basic tariff's
    period, else the shortest); `annual_payment` what the charged tariffs cost over 365 days;
    `current_debt_amount` what the balance lacks (0 when not negative). `deactivation_date` is the
    day service stops unless paid: the account's deactivation date, else the earliest paid-until
    date of the charged tariffs; `deactivation_date_to` that day moved on by the whole rounds the
    balance covers; `activation_days_left` the days from today to `deactivation_date`."""

    lines: list[ChargeLine] = field(default_factory=list)
    payment_sum: Decimal = Decimal("0.00")
    payment_sum_no_discount: Decimal = Decimal("0.00")
    payment_period: int = 0
    annual_payment: Decimal = Decimal("0.00")
    current_debt_amount: Decimal = Decimal("0.00")
    deactivation_date: date | None = None
    deactivation_date_to: date | None = None
    activation_days_left: int = 0
    is_trial: bool = False


def payment_summary(*, customer: Customer, account: Account, today: date | None = None) -> PaymentSummary:
    """The customer's charges and service dates (one query)."""
    today = today or timezone.localdate()
    subscriptions = (TariffSubscription.objects.for_client(customer.client_id)
                     .filter(customer_id=customer.pk, is_closed=False, is_periodical=True, tariff__period__gt=0)
                     .select_related("tariff").order_by("-is_basic", "tariff__name", "id"))
    summary = PaymentSummary()
    for sub in subscriptions:
        summary.lines.append(ChargeLine(
            tariff_id=sub.tariff_id, title=sub.tariff.name, price=sub.effective_price, list_price=sub.tariff.price,
            period=sub.tariff.period, is_basic=sub.is_basic,
            paid_until=timezone.localdate(sub.end_date) if sub.end_date else None))
    lines = summary.lines
    summary.payment_sum = sum((line.price for line in lines), Decimal("0.00"))
    summary.payment_sum_no_discount = sum((line.list_price for line in lines), Decimal("0.00"))
    basic = next((line for line in lines if line.is_basic), None)
    summary.payment_period = basic.period if basic else min((line.period for line in lines), default=0)
    summary.annual_payment = sum((line.price * DAYS_PER_YEAR / line.period for line in lines),
                                 Decimal("0")).quantize(CENT, ROUND_HALF_UP)
    balance = customer.balance or Decimal("0")
    summary.current_debt_amount = max(-balance, Decimal("0.00")).quantize(CENT)
    paid_until = [line.paid_until for line in lines if line.paid_until is not None]
    summary.deactivation_date = account.deactivation_date or (min(paid_until) if paid_until else None)
    if summary.deactivation_date is not None:
        summary.activation_days_left = max((summary.deactivation_date - today).days, 0)
        rounds = 0
        if summary.payment_sum > 0 and balance > 0 and summary.payment_period > 0:
            rounds = math.floor(balance / summary.payment_sum)
        summary.deactivation_date_to = summary.deactivation_date + timedelta(days=rounds * summary.payment_period)
    summary.is_trial = account.auto_activation_period > 0 and summary.activation_days_left > 0
    return summary


def customer_devices(*, client: Client, customer_id: int) -> list[dict]:
    """The devices bound to the customer's accounts, oldest first, each with `online`: a session of
    it was seen within the active window. Two queries whatever the number of devices."""
    from tvmiddleware.services.sessions import active_window

    devices = list(AccountDevice.objects.for_client(client).filter(account__customer_id=customer_id)
                   .select_related("device_type").order_by("created_at", "id"))
    since = timezone.now() - active_window()
    seen = AuthKey.objects.filter(account__customer_id=customer_id, last_seen_at__gte=since)
    online_ids, online_uids = set(), set()
    for device_id, device_uid in seen.values_list("device_id", "device_uid"):
        online_ids.add(device_id)
        if device_uid:
            online_uids.add(device_uid)
    return [{"device": device, "online": device.pk in online_ids or device.device_uid in online_uids}
            for device in devices]


def account_profiles(*, client: Client, customer_id: int) -> list[dict]:
    """The profile of each of the customer's accounts (its name and kind), oldest account first; an
    account without one has the operator's default kind and its abonement as name. Three queries."""
    accounts = list(Account.objects.for_client(client).filter(customer_id=customer_id).order_by("id")
                    .values_list("id", "abonement"))
    profiles = {row.account_id: row for row in AccountProfile.objects.for_client(client)
                .filter(account_id__in=[account_id for account_id, _ in accounts])}
    kinds = {kind.pk: kind for kind in ProfileType.objects.for_client(client)}
    default = next((kind for kind in kinds.values() if kind.is_default), None)
    rows = []
    for account_id, abonement in accounts:
        profile = profiles.get(account_id)
        kind = kinds.get(profile.profile_type_id) if profile is not None else None
        kind = kind or default
        rows.append({"account_id": account_id, "name": (profile.name if profile else "") or abonement,
                     "profile_id": kind.pk if kind else 0, "profile_name": kind.name if kind else ""})
    return rows
