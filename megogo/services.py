"""Entry points that cron, Celery and the admin call: sync every enabled MEGOGO integration.

The loop over integrations is the cinema kit's (`cinema_kit.sync.sync_all`); MEGOGO's own runner
(`megogo.sync.runner.run_sync`) syncs each one under the kit's lease.
"""
from __future__ import annotations

import logging
from typing import IO

from cinema_kit.sync import SyncOutcome, sync_all as kit_sync_all
from tvmiddleware.models import ExternalSystem

from .plugin import API_CLASS
from .client import MegogoError
from .sync.lease import SyncAlreadyRunning
from .sync.runner import SyncSummary, run_sync

__all__ = ["SyncAlreadyRunning", "SyncOutcome", "SyncSummary", "megogo_systems", "sync_all", "sync_one"]

logger = logging.getLogger("megogo.sync")


def megogo_systems(*, system_id: int | None = None):
    systems = ExternalSystem.objects.filter(api_class=API_CLASS, enabled=True).select_related("client", "tariff")
    if system_id is not None:
        systems = systems.filter(pk=system_id)
    return systems.order_by("client_id", "pk")


def sync_one(system: ExternalSystem, *, load_actor_info: bool = False, full: bool = False,
             progress_stream: IO[str] | None = None) -> SyncSummary:
    """Sync one MEGOGO integration (raises `SyncAlreadyRunning` when another run holds it)."""
    return run_sync(system.get_api(), load_actor_info=load_actor_info, full=full, progress_stream=progress_stream)


def sync_all(*, load_actor_info: bool = False, full: bool = False, system_id: int | None = None,
             progress_stream: IO[str] | None = None) -> list[SyncOutcome]:
    """Sync each enabled MEGOGO integration in turn; one failing does not stop the others."""
    return kit_sync_all(
        megogo_systems(system_id=system_id),
        sync_one=lambda system: sync_one(system, load_actor_info=load_actor_info, full=full,
                                         progress_stream=progress_stream),
        errors=(MegogoError,), describe=str, log_failures=False)
