"""Celery tasks of the core."""
from celery import shared_task

from . import events


@shared_task(name="tvmiddleware.tasks.deliver_event", ignore_result=True)
def deliver_event(event_id: int) -> int:
    return events.deliver_event(event_id)


@shared_task(name="tvmiddleware.tasks.deliver_due_events", ignore_result=True)
def deliver_due_events() -> dict[str, int]:
    return events.deliver_due()
