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


@shared_task(name="tvmiddleware.tasks.expire_program_blockings", ignore_result=True)
def expire_program_blockings() -> int:
    """Lift programme blocks whose end has come (archive of those programmes is offered again)."""
    from .services.catalogue import program_blockings_expire

    return program_blockings_expire()


@shared_task(name="tvmiddleware.tasks.purge_attempt_counters", ignore_result=True)
def purge_attempt_counters() -> int:
    """Drop the attempt counters written to the database during Redis outages once their window ended."""
    from .counters import purge_expired

    return purge_expired()


@shared_task(name="tvmiddleware.tasks.purge_subscriber_actions", ignore_result=True)
def purge_subscriber_actions() -> int:
    """Drop subscriber actions older than TVMIDDLEWARE_SUBSCRIBER_ACTIONS_DAYS."""
    from .services.actions import purge_old

    return purge_old()
