"""Celery tasks of the Start integration."""
from __future__ import annotations

from celery import shared_task


@shared_task(name="cinema_start.tasks.send_view_statistics", ignore_result=True)
def send_view_statistics(**report) -> bool:
    """Report one view of a Start title to Start (see `cinema_start.statistics`)."""
    from .statistics import send_view

    return send_view(**report)
