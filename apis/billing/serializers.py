"""Output shapes of the Billing API shared by several methods: accounts, their devices, subscriptions.

The builders take model instances and never query on their own when the related rows were
prefetched: lists build their queryset with `with_account_details` (accounts) or prefetch
`open_subscriptions_prefetch()` (customers), so a page costs the same number of queries whatever
its size. Called on a bare instance they still work, with a query or two each.

Dates (`yyyy-mm-dd`) are written as the API takes them; moments (`created_at`, `last_active`,
subscription periods) as ISO 8601 with the UTC offset. Money stays `Decimal` (rendered as a string
with two decimals, like everywhere in the project). Empty values are `null`.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from apikit.spec import DATE, FLAG, INT, MONEY, STR, ListOf, Obj, nullable
from tvmiddleware.models import Account, AccountDevice, TariffSubscription

OPEN_SUBSCRIPTIONS = "open_subscriptions"  # attribute the prefetch fills on a Customer
MOMENT = {"type": "string", "format": "date-time"}  # ISO 8601 with the UTC offset (`moment_text`)


def date_text(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def moment_text(value: datetime | None) -> str | None:
    return value.replace(microsecond=0).isoformat() if value is not None else None


def flag(value: Any) -> int:
    return 1 if value else 0


def money(value: Decimal | None) -> str:
    """An amount as the API writes it: a decimal string with two places (None as "0.00")."""
    return f"{(value or Decimal('0')):.2f}"


# --- querysets the builders expect ------------------------------------------------------------------

def open_subscriptions_prefetch(lookup: str = "subscriptions") -> Prefetch:
    """Prefetch a customer's open subscriptions (with their tariffs) into `customer.open_subscriptions`.

    `lookup` is relative to the queryset: "subscriptions" on customers, "customer__subscriptions"
    on accounts.
    """
    queryset = TariffSubscription.objects.filter(is_closed=False).select_related("tariff").order_by("id")
    return Prefetch(lookup, queryset=queryset, to_attr=OPEN_SUBSCRIPTIONS)


def account_details_prefetches() -> list[Prefetch]:
    """What `account_row` reads besides the account and its customer (for `prefetch_related_objects`)."""
    devices = AccountDevice.objects.select_related("device_type").order_by("id")
    return [Prefetch("devices", queryset=devices), open_subscriptions_prefetch("customer__subscriptions")]


def with_account_details(queryset: QuerySet[Account]) -> QuerySet[Account]:
    """Accounts ready for `account_row`: customer joined, devices and open subscriptions prefetched."""
    return queryset.select_related("customer").prefetch_related(*account_details_prefetches())


# --- rows -------------------------------------------------------------------------------------------

def subscription_row(subscription: TariffSubscription) -> dict[str, Any]:
    """A customer's subscription to a tariff. `price` is what the customer pays for a period
    (the subscription's own price where it overrides the tariff's); `api_config_id` is the
    integration (ExternalSystem) the subscription was made through."""
    return {
        "id": subscription.pk,
        "tariff_id": subscription.tariff_id,
        "api_config_id": subscription.external_system_id,
        "price": subscription.effective_price,
        "start_date": moment_text(subscription.start_date),
        "end_date": moment_text(subscription.end_date),
        "is_periodical": flag(subscription.is_periodical),
        "price_expiration": date_text(subscription.price_expiration),
        "is_price_overridden": flag(subscription.is_price_overridden),
        "is_closed": flag(subscription.is_closed),
    }


def device_row(device: AccountDevice) -> dict[str, Any]:
    """A device bound to an account (basic = one of the account's own boxes)."""
    return {
        "id": device.pk,
        "system_name": device.device_type.system_name,
        "device_uid": device.device_uid,
        "serial_number": device.serial_number,
        "device_model": device.device_model,
        "brand_name": device.brand_name,
        "created_at": moment_text(device.created_at),
        "is_basic": flag(device.is_basic),
    }


def activation_days_left(account: Account) -> int | None:
    """Days until the account's deactivation date (0 once passed); None without one."""
    if account.deactivation_date is None:
        return None
    return max((account.deactivation_date - timezone.localdate()).days, 0)


def account_brief_row(account: Account) -> dict[str, Any]:
    """An account as customer lists show it: no devices, no subscriptions, no extra queries.

    `on_trial_period` is 1 while an account with an auto-activation period still has days left
    before its deactivation date (the period the first login opened).
    """
    days_left = activation_days_left(account)
    return {
        "id": account.pk,
        "abonement": account.abonement,
        "active": flag(account.active),
        "status_reason": account.status_reason,
        "activation_days_left": days_left,
        "on_trial_period": flag(account.auto_activation_period > 0 and bool(days_left)),
    }


def _devices(account: Account) -> Iterable[AccountDevice]:
    if "devices" in getattr(account, "_prefetched_objects_cache", {}):
        return account.devices.all()
    return account.devices.select_related("device_type").order_by("id")


def account_open_subscriptions(account: Account) -> list[TariffSubscription]:
    """The customer's open subscriptions: the prefetched list when there is one, else one query."""
    prefetched = getattr(account.customer, OPEN_SUBSCRIPTIONS, None)
    if prefetched is not None:
        return list(prefetched)
    return list(TariffSubscription.objects.filter(customer_id=account.customer_id, is_closed=False)
                .select_related("tariff").order_by("id"))


def account_row(account: Account, *, subscriptions: Iterable[TariffSubscription] | None = None) -> dict[str, Any]:
    """An account as AccountInfo and AccountList show it: login options, bound devices, and the
    tariffs its customer holds (tariffs belong to the customer; every account of the customer
    shows the same ones).

    Pass `subscriptions` when the caller already holds the customer's open subscriptions;
    otherwise they come from the `with_account_details` prefetch (or one query).
    """
    subscriptions = list(subscriptions) if subscriptions is not None else account_open_subscriptions(account)
    return {
        **account_brief_row(account),
        "last_active": moment_text(account.last_active),
        "created_at": moment_text(account.created_at),
        "account_ext_id": account.account_ext_id,
        "auto_activation_period": account.auto_activation_period,
        "extension_date": date_text(account.extension_date),
        "activation_date": date_text(account.activation_date),
        "deactivation_date": date_text(account.deactivation_date),
        "allow_multiple_login": flag(account.allow_multiple_login),
        "allow_login_by_abonement": flag(account.allow_login_by_abonement),
        "allow_login_by_device_uid": flag(account.allow_login_by_device_uid),
        "allow_login_by_ip": flag(account.allow_login_by_ip),
        "parent_code": account.parent_code or None,
        "use_timeshift": flag(account.use_timeshift),
        "preferred_timeshift_offset": account.preferred_timeshift_offset,
        "data_center": account.data_center,
        "template": account.template,
        "option1": account.option1,
        "option2": account.option2,
        "option3": account.option3,
        "devices": [device_row(device) for device in _devices(account)],
        "tariffs": sorted({s.tariff_id for s in subscriptions}),
        "customer_id": account.customer_id,
        "subnets": account.subnets,
        "subscriptions": [subscription_row(s) for s in subscriptions],
        "allowed_device_groups": list(account.allowed_device_groups or []),
    }


# --- shapes of the rows above, for the methods' declared answers (`apikit.spec`) -----------------------

SUBSCRIPTION = Obj(
    id=INT, tariff_id=INT, api_config_id=nullable(INT), price=nullable(MONEY), start_date=nullable(MOMENT),
    end_date=nullable(MOMENT), is_periodical=FLAG, price_expiration=nullable(DATE), is_price_overridden=FLAG,
    is_closed=FLAG,
)
DEVICE = Obj(id=INT, system_name=STR, device_uid=STR, serial_number=STR, device_model=STR, brand_name=STR,
             created_at=nullable(MOMENT), is_basic=FLAG)
ACCOUNT_BRIEF_FIELDS = dict(id=INT, abonement=STR, active=FLAG, status_reason=STR,
                            activation_days_left=nullable(INT), on_trial_period=FLAG)
ACCOUNT_BRIEF = Obj(**ACCOUNT_BRIEF_FIELDS)
ACCOUNT_FIELDS = dict(
    ACCOUNT_BRIEF_FIELDS, last_active=nullable(MOMENT), created_at=nullable(MOMENT), account_ext_id=STR,
    auto_activation_period=INT, extension_date=nullable(DATE), activation_date=nullable(DATE),
    deactivation_date=nullable(DATE), allow_multiple_login=FLAG, allow_login_by_abonement=FLAG,
    allow_login_by_device_uid=FLAG, allow_login_by_ip=FLAG, parent_code=nullable(STR), use_timeshift=FLAG,
    preferred_timeshift_offset=INT, data_center=nullable(INT), template=STR, option1=STR, option2=STR, option3=STR,
    devices=ListOf(DEVICE), tariffs=ListOf(INT), customer_id=INT, subnets=STR, subscriptions=ListOf(SUBSCRIPTION),
    allowed_device_groups=ListOf(INT),
)
ACCOUNT = Obj(**ACCOUNT_FIELDS)
