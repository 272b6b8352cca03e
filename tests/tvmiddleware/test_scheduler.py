"""The embedded scheduler: production's beat schedule run in-process, each job under a lease."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from celery import shared_task
from celery.schedules import crontab
from django.db import OperationalError
from django.utils import timezone

from tests import factories
from tvmiddleware import scheduler as scheduler_module
from tvmiddleware import services
from tvmiddleware.models import DeliveryStatus, EventDelivery, ScheduledJob
from tvmiddleware.scheduler import Job, Scheduler, as_schedule, jobs_from

RUNS: list[str] = []
RUNS_LOCK = threading.Lock()
SLOW = threading.Event()


@shared_task(name="tests.scheduler.record")
def record(label: str = "") -> str:
    with RUNS_LOCK:
        RUNS.append(label)
    return label


@shared_task(name="tests.scheduler.slow")
def slow(label: str = "") -> str:
    with RUNS_LOCK:
        RUNS.append(label)
    SLOW.wait(10)  # held until the test lets it finish
    return label


@shared_task(name="tests.scheduler.boom")
def boom() -> None:
    raise RuntimeError("the job broke")


@pytest.fixture(autouse=True)
def _clean_runs():
    RUNS.clear()
    SLOW.clear()
    yield
    SLOW.set()


def job(name: str, schedule, task: str = "tests.scheduler.record", **kwargs) -> Job:
    return Job(name=name, task=task, schedule=as_schedule(schedule), kwargs=kwargs or {"label": name})


def ran_at(name: str, ago: timedelta) -> None:
    ScheduledJob.objects.update_or_create(name=name, defaults={"last_run_at": timezone.now() - ago})


def test_schedules_are_read_like_celery_beat(settings):
    jobs = {j.name: j for j in jobs_from()}
    assert set(jobs) == set(settings.CELERY_BEAT_SCHEDULE)  # the very same schedule as production
    assert jobs["deliver-due-events"].schedule.run_every == timedelta(seconds=30)
    assert jobs["deliver-due-events"].task == "tvmiddleware.tasks.deliver_due_events"
    beat = {"a": {"task": "x.y", "schedule": timedelta(minutes=5)},
            "b": {"task": "x.z", "schedule": crontab(minute="*/15"), "args": [1], "kwargs": {"k": 2}}}
    a, b = jobs_from(beat)
    assert a.schedule.run_every == timedelta(minutes=5)
    assert isinstance(b.schedule, crontab) and b.args == (1,) and b.kwargs == {"k": 2}


@pytest.mark.django_db(transaction=True)
def test_runs_due_jobs_and_not_undue_ones():
    jobs = [
        job("due-interval", 60.0),
        job("undue-interval", timedelta(seconds=60)),
        job("due-crontab", crontab(minute="*")),
        job("undue-crontab", crontab(minute=0, hour=0, day_of_month=1, month_of_year=1)),
        job("new", 1.0),  # first sight counts as just run (as Celery beat): not run now
    ]
    ran_at("due-interval", timedelta(seconds=61))
    ran_at("undue-interval", timedelta(seconds=10))
    ran_at("due-crontab", timedelta(minutes=2))
    ran_at("undue-crontab", timedelta(minutes=2))

    started = Scheduler(jobs).tick(wait=True)

    assert sorted(started) == ["due-crontab", "due-interval"]
    assert sorted(RUNS) == ["due-crontab", "due-interval"]
    row = ScheduledJob.objects.get(name="due-interval")
    assert row.runs == 1 and row.locked_until is None and row.last_outcome == "ok: 'due-interval'"
    assert row.last_run_at > timezone.now() - timedelta(seconds=5)
    assert ScheduledJob.objects.get(name="new").runs == 0

    # just ran: not due again until its period has passed
    assert Scheduler(jobs).tick(wait=True) == []
    assert len(RUNS) == 2


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_is_recorded_and_the_scheduler_goes_on():
    jobs = [Job(name="broken", task="tests.scheduler.boom", schedule=as_schedule(60.0)), job("fine", 60.0)]
    ran_at("broken", timedelta(minutes=5))
    ran_at("fine", timedelta(minutes=5))
    assert sorted(Scheduler(jobs).tick(wait=True)) == ["broken", "fine"]
    broken = ScheduledJob.objects.get(name="broken")
    assert broken.last_outcome == "failed: RuntimeError: the job broke" and broken.locked_until is None
    assert RUNS == ["fine"]


@pytest.mark.django_db(transaction=True)
def test_a_task_of_an_app_that_is_not_installed_is_skipped():
    ran_at("gone", timedelta(days=1))
    assert Scheduler([job("gone", 1.0, task="removed_plugin.tasks.sync")]).tick(wait=True) == []


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_never_run_the_same_job_twice():
    jobs = [job("slow", 60.0, task="tests.scheduler.slow")]
    ran_at("slow", timedelta(minutes=5))
    first, second = Scheduler(jobs), Scheduler(jobs)
    barrier = threading.Barrier(2)
    started: dict[str, list[str]] = {}

    def tick(name, scheduler):
        barrier.wait()
        started[name] = scheduler.tick()

    threads = [threading.Thread(target=tick, args=(n, s)) for n, s in (("first", first), ("second", second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(started["first"] + started["second"]) == ["slow"]  # exactly one of them took it

    # while it runs, nobody else takes it, even once it would be due again
    ScheduledJob.objects.filter(name="slow").update(last_run_at=timezone.now() - timedelta(minutes=5))
    assert first.tick() == [] and second.tick() == []
    SLOW.set()
    first.stop(wait=True)
    second.stop(wait=True)
    assert RUNS == ["slow"]
    row = ScheduledJob.objects.get(name="slow")
    assert row.runs == 1 and row.locked_until is None


@pytest.mark.django_db(transaction=True)
def test_a_running_job_keeps_its_lease_and_a_dead_ones_lease_expires(settings):
    settings.SCHEDULED_JOB_LEASE_SECONDS = 2  # heartbeat every 0.5 s
    jobs = [job("slow", 60.0, task="tests.scheduler.slow")]
    ran_at("slow", timedelta(minutes=5))
    runner = Scheduler(jobs)
    assert runner.tick() == ["slow"]
    time.sleep(3)  # longer than the lease: only the heartbeat keeps it
    ScheduledJob.objects.filter(name="slow").update(last_run_at=timezone.now() - timedelta(minutes=5))
    assert Scheduler(jobs).tick() == []
    SLOW.set()
    runner.stop(wait=True)

    # a process that died mid-run: its lease ran out, the next scheduler takes the job over
    ScheduledJob.objects.filter(name="slow").update(
        owner="dead-host:1:x", locked_until=timezone.now() - timedelta(seconds=1),
        last_run_at=timezone.now() - timedelta(minutes=5))
    taker = Scheduler(jobs)
    assert taker.tick(wait=True) == ["slow"]
    assert RUNS == ["slow", "slow"]


@pytest.mark.django_db(transaction=True)
def test_a_failed_delivery_is_retried_by_the_scheduler(settings, test_plugin):
    """Embedded mode: no worker, no beat. The delivery failed at commit (partner down); the scheduler
    running production's own schedule retries it once it is due."""
    settings.EVENT_DELIVERY_BACKOFF_BASE_SECONDS = 1
    client = factories.ClientFactory()
    factories.ExternalSystemFactory(client=client, api_class="test_plugin")
    customer = factories.CustomerFactory(client=client)
    tariff = factories.TariffFactory(client=client)
    test_plugin.failures_left = 1

    services.tariff_assign(customer=customer, tariff=tariff)  # committed: delivered in-process at once (eager)
    delivery = EventDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert "partner is down" in delivery.last_error

    scheduler = Scheduler()  # CELERY_BEAT_SCHEDULE, as production's beat
    assert scheduler.tick(wait=True) == []  # first sight of every job: nothing runs
    time.sleep(1.1)  # the delivery's backoff passes
    ran_at("deliver-due-events", timedelta(seconds=31))  # and the sweep's period
    assert scheduler.tick(wait=True) == ["deliver-due-events"]

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 2)
    assert len(test_plugin.received) == 1
    assert ScheduledJob.objects.get(name="deliver-due-events").last_outcome.startswith("ok: {'delivered': 1")


def test_start_embedded_is_off_unless_enabled(settings):
    settings.EMBEDDED_SCHEDULER = False
    assert scheduler_module.start_embedded() is None


def _job_seen(name: str) -> bool:
    """The test's own poll: on the shared-cache in-memory SQLite, a read while the scheduler thread
    writes is refused at once ("table is locked"), which only means "not yet"."""
    try:
        return ScheduledJob.objects.filter(name=name).exists()
    except OperationalError as exc:
        if "locked" not in str(exc):
            raise
        return False


@pytest.mark.django_db(transaction=True)
def test_start_embedded_starts_one_thread_per_process(settings, monkeypatch):
    settings.EMBEDDED_SCHEDULER = True
    settings.EMBEDDED_SCHEDULER_POLL_SECONDS = 0.05
    monkeypatch.setattr(scheduler_module, "_embedded", None)
    started = scheduler_module.start_embedded()
    try:
        assert started is not None and started.thread.is_alive()
        assert scheduler_module.start_embedded() is started  # a second call (a second import) adds nothing
        deadline = time.monotonic() + 5
        while not _job_seen("deliver-due-events"):
            assert time.monotonic() < deadline, "the scheduler thread did not run"
            time.sleep(0.05)
    finally:
        started.stop(wait=True)
    assert not started.thread.is_alive()


def test_the_embedded_default_turns_it_on_and_the_others_do_not(monkeypatch):
    import importlib
    from pathlib import Path

    monkeypatch.delenv("EMBEDDED_SCHEDULER", raising=False)
    assert importlib.import_module("settings.local").EMBEDDED_SCHEDULER is True
    assert importlib.import_module("settings.base").EMBEDDED_SCHEDULER is False  # production inherits this
    root = Path(__file__).resolve().parents[2] / "settings"
    for entry_point in ("wsgi.py", "asgi.py"):  # only a serving process builds the application
        assert "start_embedded()" in (root / entry_point).read_text()


@pytest.mark.django_db(transaction=True)
def test_run_scheduler_once_runs_what_is_due_and_exits():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    assert out.getvalue().strip() == "run_scheduler: nothing due"  # first sight of every job
    ran_at("deliver-due-events", timedelta(minutes=1))
    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    assert out.getvalue().strip() == "deliver-due-events: ok: {'delivered': 0, 'failed': 0, 'skipped': 0}"
