"""Renewing tvzavr subscriptions (the product documentation: "for the subscription to be renewed on
tvzavr's side, also schedule check_accounts").

A tvzavr subscription runs until a paid-until date. While a customer holds the subscription tariff,
the periodic run extends it at tvzavr before it ends (within `renew_ahead_days`, default 3) by the
tariff's period; a customer who no longer holds the tariff but is still active at tvzavr (a removal
whose delivery gave up) is unsubscribed. Only those customers are asked about: the run reads the
holders of the tariff and the local record of tvzavr's answers (`TvzavrSubscription`) in two
queries per integration and calls tvzavr for the due ones alone.

Run it from cron (`manage.py tvzavr_renew_subscriptions`) next to `check_accounts`; every call is
idempotent (each customer's status is asked first), so overlapping runs are harmless.
"""
from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime

from django.utils import timezone

from cinema_kit.subscriptions import holders
from tvmiddleware.models import ExternalSystem

from .plugin import API_CLASS, TvzavrAPI
from .models import TvzavrSubscription

logger = logging.getLogger("tvzavr.renewals")


def due_customers(api: TvzavrAPI, *, now: datetime) -> list[int]:
    """Customers of one integration that need a call: holders near or past their end at tvzavr (or
    never confirmed there), and non-holders still active there."""
    tariff_id = api.subscription_tariff_id
    holding = holders(client_id=api.client_id, tariff_ids=[tariff_id] if tariff_id else [])
    known = {customer_id: (active, until) for customer_id, active, until in TvzavrSubscription.objects.for_client(
        api.client_id).filter(external_system=api.external_system).values_list("customer_id", "active", "paid_until")}
    horizon = now + api.renew_ahead
    due = {c for c in holding if not (c in known and known[c][0] and known[c][1] and known[c][1] > horizon)}
    due |= {c for c, (active, _) in known.items() if active and c not in holding}
    return sorted(due)


def renew_all(*, now: datetime | None = None, system_id: int | None = None, client_id: int | None = None,
              dry_run: bool = False) -> Counter:
    """Renew (or close) due tvzavr subscriptions of every enabled tvzavr integration, or of one
    integration, or of one operator's.

    Returns counters: subscribed, renewed, unsubscribed, unchanged, errors (with `dry_run`, only
    `due`: how many customers would be asked about; nothing is called or written).
    """
    now = now or timezone.now()
    counts: Counter = Counter()
    systems = ExternalSystem.objects.filter(api_class=API_CLASS, enabled=True, client__enabled=True).order_by("pk")
    if system_id is not None:
        systems = systems.filter(pk=system_id)
    if client_id is not None:
        systems = systems.filter(client_id=client_id)
    for system in systems:
        api = system.get_api()
        due = due_customers(api, now=now)
        if dry_run:
            counts["due"] += len(due)
            continue
        for customer_id in due:
            try:
                counts[api.reconcile(customer_id=customer_id, now=now)] += 1
            except Exception:  # one customer failing does not stop the run; the next run retries
                counts["errors"] += 1
                logger.exception("tvzavr system=%s customer=%s: renewal failed", system.pk, customer_id)
    logger.info("tvzavr renewals: %s", dict(counts))
    return counts
