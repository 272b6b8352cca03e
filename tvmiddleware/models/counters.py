"""Attempt counters kept in the database while the shared cache (Redis) is unreachable."""
from __future__ import annotations

from django.db import models


class AttemptCounter(models.Model):
    """How many attempts `key` (e.g. failed logins of one abonement) made in the window ending at
    `expires_at`. Written only when Redis cannot be reached; see `tvmiddleware.counters`."""

    key = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
