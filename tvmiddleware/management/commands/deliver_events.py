"""Deliver due domain events to plugins: for deployments that run cron instead of Celery workers.

    */1 * * * * python manage.py deliver_events --settings=settings.production

Safe to run while a worker or another cron run is active: each delivery is claimed atomically.
"""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from tvmiddleware import events


class Command(BaseCommand):
    help = "Deliver pending domain events (first attempts and due retries) to subscribed handlers."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="Deliveries per batch (default 500).")
        parser.add_argument("--loop", action="store_true",
                            help="Keep running, polling every --interval seconds (a worker without Celery).")
        parser.add_argument("--interval", type=float, default=5.0)

    def handle(self, *args, limit: int, loop: bool, interval: float, **options):
        while True:
            counts = events.deliver_due(limit=limit)
            self.stdout.write(
                f"deliver_events: delivered={counts['delivered']} failed={counts['failed']} "
                f"skipped={counts['skipped']}"
            )
            if not loop:
                return
            if counts["delivered"] + counts["failed"] < limit:
                time.sleep(interval)
