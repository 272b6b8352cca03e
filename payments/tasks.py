"""Celery tasks of the payments app (beat entry `payments-reconcile`, declared in `PaymentsConfig`)."""
from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings


@shared_task(name="payments.tasks.reconcile", ignore_result=True)
def reconcile() -> dict[str, int]:
    """Settle payments left open (lost notifications, abandoned pages); see `payments_reconcile`."""
    from .services import payments_reconcile

    return payments_reconcile(
        older_than=timedelta(minutes=getattr(settings, "PAYMENTS_RECONCILE_AFTER_MINUTES", 10)),
        expire_after=timedelta(hours=getattr(settings, "PAYMENTS_EXPIRE_AFTER_HOURS", 24)),
    )
