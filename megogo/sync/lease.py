"""MEGOGO's catalogue sync runs one at a time per integration, on the cinema kit's lease.

The protocol (conditional UPDATE, heartbeat thread, expiry of a crashed run's lease) is the core's
`tvmiddleware.leases`, adapted to a sync's lease row by `cinema_kit.lease`; MEGOGO keeps its own
lease row (`megogo.models.SyncLease`, which also remembers the tariffs the last run managed) and its
command name in the messages.
"""
from __future__ import annotations

from cinema_kit.lease import HEARTBEAT_SECONDS, LEASE_SECONDS, Lease, LeaseStore, SyncAlreadyRunning
from cinema_kit.lease import Heartbeat as _KitHeartbeat
from tvmiddleware.models import ExternalSystem

from ..models import SyncLease

__all__ = ["HEARTBEAT_SECONDS", "LEASE_SECONDS", "Heartbeat", "Lease", "STORE", "SyncAlreadyRunning", "acquire",
           "extend", "release"]

STORE = LeaseStore(SyncLease, command="megogo_sync_content", label="megogo sync")


def acquire(system: ExternalSystem, *, seconds: int = LEASE_SECONDS) -> Lease:
    """Take the lease or raise `SyncAlreadyRunning`. Each successful take is a new run number."""
    return STORE.acquire(system, seconds=seconds)


def extend(lease: Lease, *, seconds: int = LEASE_SECONDS) -> bool:
    """Push the lease's end further; False when it is no longer ours."""
    return STORE.extend(lease, seconds=seconds)


def release(lease: Lease, *, summary: str = "", managed_tariff_ids: list[int] | None = None) -> None:
    columns = {} if managed_tariff_ids is None else {"managed_tariff_ids": managed_tariff_ids}
    STORE.release(lease, summary=summary, **columns)


class Heartbeat(_KitHeartbeat):
    """Extends MEGOGO's lease every `interval` seconds from a thread (its own DB connection)."""

    def __init__(self, lease: Lease, *, interval: float = HEARTBEAT_SECONDS, seconds: int = LEASE_SECONDS) -> None:
        super().__init__(STORE, lease, interval=interval, seconds=seconds)
