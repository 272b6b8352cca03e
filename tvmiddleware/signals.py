"""Signals the core sends for optional apps to hook into (the core does not know who listens)."""
from __future__ import annotations

from django.dispatch import Signal

#: Sent for every demo operator inside `seed_demo`'s transaction (`sender=Client`, `client=`), so
#: installed integration apps add their own demo setup; receivers must be idempotent.
operator_seeded = Signal()
