"""Celery tasks of the Irdeto integration.

The app declares the daily beat entry `irdeto-resync` (`IrdetoConfig.beat_schedule`); an entry of
that name in the settings' `CELERY_BEAT_SCHEDULE` overrides it.
"""
from __future__ import annotations

from celery import shared_task


@shared_task(name="irdeto.tasks.resync_all", ignore_result=True)
def resync_all() -> dict:
    """Compare and repair the CAS state of every customer of every enabled Irdeto integration."""
    from .services import resync

    summary = resync()
    return {"customers": summary.customers, "changes": summary.changes, "errors": summary.errors}
