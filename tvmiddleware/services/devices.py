"""Binding and unbinding subscriber devices."""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max

from tvmiddleware.events import EventName, emit
from tvmiddleware.models import Account, AccountDevice, DeviceType

from common.errors import DeviceBoundElsewhere, Invalid, LimitReached


def basic_device_limit(account: Account) -> int:
    """How many basic devices the customer's open tariffs allow (the largest of them)."""
    value = account.customer.subscriptions.filter(is_closed=False).aggregate(
        limit=Max("tariff__basic_sessions_count")
    )["limit"]
    return value or 0


@transaction.atomic
def device_bind(
    *,
    account: Account,
    device_type: DeviceType,
    device_uid: str,
    serial_number: str = "",
    device_model: str = "",
    brand_name: str = "",
    is_basic: bool = False,
) -> AccountDevice:
    """Bind a device to an account (idempotent for the same account: details are refreshed).

    Refuses a UID bound to another account, a device group the account does not allow, and a basic
    device beyond what the tariffs allow.
    """
    device_uid = (device_uid or "").strip()
    if not device_uid:
        raise Invalid("device_uid is required.", fields={"device_uid": "required"})
    if not account.allows_device_group(device_type.group):
        raise Invalid(f"Devices of group {device_type.get_group_display()} are not allowed for this account.",
                      fields={"device": "group_forbidden"})
    Account.objects.select_for_update().filter(pk=account.pk).first()  # serialise binds per account
    existing = AccountDevice.objects.for_client(account.client_id).filter(device_uid=device_uid).first()
    if existing is not None and existing.account_id != account.pk:
        raise DeviceBoundElsewhere("The device is bound to another account.")
    if is_basic and (existing is None or not existing.is_basic):
        used = account.devices.filter(is_basic=True).count()
        if used >= basic_device_limit(account):
            raise LimitReached("The tariffs allow no more basic devices for this account.")
    if existing is not None:
        for name, value in (("device_type", device_type), ("serial_number", serial_number),
                            ("device_model", device_model), ("brand_name", brand_name)):
            if value:
                setattr(existing, name, value)
        existing.is_basic = existing.is_basic or is_basic
        existing.save()
        return existing
    device = AccountDevice(client_id=account.client_id, account=account, device_type=device_type,
                           device_uid=device_uid, serial_number=serial_number, device_model=device_model,
                           brand_name=brand_name, is_basic=is_basic)
    try:
        with transaction.atomic():
            device.save()
    except IntegrityError as exc:
        raise DeviceBoundElsewhere("The device is bound to another account.") from exc
    emit(client=account.client, name=EventName.DEVICE_ADDED, customer_id=account.customer_id,
         payload=_snapshot(device) | {"device_id": device.pk})
    return device


@transaction.atomic
def device_unbind(*, device: AccountDevice) -> None:
    snapshot = _snapshot(device)
    account = device.account
    device.delete()
    emit(client=account.client, name=EventName.DEVICE_REMOVED, customer_id=account.customer_id, payload=snapshot)


def _snapshot(device: AccountDevice) -> dict:
    return {"account_id": device.account_id, "customer_id": device.account.customer_id,
            "device_uid": device.device_uid, "device_type": device.device_type.system_name,
            "serial_number": device.serial_number, "is_basic": device.is_basic}
