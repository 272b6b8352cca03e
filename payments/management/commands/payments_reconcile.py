"""Settle payments left open: ask the gateway about payments still created/pending after N minutes
(a notification lost, a crash between the page and the credit), credit the confirmed ones once,
and expire the ones abandoned for longer than H hours.

    */10 * * * * python manage.py payments_reconcile --settings=settings.production
    manage.py payments_reconcile --older-than 0 --expire-after 48

Also run by Celery beat (`payments.tasks.reconcile`, every 10 minutes). Safe to overlap with
notifications and another run: crediting is keyed by the order id and the payment row is locked.
"""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from payments.services import payments_reconcile


class Command(BaseCommand):
    help = "Ask the gateways about open payments, credit confirmed ones once, expire abandoned ones."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=getattr(settings, "PAYMENTS_RECONCILE_AFTER_MINUTES", 10),
                            help="Only payments open for at least this many minutes (default 10).")
        parser.add_argument("--expire-after", type=int, default=getattr(settings, "PAYMENTS_EXPIRE_AFTER_HOURS", 24),
                            help="Mark failed (expired) payments still undecided after this many hours (default 24).")
        parser.add_argument("--limit", type=int, default=500, help="At most this many payments per run.")

    def handle(self, *args, older_than: int, expire_after: int, limit: int, **options):
        counts = payments_reconcile(older_than=timedelta(minutes=older_than), expire_after=timedelta(hours=expire_after),
                                    limit=limit)
        self.stdout.write("payments_reconcile: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
