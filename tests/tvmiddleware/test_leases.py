"""The one lease protocol (`tvmiddleware.leases`) the scheduler and the cinema syncs hold rows with:
take if free or expired, extend while still ours, release, the heartbeat, the locked retry."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.db.models import F
from django.utils import timezone

from tests.concurrency import run_parallel
from tvmiddleware import leases
from tvmiddleware.models import ScheduledJob

pytestmark = pytest.mark.django_db

TABLE = leases.LeaseColumns(ScheduledJob, owner="owner", expires="locked_until")
ROW = {"name": "job"}


@pytest.fixture
def row():
    return ScheduledJob.objects.create(name="job", task="t")


def reload(row):
    row.refresh_from_db()
    return row


def test_a_free_row_is_taken_once_with_its_columns(row):
    assert TABLE.acquire(ROW, owner="a", seconds=60, runs=F("runs") + 1, task="first")
    assert not TABLE.acquire(ROW, owner="b", seconds=60, task="second")
    row = reload(row)
    assert row.owner == "a" and row.task == "first" and row.runs == 1
    assert row.locked_until > timezone.now() + timedelta(seconds=50)


def test_an_expired_lease_is_taken_over_and_its_holder_can_no_longer_extend_it(row):
    assert TABLE.acquire(ROW, owner="dead", seconds=-1)
    assert TABLE.acquire(ScheduledJob.objects.filter(pk=row.pk), owner="b", seconds=60)
    assert reload(row).owner == "b"
    assert not TABLE.extend(ROW, owner="dead", seconds=60)
    assert TABLE.extend(ROW, owner="b", seconds=600)
    assert reload(row).locked_until > timezone.now() + timedelta(seconds=500)


def test_release_frees_the_row_with_the_outcome_only_for_its_holder(row):
    TABLE.acquire(ROW, owner="a", seconds=60)
    assert not TABLE.release(ROW, owner="b", last_outcome="not mine")
    assert reload(row).locked_until is not None and row.last_outcome == ""
    assert TABLE.release(ROW, owner="a", last_outcome="done")
    assert reload(row).locked_until is None and row.last_outcome == "done"
    assert not TABLE.extend(ROW, owner="a", seconds=60)  # a late heartbeat does not take it back
    assert reload(row).locked_until is None
    assert TABLE.acquire(ROW, owner="b", seconds=60)


def test_acquire_only_takes_the_rows_its_filter_names(row):
    """The scheduler claims with `last_run_at` as read: a row another scheduler just ran is not taken."""
    stale = timezone.now() - timedelta(hours=1)
    assert not TABLE.acquire({"pk": row.pk, "last_run_at": stale}, owner="a", seconds=60)
    assert reload(row).owner == ""


def test_owners_are_distinct():
    assert len({leases.lease_owner() for _ in range(20)}) == 20


class TestRetryingWhenLocked:
    def test_a_locked_write_is_tried_again(self, monkeypatch):
        monkeypatch.setattr(leases.time, "sleep", lambda s: None)
        answers = iter([OperationalError("database table is locked"), OperationalError("locked"), 3])

        def write():
            answer = next(answers)
            if isinstance(answer, Exception):
                raise answer
            return answer

        assert leases.retrying_when_locked(write) == 3

    def test_the_last_error_is_raised(self, monkeypatch):
        slept = []
        monkeypatch.setattr(leases.time, "sleep", slept.append)
        calls = []

        def write():
            calls.append(1)
            raise OperationalError("database is locked")

        with pytest.raises(OperationalError):
            leases.retrying_when_locked(write, attempts=4)
        assert len(calls) == 4 and slept == [0.05, 0.1, 0.2]


class TestHeartbeat:
    def test_it_extends_until_the_block_ends(self):
        beats = []
        with leases.Heartbeat(lambda: beats.append(1) or True, interval=0.01, label="test"):
            deadline = time.monotonic() + 5
            while len(beats) < 3 and time.monotonic() < deadline:
                time.sleep(0.01)
        count = len(beats)
        time.sleep(0.05)
        assert count >= 3 and len(beats) == count

    def test_a_takeover_sets_lost_and_stops(self, caplog):
        beats = []
        lost = threading.Event()
        with leases.Heartbeat(lambda: beats.append(1) or False, interval=0.01, label="test", lost=lost) as beat:
            assert lost.wait(5)
            time.sleep(0.05)
        assert beat.lost is lost and len(beats) == 1
        assert "taken over" in caplog.text

    def test_a_locked_beat_is_tried_at_the_next_one(self):
        answers = iter([OperationalError("database is locked"), True, True])
        done = threading.Event()

        def extend():
            answer = next(answers, None)
            if answer is None:
                done.set()
                return True
            if isinstance(answer, Exception):
                raise answer
            return answer

        with leases.Heartbeat(extend, interval=0.01, label="test") as beat:
            assert done.wait(5)
        assert not beat.lost.is_set()


@pytest.mark.postgres
def test_two_threads_racing_for_an_expired_lease_one_wins(row):
    """Each round the lease has expired and two holders try to take it at the same moment: exactly one
    gets it, and only that one can extend it."""
    for round_ in range(15):
        ScheduledJob.objects.filter(pk=row.pk).update(owner="dead", locked_until=timezone.now() - timedelta(seconds=1))

        def take(i, round_=round_):
            owner = f"r{round_}-t{i}"
            won = TABLE.acquire(ROW, owner=owner, seconds=60, runs=F("runs") + 1)
            assert TABLE.extend(ROW, owner=owner, seconds=60) is won, f"{owner}: extend disagrees with acquire"
            return owner if won else None

        results, errors = run_parallel(2, take)
        if errors:
            raise errors[0]
        winners = [r for r in results if r]
        assert len(winners) == 1, results
        assert reload(row).owner == winners[0]
    assert reload(row).runs == 15
