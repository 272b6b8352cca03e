"""Celery tasks of the billing app."""
from __future__ import annotations

from celery import shared_task


@shared_task(name="billing.tasks.check_accounts", ignore_result=True)
def check_accounts(client_id: int | None = None) -> dict[str, int | str]:
    """The periodic billing run (`manage.py check_accounts`), for Celery beat. Safe to overlap with
    another run: charges are keyed and customers are locked with SKIP LOCKED."""
    from .modes import check_accounts as run

    return run(client_id=client_id).as_dict()
