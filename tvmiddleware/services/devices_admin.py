"""What the operator (through its billing or staff) does to a subscriber's devices and screens, beyond
binding: correct a bound device's details, release it, reset what the subscriber set up in the apps,
and put a message on the account's screens.
"""
from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q

from tvmiddleware.models import (
    Account, AccountChannelSetting, AccountDevice, AccountVideoSetting, AuthKey, ContentPosition, DeviceType, Message,
)

from .accounts import account_modify
from .devices import basic_device_limit, device_bind, device_unbind
from common.errors import Conflict, Invalid
from .sessions import session_delete_many

DEVICE_TEXT_MAX = 128  # AccountDevice.serial_number / device_model / brand_name
SUBJECT_MAX = 255  # Message.subject
TEXT_MAX = 10_000


class DeviceAlreadyBound(Conflict):
    """The UID is bound already (to this account or another): binding is not a way to edit a device."""

    code = "device_already_bound"


@transaction.atomic
def device_attach(*, account: Account, device_type: DeviceType, device_uid: str, serial_number: str = "",
                  device_model: str = "", brand_name: str = "", end_sessions: bool = False) -> AccountDevice:
    """The operator binds a device to an account: as one of the account's own (basic) devices while the
    customer's tariffs allow more of them, as an additional device otherwise. With `end_sessions` the
    device is also logged out, so it reloads the account's settings (same transaction).

    Unlike `device_bind` (which a signing-in device may repeat), a UID already bound to any account
    of the operator is refused with `DeviceAlreadyBound`.
    """
    device_uid = (device_uid or "").strip()
    Account.objects.select_for_update().filter(pk=account.pk).first()  # the basic-device count below holds
    if AccountDevice.objects.for_client(account.client_id).filter(device_uid=device_uid).exists():
        raise DeviceAlreadyBound("A device with this UID is already bound.", fields={"device_uid": "duplicate"})
    is_basic = account.devices.filter(is_basic=True).count() < basic_device_limit(account)
    device = device_bind(account=account, device_type=device_type, device_uid=device_uid, serial_number=serial_number,
                         device_model=device_model, brand_name=brand_name, is_basic=is_basic)
    if end_sessions:
        device_sessions_end(device=device)
    return device


@transaction.atomic
def device_modify(*, device: AccountDevice, serial_number: str | None = None, device_model: str | None = None,
                  brand_name: str | None = None, end_sessions: bool = False) -> AccountDevice:
    """Correct the serial number, model or brand recorded for a bound device (None = unchanged); with
    `end_sessions` also log the device out, so it reloads the account's settings (same transaction).

    The UID, type and the account it is bound to stay: moving a device is unbind + bind.
    """
    changes = {name: value for name, value in (("serial_number", serial_number), ("device_model", device_model),
                                               ("brand_name", brand_name)) if value is not None}
    for name, value in changes.items():
        value = str(value).strip()
        if len(value) > DEVICE_TEXT_MAX:
            raise Invalid(f"{name} is longer than {DEVICE_TEXT_MAX} characters.", fields={name: "too long"})
        setattr(device, name, value)
    if changes:
        device.save(update_fields=list(changes))
    if end_sessions:
        device_sessions_end(device=device)
    return device


def _device_sessions(device: AccountDevice):
    query = Q(device_id=device.pk)
    if device.device_uid:
        query |= Q(device_uid=device.device_uid)
    return AuthKey.objects.filter(account_id=device.account_id).filter(query)


def device_sessions_end(*, device: AccountDevice) -> int:
    """Log the device out: it signs in again and loads the account's settings afresh."""
    return session_delete_many(_device_sessions(device))


@transaction.atomic
def device_release(*, device: AccountDevice) -> None:
    """Unbind a device from its account and end its sessions (a returned or lost box stops playing)."""
    device_sessions_end(device=device)
    device_unbind(device=device)


@transaction.atomic
def account_user_data_reset(*, account: Account) -> None:
    """Forget what the subscriber set up in the apps (favourite, locked, hidden and reordered channels,
    favourite videos, where they stopped watching) and log every device out, so each device starts
    from the operator's defaults at its next sign-in. The parental code and login options stay.
    """
    for model in (AccountChannelSetting, AccountVideoSetting, ContentPosition):
        model.objects.filter(account=account).delete()
    session_delete_many(AuthKey.objects.filter(account=account))


@transaction.atomic
def account_update(*, account: Account, password: str | None = None, reset_device_settings: bool = False,
                   **options: Any) -> Account:
    """The operator changes a login (`account_modify`: the given options, a new password, activity and
    status) and, with `reset_device_settings`, forgets what the subscriber set up in the apps and logs
    the devices out (`account_user_data_reset`) — both or neither."""
    account_modify(account=account, password=password, **options)
    if reset_device_settings:
        account_user_data_reset(account=account)
    return account


@transaction.atomic
def message_create(*, account: Account, subject: str = "", text: str = "", urgent: bool = True) -> Message:
    """Put a message from the operator on the account's screens (apps list it; an urgent one pops up
    at the next status check). A message needs a subject or a text."""
    subject, text = (subject or "").strip(), (text or "").strip()
    if not subject and not text:
        raise Invalid("A message needs a subject or a text.", fields={"subject": "required"})
    if len(subject) > SUBJECT_MAX:
        raise Invalid(f"subject is longer than {SUBJECT_MAX} characters.", fields={"subject": "too long"})
    if len(text) > TEXT_MAX:
        raise Invalid(f"text is longer than {TEXT_MAX} characters.", fields={"text": "too long"})
    return Message.objects.create(client_id=account.client_id, account=account, subject=subject, text=text,
                                  urgent=bool(urgent))
