"""Which operator commands wait for an account's devices: read by account/status on every poll.

The answer is cached per account with the poll's other facts (`account_facts.poll_facts`) under a
version token (`common.versioned_cache`) that the command services renew when a command is sent or
taken, so the poll of an account with nothing waiting reads no SQL once warm."""
from __future__ import annotations

from typing import Iterable

from common.versioned_cache import renew_versions_on_commit

from ..models import DeviceCommand


def pending_commands_version(account_id: int) -> str:
    return f"account-device-commands:{int(account_id)}"


def load_pending_commands(client_id: int, account_id: int) -> tuple[tuple[int, str], ...]:
    """(id, device_uid) of the commands not yet taken, oldest first; device_uid '' = any device."""
    return tuple(DeviceCommand.objects.for_client(client_id)
                 .filter(account_id=account_id, delivered_at__isnull=True)
                 .order_by("id").values_list("id", "device_uid"))


def commands_changed(account_ids: Iterable[int]) -> None:
    """Call inside the transaction that sent or took commands of these accounts."""
    renew_versions_on_commit(pending_commands_version(a) for a in account_ids)


def waiting_for(pending: tuple[tuple[int, str], ...], device_uid: str) -> list[int]:
    """The ids of the pending commands a device with `device_uid` may take, oldest first."""
    return [command_id for command_id, target in pending if not target or target == device_uid]
