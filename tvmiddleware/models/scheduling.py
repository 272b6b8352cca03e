"""Periodic jobs run by the in-process scheduler: when each last ran, and who runs it now."""
from __future__ import annotations

from django.db import models


class ScheduledJob(models.Model):
    """One entry of the periodic schedule (`CELERY_BEAT_SCHEDULE`), as the embedded scheduler sees it.

    The row is both the job's memory and its lock (a lease): a scheduler runs the job only after
    taking the row with a conditional UPDATE (free or expired lease, and `last_run_at` unchanged since
    it decided the job was due), so two serving processes never run the same job at once nor twice
    for one period. A scheduler that died leaves a lease that expires after a short while.
    """

    name = models.CharField(max_length=200, unique=True)
    task = models.CharField(max_length=200, blank=True, default="")
    last_run_at = models.DateTimeField(null=True, blank=True)
    owner = models.CharField(max_length=200, blank=True, default="")
    locked_until = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.TextField(blank=True, default="")
    runs = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
