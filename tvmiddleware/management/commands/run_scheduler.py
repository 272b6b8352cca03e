"""Run the periodic schedule (`CELERY_BEAT_SCHEDULE`) in the foreground, without Celery beat.

    python manage.py run_scheduler            # loop: a separate scheduler process
    python manage.py run_scheduler --once     # one pass: run what is due, wait for it, exit (cron)

The serving process of the embedded default runs the same loop in a thread (EMBEDDED_SCHEDULER);
both may run together: each job is taken under a lease, so nothing runs twice.
"""
from __future__ import annotations

from django.core.management.base import BaseCommand

from tvmiddleware.models import ScheduledJob
from tvmiddleware.scheduler import Scheduler


class Command(BaseCommand):
    help = "Run the jobs of CELERY_BEAT_SCHEDULE on their schedules, in this process."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run what is due now, wait for it and exit.")
        parser.add_argument("--interval", type=float, default=None,
                            help="Seconds between passes (default EMBEDDED_SCHEDULER_POLL_SECONDS).")

    def handle(self, *args, once: bool, interval: float | None, **options):
        scheduler = Scheduler(poll_seconds=interval)
        if once:
            started = scheduler.tick(wait=True)
            for name in started:
                outcome = ScheduledJob.objects.filter(name=name).values_list("last_outcome", flat=True).first()
                self.stdout.write(f"{name}: {outcome}")
            if not started:
                self.stdout.write("run_scheduler: nothing due")
            return
        self.stdout.write(f"run_scheduler: {len(scheduler.jobs)} jobs: {', '.join(j.name for j in scheduler.jobs)}")
        try:
            scheduler.run()
        except KeyboardInterrupt:
            scheduler.stop(wait=True)
