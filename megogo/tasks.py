"""Celery tasks of the MEGOGO integration.

Beat entry: declared by `megogo.apps.MegogoConfig` ("megogo-sync-content", every 6 hours); an entry
of that name in the settings' `CELERY_BEAT_SCHEDULE` overrides it, e.g.
`{"task": "megogo.tasks.sync_all", "schedule": crontab(minute=15, hour="*/6")}`.
"""
from __future__ import annotations

from celery import shared_task


@shared_task(name="megogo.tasks.sync_all", ignore_result=True)
def sync_all(load_actor_info: bool = False) -> list[dict]:
    """Sync every enabled MEGOGO integration (a run already in progress is left alone)."""
    from .services import sync_all as sync

    return [{"system_id": o.system.pk, "summary": o.summary.line() if o.summary else "", "skipped": o.skipped,
             "error": o.error} for o in sync(load_actor_info=load_actor_info)]
