"""Celery tasks of the Irdeto integration.

Beat entry (settings `CELERY_BEAT_SCHEDULE`, when `irdeto` is installed)::

    "irdeto-resync": {"task": "irdeto.tasks.resync_all", "schedule": 24 * 3600.0},
"""
from __future__ import annotations

from celery import shared_task


@shared_task(name="irdeto.tasks.resync_all", ignore_result=True)
def resync_all() -> dict:
    """Compare and repair the CAS state of every customer of every enabled Irdeto integration."""
    from .services import resync

    summary = resync()
    return {"customers": summary.customers, "changes": summary.changes, "errors": summary.errors}
