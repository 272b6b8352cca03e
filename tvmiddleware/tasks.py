"""Celery tasks of the core."""
from celery import shared_task

from . import events


@shared_task(name="tvmiddleware.tasks.deliver_event", ignore_result=True)
def deliver_event(event_id: int) -> int:
    return events.deliver_event(event_id)


@shared_task(name="tvmiddleware.tasks.deliver_due_events", ignore_result=True)
def deliver_due_events() -> dict[str, int]:
    return events.deliver_due()


@shared_task(name="tvmiddleware.tasks.import_epg_sources", ignore_result=True)
def import_epg_sources() -> list[dict]:
    """Refresh the guide from every enabled EPG source that has a URL."""
    from .services.epg import import_all_sources

    return import_all_sources()
