"""Session resolution: the cache, the database on a miss, `last_seen_at` at most once a minute."""
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tvmiddleware.models import AuthKey
from tvmiddleware.services import sessions
from tvmiddleware.services.sessions import session_create, session_delete, session_resolve


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def opened(account):
    session, authkey = session_create(account=account, device=None, device_type=None, device_uid="box-1")
    return session, authkey


def _age(session, seconds: int):
    seen = timezone.now() - timedelta(seconds=seconds)
    AuthKey.objects.filter(pk=session.pk).update(last_seen_at=seen)
    return seen


def test_a_miss_reads_the_session_and_records_it_as_seen_when_due(opened, account):
    session, authkey = opened
    old = _age(session, 600)
    info = session_resolve(authkey)
    assert info.account_id == account.pk and info.customer_id == account.customer_id
    assert info.device_uid == "box-1" and info.client_id == account.client_id
    session.refresh_from_db()
    assert session.last_seen_at > old + timedelta(seconds=500)
    assert abs(info.last_seen - session.last_seen_at.timestamp()) < 0.01


def test_a_recent_session_is_not_written(opened):
    session, authkey = opened
    recent = _age(session, 10)
    cache.clear()
    assert session_resolve(authkey) is not None
    session.refresh_from_db()
    assert session.last_seen_at == recent


def test_a_cached_session_is_touched_once_a_minute(opened):
    session, authkey = opened
    assert session_resolve(authkey) is not None  # cached now
    with CaptureQueriesContext(connection) as queries:
        assert session_resolve(authkey) is not None
    assert len(queries) == 0
    key = sessions._cache_key(AuthKey.objects.get(pk=session.pk).key_hash)
    cache.set(key, {**cache.get(key), "last_seen": (timezone.now() - timedelta(seconds=90)).timestamp()})
    old = _age(session, 90)
    with CaptureQueriesContext(connection) as queries:
        info = session_resolve(authkey)
    assert len(queries) == 1 and info.last_seen > old.timestamp() + 60
    session.refresh_from_db()
    assert session.last_seen_at > old + timedelta(seconds=60)


def test_ended_sessions_are_not_found(opened):
    session, authkey = opened
    assert session_resolve(authkey) is not None
    assert session_delete(authkey)
    assert session_resolve(authkey) is None
    assert session_resolve("0" * 128) is None and session_resolve("") is None


def test_a_session_deleted_behind_a_stale_cache_entry_is_refused(opened):
    session, authkey = opened
    assert session_resolve(authkey) is not None
    key = sessions._cache_key(session.key_hash)
    cache.set(key, {**cache.get(key), "last_seen": 0.0})  # due for its write
    AuthKey.objects.filter(pk=session.pk).delete()  # without the service: the cache still names it
    assert session_resolve(authkey) is None
    assert cache.get(key) is None


def test_the_resolution_is_a_setting(opened, settings):
    settings.TVMIDDLEWARE_SESSION_LAST_SEEN_SECONDS = 300
    session, authkey = opened
    old = _age(session, 120)
    assert session_resolve(authkey) is not None  # a miss: read, not written (seen 2 minutes ago)
    session.refresh_from_db()
    assert session.last_seen_at == old
    _age(session, 400)
    cache.clear()
    assert session_resolve(authkey) is not None
    session.refresh_from_db()
    assert session.last_seen_at > old
