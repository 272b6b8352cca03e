"""Redis down or paused: the device API, the token check and the health check keep answering (no 5xx,
within a bounded time), sessions come from the database, and Redis is used again once it is back.

Regression: with Redis down every device-API method answered 500 (login included); with Redis paused
for 8 s the token check, the device API and the health check each hung the full 8 s."""
from __future__ import annotations

import logging
import time

import pytest
from django.core.cache import cache

from tests import factories
from tvmiddleware.models import StreamServiceType

CHECK = "/tvmiddleware/api/streamservice/token/check/"
BOUND_SECONDS = 2.0


@pytest.fixture
def channel(subscriber):
    client = subscriber.client
    factories.StreamServiceFactory(client=client, type=StreamServiceType.LIVE, priority=1,
                                   url_mask="http://live.example/$prefix/index.m3u8?token=$token")
    channel = factories.ChannelFactory(client=client, name="First", url_prefix="first")
    subscriber.tariff.channels.add(channel)
    return channel


def token_of(url: str) -> str:
    return url.split("token=")[1].split("&")[0]


def exercise(api, client, channel, *, device_uid: str) -> dict[str, float]:
    """Every method of the brief once; each must answer (no 5xx) with its normal result. Returns the
    seconds each took."""
    took = {}

    def timed(name, call):
        started = time.monotonic()
        result = call()
        took[name] = time.monotonic() - started
        return result

    login = timed("login", lambda: api.login(device_uid=device_uid))
    assert login["error"] == 0, login
    status = timed("account/status", lambda: api.json("account/status/"))
    assert status["error"] == 0, status
    listing = timed("channel/list", lambda: api.json("channel/list/"))
    assert listing["error"] == 0 and [c["id"] for c in listing["channels"]] == [channel.pk], listing
    url = timed("channel/url", lambda: api.json("channel/url/", cid=channel.pk, redirect=0))
    assert url["error"] == 0, url
    check = timed("token/check", lambda: client.get(CHECK, {"name": "first", "token": token_of(url["uri"])}))
    assert check.status_code == 200, check.content
    health = timed("health/check", lambda: client.get("/tvmiddleware/api/health/check/"))
    assert health.status_code == 200, health.content
    took["_health"] = health.json()
    return took


def test_redis_killed_the_device_api_keeps_serving_and_recovers(api, client, channel, redis_cache):
    healthy = exercise(api, client, channel, device_uid="00:1A:79:00:00:01")
    assert healthy["_health"]["degraded"] == 0
    assert redis_cache.client().dbsize() > 0  # sessions and access state were cached in Redis

    redis_cache.kill()
    old_authkey = api.authkey
    down = exercise(api, client, channel, device_uid="00:1A:79:00:00:01")
    assert down["_health"]["alive"] == 1 and down["_health"]["degraded"] == 1
    assert "cache: Redis unreachable" in down["_health"]["connection_errors"]
    assert all(seconds < BOUND_SECONDS for name, seconds in down.items() if not name.startswith("_")), down
    api.authkey = old_authkey  # the session opened before the outage (re-login ended it: the device is the same)
    assert api.json("account/status/")["error"] != 0
    api.login(device_uid="00:1A:79:00:00:01")
    assert api.json("account/status/")["error"] == 0  # resolved from the database

    redis_cache.start()  # back, empty
    time.sleep(1.1)  # the retry period of the fixture's backend
    back = exercise(api, client, channel, device_uid="00:1A:79:00:00:01")
    assert back["_health"]["degraded"] == 0
    assert redis_cache.client().dbsize() > 0  # in use again
    before = redis_cache.commands_processed()
    assert api.json("account/status/")["error"] == 0
    assert redis_cache.commands_processed() > before


def test_redis_paused_costs_a_bounded_time_and_recovers(api, client, channel, redis_cache):
    exercise(api, client, channel, device_uid="00:1A:79:00:00:01")
    redis_cache.pause()
    started = time.monotonic()
    paused = exercise(api, client, channel, device_uid="00:1A:79:00:00:01")
    assert all(seconds < BOUND_SECONDS for name, seconds in paused.items() if not name.startswith("_")), paused
    assert time.monotonic() - started < BOUND_SECONDS  # one timeout, then the circuit is open
    assert paused["_health"]["degraded"] == 1 and paused["_health"]["alive"] == 1
    for _ in range(5):  # while the circuit is open a request does not wait at all
        started = time.monotonic()
        assert api.json("account/status/")["error"] == 0
        assert time.monotonic() - started < 0.2

    redis_cache.resume()
    time.sleep(1.1)
    before = redis_cache.commands_processed()
    back = exercise(api, client, channel, device_uid="00:1A:79:00:00:01")
    assert back["_health"]["degraded"] == 0
    assert redis_cache.commands_processed() > before + 5


def test_a_logout_during_the_outage_is_not_undone_when_a_paused_redis_resumes(api, client, channel, redis_cache):
    """The session stays cached in a paused Redis; the logout's cache delete is made again on recovery,
    so the ended session is not served from the cache afterwards."""
    assert api.login()["error"] == 0
    assert api.json("account/status/")["error"] == 0  # cached in Redis
    authkey = api.authkey
    redis_cache.pause()
    assert api.json("logout/")["error"] == 0
    redis_cache.resume()
    time.sleep(1.1)
    api.authkey = authkey
    assert api.json("account/status/")["error"] != 0
    # and the cache is really consulted again (not merely skipped)
    assert cache.get("anything") is None and not cache.circuit.is_open


def test_the_outage_is_logged_once_not_per_request(api, client, channel, redis_cache, caplog):
    assert api.login()["error"] == 0
    redis_cache.kill()
    with caplog.at_level(logging.WARNING, logger="common.cache"):
        for _ in range(20):
            assert api.json("account/status/")["error"] == 0
            assert api.json("channel/list/")["error"] == 0
    outage = [r for r in caplog.records if r.name == "common.cache"]
    assert len(outage) == 1 and "unreachable" in outage[0].getMessage()
    redis_cache.start()
    time.sleep(1.1)
    with caplog.at_level(logging.WARNING, logger="common.cache"):
        assert api.json("account/status/")["error"] == 0
    assert "is back" in caplog.records[-1].getMessage()


def test_login_failures_are_still_limited_with_redis_down(api, redis_cache, settings):
    """Counted in the database while Redis is unreachable: guessing does not become unlimited."""
    settings.TVMIDDLEWARE_LOGIN_FAILURES_PER_ABONEMENT = 3
    redis_cache.kill()
    for _ in range(3):
        assert api.login(password="0000")["error"] == 1
    assert api.login()["error"] == 28


def test_login_failures_are_counted_in_redis_when_it_is_up(api, redis_cache, settings):
    from tvmiddleware.models import AttemptCounter

    settings.TVMIDDLEWARE_LOGIN_FAILURES_PER_ABONEMENT = 3
    for _ in range(3):
        assert api.login(password="0000")["error"] == 1
    assert api.login()["error"] == 28
    assert not AttemptCounter.objects.exists()
    keys = redis_cache.client().keys("*login-fail:ab*")
    assert len(keys) == 1 and 0 < redis_cache.client().ttl(keys[0]) <= 600


def test_production_settings_bound_every_redis_client():
    """No Redis client without socket and connect timeouts (a paused Redis held requests for as long as
    it was paused)."""
    import json
    import os
    import subprocess
    import sys

    from django.conf import settings as current

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "settings.production", "DATABASE_URL": "postgres://x@127.0.0.1/x",
           "REDIS_URL": "redis://127.0.0.1:6379/0", "SECRET_KEY": "x", "ALLOWED_HOSTS": "x"}
    env.pop("CELERY_BROKER_URL", None)
    script = ("import json, django; django.setup(); from django.conf import settings as s; "
              "print(json.dumps([s.CACHES, s.CELERY_BROKER_TRANSPORT_OPTIONS, s.CELERY_BROKER_CONNECTION_TIMEOUT]))")
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=current.BASE_DIR, capture_output=True,
                         text=True, check=True).stdout
    caches, broker, broker_connect = json.loads(out)
    assert caches["default"]["BACKEND"] == "common.cache.RedisCache"
    assert 0 < caches["default"]["OPTIONS"]["socket_timeout"] <= 2
    assert 0 < caches["default"]["OPTIONS"]["socket_connect_timeout"] <= 2
    assert 0 < broker["socket_timeout"] <= 5 and 0 < broker["socket_connect_timeout"] <= 2
    assert 0 < broker_connect <= 5
