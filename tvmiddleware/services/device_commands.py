"""Operator commands to subscribers' devices: sent from the panel, taken once by account/status."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from common.errors import Invalid
from tvmiddleware.models import Account, AccountDevice, DeviceCommand, DeviceCommandType
from tvmiddleware.selectors.device_commands import commands_changed, waiting_for


@transaction.atomic
def command_send(*, account: Account, type: int, device_uid: str = "", user_confirmation: bool = False,
                 deep_link: str = "", accompanying_text: str = "", image_url: str = "",
                 created_by: str = "") -> DeviceCommand:
    """Queue a command for the account's devices (or the one bound device `device_uid`)."""
    if type not in DeviceCommandType.values:
        raise Invalid("Unknown command type.", fields={"type": "invalid"})
    if type == DeviceCommandType.OPEN_LINK and not deep_link.strip():
        raise Invalid("Opening a deep link needs the link.", fields={"deep_link": "required"})
    if type == DeviceCommandType.MESSAGE and not accompanying_text.strip():
        raise Invalid("Showing a text needs the text.", fields={"accompanying_text": "required"})
    device_uid = device_uid.strip()
    if device_uid and not AccountDevice.objects.for_client(account.client_id).filter(
            account_id=account.pk, device_uid=device_uid).exists():
        raise Invalid("The account has no device with this UID.", fields={"device_uid": "not bound"})
    command = DeviceCommand.objects.create(
        client_id=account.client_id, account=account, device_uid=device_uid, type=type,
        user_confirmation=user_confirmation, deep_link=deep_link.strip(), accompanying_text=accompanying_text,
        image_url=image_url.strip(), created_by=created_by[:150])
    commands_changed([account.pk])
    return command


def command_take(*, client_id: int, account_id: int, device_uid: str,
                 pending: tuple[tuple[int, str], ...]) -> DeviceCommand | None:
    """The oldest command waiting for this device, marked delivered so no other poll gets it; None when
    nothing waits. `pending`: the account's commands not yet taken as the poll read them
    (`account_facts.poll_facts`, from the cache when warm: no SQL when nothing waits)."""
    candidates = waiting_for(pending, device_uid)
    if not candidates:
        return None
    with transaction.atomic():
        for command_id in candidates:
            # The conditional update is the claim: of two concurrent polls only one changes the row.
            taken = (DeviceCommand.objects.for_client(client_id)
                     .filter(pk=command_id, account_id=account_id, delivered_at__isnull=True)
                     .update(delivered_at=timezone.now(), delivered_to=device_uid[:128]))
            if taken:
                commands_changed([account_id])
                return DeviceCommand.objects.get(pk=command_id)
        commands_changed([account_id])  # what the cache listed was taken meanwhile
    return None


@transaction.atomic
def commands_withdraw(*, client_id: int, command_ids: list[int]) -> int:
    """Delete commands not yet taken (the operator changed their mind); answers how many went."""
    rows = DeviceCommand.objects.for_client(client_id).filter(pk__in=command_ids, delivered_at__isnull=True)
    account_ids = set(rows.values_list("account_id", flat=True))
    deleted, _ = rows.delete()
    commands_changed(account_ids)
    return deleted
