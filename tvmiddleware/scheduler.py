"""The periodic schedule without Celery beat: production's `CELERY_BEAT_SCHEDULE`, run in-process.

The embedded default (`settings.local`, `make run`) runs no worker and no beat, yet retries of event
deliveries, `check_accounts`, EPG imports, payment reconciliation and catalogue syncs must happen on
their schedules. With `EMBEDDED_SCHEDULER = True` the serving process starts one daemon thread
(`start_embedded`, called where the WSGI/ASGI application is built, so only a process that serves
runs it: under `runserver` that is the autoreloader's child, never its watching parent) which reads
the very same `CELERY_BEAT_SCHEDULE` (seconds, `timedelta`, `crontab` or any Celery schedule; due-ness
is Celery's own `is_due`) and runs each due task in-process, each in its own thread so a long
catalogue sync does not hold back the 30-second delivery sweep. `manage.py run_scheduler` runs the
same loop in the foreground, for a deployment that wants it as a separate process.

Every job has a `ScheduledJob` row: its last run and a lease. A scheduler runs a job only after
taking that row with one conditional UPDATE (lease free or expired, and `last_run_at` still what it
read when it found the job due), and keeps extending the lease while the job runs. So two processes
never run the same job at once nor twice for one period, on SQLite as on PostgreSQL, with no shared
cache; a process that died leaves a lease that expires after `SCHEDULED_JOB_LEASE_SECONDS` (the
protocol is `tvmiddleware.leases`). The catalogue syncs take their own per-integration lease with
the same protocol, so a cron run never overlaps either.

A job seen for the first time counts as just run (as Celery beat does): it first runs one period
after. The rows persist, so restarting the server does not restart the periods.
"""
from __future__ import annotations

import importlib
import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, OperationalError, close_old_connections, connection
from django.db.models import F
from django.utils import timezone

from .leases import Heartbeat, LeaseColumns, lease_owner, retrying_when_locked
from .models import ScheduledJob

logger = logging.getLogger("tvmiddleware.scheduler")


@dataclass(frozen=True)
class Job:
    """One entry of the beat schedule."""

    name: str
    task: str
    schedule: Any  # a celery.schedules.BaseSchedule
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


def as_schedule(value: Any) -> Any:
    """A beat entry's `schedule` as a Celery schedule object (seconds and timedelta become intervals)."""
    from celery import current_app
    from celery.schedules import BaseSchedule, schedule

    if isinstance(value, BaseSchedule):
        return value
    if isinstance(value, bool):
        raise ImproperlyConfigured(f"not a schedule: {value!r}")
    if isinstance(value, (int, float)):
        return schedule(timedelta(seconds=value), app=current_app)
    if isinstance(value, timedelta):
        return schedule(value, app=current_app)
    raise ImproperlyConfigured(f"not a schedule: {value!r} (seconds, timedelta or a celery schedule)")


def jobs_from(beat_schedule: dict[str, dict] | None = None) -> list[Job]:
    """The jobs of a beat schedule (by default the project's `CELERY_BEAT_SCHEDULE`)."""
    entries = settings.CELERY_BEAT_SCHEDULE if beat_schedule is None else beat_schedule
    return [
        Job(name=name, task=entry["task"], schedule=as_schedule(entry["schedule"]),
            args=tuple(entry.get("args") or ()), kwargs=dict(entry.get("kwargs") or {}))
        for name, entry in entries.items()
    ]


def resolve_task(name: str) -> Any | None:
    """The registered Celery task `name`, importing its module if its app is installed; None when the
    app is not installed (a plugin removed from INSTALLED_APPS: its entry is skipped)."""
    from celery import current_app

    task = current_app.tasks.get(name)
    if task is not None:
        return task
    module = name.rpartition(".")[0]
    if not module or not apps.is_installed(module.split(".")[0]):
        return None
    try:
        importlib.import_module(module)
    except ImportError:
        return None
    return current_app.tasks.get(name)


def _lease_seconds() -> int:
    return settings.SCHEDULED_JOB_LEASE_SECONDS


JOB_LEASES = LeaseColumns(ScheduledJob, owner="owner", expires="locked_until")


class Scheduler:
    """Runs the due jobs of a schedule; see the module doc. `tick()` is one pass; `run()` loops."""

    def __init__(self, jobs: list[Job] | None = None, *, poll_seconds: float | None = None) -> None:
        self.jobs = jobs_from() if jobs is None else jobs
        self.poll_seconds = settings.EMBEDDED_SCHEDULER_POLL_SECONDS if poll_seconds is None else poll_seconds
        self.owner = lease_owner()
        self.stopping = threading.Event()
        self._running: dict[str, threading.Thread] = {}
        self._unresolved: set[str] = set()
        self.thread: threading.Thread | None = None

    # --- one pass --------------------------------------------------------------------------------
    def tick(self, *, wait: bool = False) -> list[str]:
        """Start every job that is due and not running anywhere; returns their names. With `wait`
        the call returns once they finished (tests, `run_scheduler --once`)."""
        started = []
        for job in self.jobs:
            if job.name in self._running and self._running[job.name].is_alive():
                continue
            task = resolve_task(job.task)
            if task is None:
                if job.task not in self._unresolved:
                    self._unresolved.add(job.task)
                    logger.warning("scheduler: %s: task %s is not installed; skipped", job.name, job.task)
                continue
            try:
                if not retrying_when_locked(lambda: self._claim(job)):
                    continue
            except OperationalError as exc:  # e.g. SQLite busy: the next pass tries again
                logger.warning("scheduler: %s: could not take the job: %s", job.name, exc)
                continue
            thread = threading.Thread(target=self._run, args=(job, task), name=f"scheduled-{job.name}",
                                      daemon=True)
            self._running[job.name] = thread
            thread.start()
            started.append(job.name)
        if wait:
            for name in started:
                self._running[name].join()
        return started

    def _claim(self, job: Job) -> bool:
        """Take the job's row if the job is due and nobody runs it (one conditional UPDATE)."""
        now = timezone.now()
        try:
            row, created = ScheduledJob.objects.get_or_create(
                name=job.name, defaults={"task": job.task, "last_run_at": now})
        except IntegrityError:  # created concurrently by another scheduler
            return False
        if created:  # first sight: counts as run now, like Celery beat
            return False
        if row.last_run_at is not None and not job.schedule.is_due(row.last_run_at).is_due:
            return False
        return JOB_LEASES.acquire({"pk": row.pk, "last_run_at": row.last_run_at}, owner=self.owner,
                                  seconds=_lease_seconds(), now=now, last_run_at=now, runs=F("runs") + 1,
                                  task=job.task)

    def _run(self, job: Job, task: Any) -> None:
        """Run the task in this thread while a heartbeat keeps the job's lease; record the outcome."""
        heartbeat = Heartbeat(lambda: JOB_LEASES.extend({"name": job.name}, owner=self.owner,
                                                        seconds=_lease_seconds()),
                              interval=max(_lease_seconds() / 4, 0.05), label=f"scheduler: {job.name}",
                              join_timeout=None)
        try:
            with heartbeat:
                close_old_connections()
                logger.debug("scheduler: running %s (%s)", job.name, job.task)
                try:
                    result = task.apply(args=job.args, kwargs=job.kwargs, throw=True).result
                    outcome = f"ok: {result!r}"
                except Exception as exc:  # a failing job is recorded and runs again next period
                    logger.exception("scheduler: %s failed", job.name)
                    outcome = f"failed: {type(exc).__name__}: {exc}"
            self._record(job, outcome)
        finally:
            connection.close()

    def _record(self, job: Job, outcome: str) -> None:
        """Release the lease and keep the outcome."""
        try:
            retrying_when_locked(lambda: JOB_LEASES.release({"name": job.name}, owner=self.owner,
                                                            last_finished_at=timezone.now(),
                                                            last_outcome=outcome[:2000]))
        except OperationalError as exc:
            logger.warning("scheduler: %s: could not record the outcome: %s", job.name, exc)

    # --- the loop --------------------------------------------------------------------------------
    def run(self) -> None:
        """Tick every `poll_seconds` until `stop()`."""
        logger.info("scheduler %s: %d jobs: %s", self.owner, len(self.jobs), ", ".join(j.name for j in self.jobs))
        while not self.stopping.is_set():
            try:
                self.tick()
            except Exception:  # the loop must outlive any one bad pass (database restarting...)
                logger.exception("scheduler: pass failed")
            finally:
                close_old_connections()
            self.stopping.wait(self.poll_seconds)
        connection.close()

    def start(self) -> threading.Thread:
        """Run the loop in a daemon thread (it ends with the process)."""
        thread = threading.Thread(target=self.run, name="embedded-scheduler", daemon=True)
        thread.start()
        self.thread = thread
        return thread

    def stop(self, *, wait: bool = False) -> None:
        self.stopping.set()
        if wait:
            if self.thread is not None:
                self.thread.join()
            for thread in list(self._running.values()):
                thread.join()


_embedded: Scheduler | None = None
_embedded_lock = threading.Lock()


def start_embedded() -> Scheduler | None:
    """Start the scheduler thread of this serving process, once, if `EMBEDDED_SCHEDULER` is on."""
    global _embedded
    if not getattr(settings, "EMBEDDED_SCHEDULER", False):
        return None
    with _embedded_lock:
        if _embedded is None:
            _embedded = Scheduler()
            _embedded.start()
        return _embedded
