"""Reads of the Irdeto integration: what the CAS *should* hold for a customer.

Desired state of a customer (the rule every sync makes the CAS match):
- CAS devices: every device bound to any of the customer's accounts whose device type has at least
  one `CasProduct` of the operator. Its id at the CAS is the serial number (smartcard serial) when
  one is recorded, else the device UID. Devices of blocked or inactive accounts stay paired.
- Entitlements: on each CAS device of an *active* account, for each open tariff subscription whose
  tariff maps products for the device's type, each product with the subscription's period:
  start = subscription start; end = the subscription's `end_date` for fixed-term subscriptions
  (`is_periodical` false, e.g. the Billing API's `end_date`), and `FAR_END` for periodic ones,
  whose `end_date` is only "paid until" and moves with each charge (an unpaid period blocks the
  account, which removes the entitlements). Expired fixed-term periods give nothing. Two
  subscriptions granting one product on one device merge into the widest period.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone as dt_timezone

from tvmiddleware.models import AccountDevice, Customer, ExternalSystem, TariffSubscription

from .client import CasDevice, Period, utc_seconds
from .models import CasProduct
from common.text import is_digits

API_CLASS = "irdeto_api_client"
# The end sent for open-ended entitlements (periodic subscriptions).
FAR_END = datetime(2099, 12, 31, 23, 59, 59, tzinfo=dt_timezone.utc)


def irdeto_systems(*, client_id: int | None = None, system_id: int | None = None):
    """Enabled Irdeto integrations (of one operator, or one of them)."""
    systems = ExternalSystem.objects.filter(api_class=API_CLASS, enabled=True).select_related("client")
    if client_id is not None:
        systems = systems.for_client(client_id)
    if system_id is not None:
        systems = systems.filter(pk=system_id)
    return systems.order_by("client_id", "pk")


def cas_customer_id(client_id: int, customer_id: int) -> str:
    """The customer's id at the CAS: stable, unique across operators sharing a head-end."""
    return f"{client_id}-{customer_id}"


def customer_id_from_cas(client_id: int, cas_id: str) -> int | None:
    """Our customer id from a CAS customer id of this operator; None for anyone else's."""
    prefix = f"{client_id}-"
    rest = cas_id[len(prefix):] if cas_id.startswith(prefix) else ""
    return int(rest) if is_digits(rest) else None


def cas_device_id(device: AccountDevice) -> str:
    """A device's id at the CAS: its serial (smartcard) number, else its UID."""
    return (device.serial_number or "").strip() or device.device_uid.strip()


def product_map(client_id: int) -> dict[tuple[int, int], set[str]]:
    """(tariff id, device type id) → CAS product ids, for one operator."""
    mapping: dict[tuple[int, int], set[str]] = defaultdict(set)
    for tariff_id, device_type_id, product_id in CasProduct.objects.for_client(client_id).values_list(
            "tariff_id", "device_type_id", "product_id"):
        mapping[(tariff_id, device_type_id)].add(product_id)
    return dict(mapping)


def subscription_period(subscription: TariffSubscription, now: datetime) -> Period | None:
    """The CAS period a subscription grants (see the module doc); None when it has ended."""
    start = utc_seconds(subscription.start_date)
    end = FAR_END
    if not subscription.is_periodical and subscription.end_date is not None:
        end = utc_seconds(subscription.end_date)
    if end <= utc_seconds(now) or end <= start:
        return None
    return Period(start=start, end=end)


def desired_state(*, client_id: int, customer: Customer | None, now: datetime,
                  mapping: dict[tuple[int, int], set[str]] | None = None) -> dict[str, CasDevice]:
    """Device id → the device and entitlements the CAS should hold for the customer (none when the
    customer is gone)."""
    mapping = product_map(client_id) if mapping is None else mapping
    device_types = {device_type_id for _, device_type_id in mapping}
    if customer is None or not device_types:
        return {}
    devices = (AccountDevice.objects.for_client(client_id)
               .filter(account__customer_id=customer.pk, device_type_id__in=device_types)
               .select_related("account", "device_type").order_by("pk"))
    subscriptions = list(TariffSubscription.objects.for_client(client_id).filter(
        customer_id=customer.pk, is_closed=False, tariff_id__in={t for t, _ in mapping}).order_by("pk"))
    state: dict[str, CasDevice] = {}
    for device in devices:
        device_id = cas_device_id(device)
        if not device_id:
            continue
        entry = state.setdefault(device_id, CasDevice(device_type=device.device_type.system_name))
        if not device.account.active:
            continue  # blocked, inactive, waiting: paired, nothing entitled
        for subscription in subscriptions:
            products = mapping.get((subscription.tariff_id, device.device_type_id))
            period = subscription_period(subscription, now) if products else None
            if period is None:
                continue
            for product_id in products:
                held = entry.entitlements.get(product_id)
                if held is not None:
                    period = Period(start=min(held.start, period.start), end=max(held.end, period.end))
                entry.entitlements[product_id] = period
    return state


def customers_to_check(*, client_id: int, external_system_id: int):
    """Customer ids a full resync of an integration looks at: those with a CAS device, and those
    the CAS knows from earlier syncs (a customer gone since, whose devices may still be paired)."""
    from .models import CasSubscriber

    device_types = {device_type_id for _, device_type_id in product_map(client_id)}
    with_devices = set(AccountDevice.objects.for_client(client_id).filter(device_type_id__in=device_types)
                       .values_list("account__customer_id", flat=True))
    known = CasSubscriber.objects.for_client(client_id).filter(external_system_id=external_system_id)
    known_ids = {customer_id_from_cas(client_id, cas_id) for cas_id, customer_id, devices, error in
                 known.values_list("cas_customer_id", "customer_id", "devices", "last_error")
                 if customer_id is not None or devices or error}
    return sorted(with_devices | {c for c in known_ids if c is not None})
