"""Login failure limits hold under concurrency (PostgreSQL, real threads).

Regression: the limit was read, the password checked, then the failure counted — 60 concurrent wrong
PINs got 24-29 guesses checked against a limit of 10, and in one of five bursts of 40 the right PIN
logged in after the limit. Attempts are now counted atomically before the check: in Redis, or in a
database counter under a row lock when Redis is unreachable (or the cache is not Redis)."""
from __future__ import annotations

import threading

import pytest

from tests.concurrency import run_parallel
from tvmiddleware.models import Account, AttemptCounter
from tvmiddleware.services.login import LoginReason, LoginRefused, login

LIMIT = 10
BURST = 40


@pytest.fixture
def checks(monkeypatch):
    """How many times a password was checked (from any thread)."""
    counted = {"n": 0}
    lock = threading.Lock()
    original = Account.check_password

    def check_password(self, raw):
        with lock:
            counted["n"] += 1
        return original(self, raw)

    monkeypatch.setattr(Account, "check_password", check_password)
    return counted


@pytest.fixture
def limits(settings):
    settings.TVMIDDLEWARE_LOGIN_FAILURES_PER_ABONEMENT = LIMIT
    settings.TVMIDDLEWARE_LOGIN_FAILURES_PER_IP = 1000


@pytest.fixture(params=["database", "redis", "redis-down"])
def store(request):
    """Where the counters live: the database (local-memory cache), Redis (a private server), or the
    database because that Redis is down."""
    if request.param == "database":
        request.getfixturevalue("settings").CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "concurrency"}}
    else:
        server = request.getfixturevalue("redis_cache")
        if request.param == "redis-down":
            server.kill()
    return request.param


def attempt(subscriber, password: str, n: int) -> str:
    """One login from its own address; the outcome's name (asserts would be lost in a thread)."""
    try:
        login(client=subscriber.client, abonement="100001", password=password, ip=f"198.51.100.{n % 250}",
              open_session=False)
    except LoginRefused as exc:
        return exc.reason.value
    return "ok"


@pytest.mark.postgres
def test_concurrent_wrong_pins_get_at_most_the_limit_checked(subscriber, limits, checks, store):
    results, errors = run_parallel(BURST, lambda n: attempt(subscriber, "0000", n))
    assert errors == []
    assert checks["n"] <= LIMIT, f"{checks['n']} passwords checked against a limit of {LIMIT} ({store})"
    assert results.count(LoginReason.NOT_FOUND.value) == checks["n"]
    assert results.count(LoginReason.RATE_LIMITED.value) == BURST - checks["n"]
    assert checks["n"] == LIMIT  # and the limit is not undercounted either
    if store == "redis":
        assert not AttemptCounter.objects.exists()
    else:
        assert AttemptCounter.objects.get(key__contains="login-fail:ab").count == LIMIT


@pytest.mark.postgres
def test_the_right_pin_in_a_burst_after_the_limit_is_refused(subscriber, limits, checks, store):
    for n in range(LIMIT):
        assert attempt(subscriber, "0000", n) == LoginReason.NOT_FOUND.value
    checks["n"] = 0
    right = {7, 19, 33}
    results, errors = run_parallel(
        BURST, lambda n: (n, attempt(subscriber, subscriber.password if n in right else "0000", n)))
    assert errors == []
    assert {outcome for _, outcome in results} == {LoginReason.RATE_LIMITED.value}, results
    assert checks["n"] == 0


@pytest.mark.postgres
def test_successes_do_not_free_other_attempts_slots(subscriber, limits, checks, store):
    """Right and wrong PINs at once: every wrong one that was checked stays counted, so the wrong
    guesses checked stay within the limit however many successes run beside them."""
    results, errors = run_parallel(
        BURST, lambda n: attempt(subscriber, subscriber.password if n % 2 else "0000", n))
    assert errors == []
    assert results.count(LoginReason.NOT_FOUND.value) <= LIMIT
    # the window is not reopened afterwards: the failures that were checked still count
    wrong_checked = results.count(LoginReason.NOT_FOUND.value)
    later, errors = run_parallel(BURST, lambda n: attempt(subscriber, "0000", n))
    assert errors == []
    assert wrong_checked + later.count(LoginReason.NOT_FOUND.value) == LIMIT
