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


class TestBatchedLastSeen:
    """With a flush interval (the default outside tests), a due write waits and is made in one statement."""

    @pytest.fixture(autouse=True)
    def _batched(self, settings):
        settings.TVMIDDLEWARE_SESSION_LAST_SEEN_FLUSH_SECONDS = 3600  # the thread never flushes by itself here
        yield
        sessions._seen._pending.clear()

    def test_a_due_write_waits_for_the_flush(self, opened):
        session, authkey = opened
        old = _age(session, 600)
        cache.clear()
        assert session_resolve(authkey) is not None  # a miss reads (and, on PostgreSQL, writes in the read)
        key = sessions._cache_key(session.key_hash)
        cache.set(key, {**cache.get(key), "last_seen": (timezone.now() - timedelta(seconds=90)).timestamp()})
        _age(session, 90)
        with CaptureQueriesContext(connection) as queries:
            info = session_resolve(authkey)
        assert len(queries) == 0 and info.last_seen > old.timestamp() + 60  # nothing written on the request
        assert session.pk in sessions._seen._pending
        assert sessions.flush_last_seen() == 1
        session.refresh_from_db()
        assert abs(session.last_seen_at.timestamp() - info.last_seen) < 0.01
        assert sessions.flush_last_seen() == 0  # nothing left

    def test_many_sessions_are_written_together(self, account):
        opened = [session_create(account=account, device=None, device_type=None, device_uid=f"box-{n}")
                  for n in range(5)]
        when = timezone.now()
        for session, _ in opened:
            sessions._seen.add(session.pk, session.key_hash, when)
        with CaptureQueriesContext(connection) as queries:
            assert sessions.flush_last_seen() == 5
        if connection.vendor == "postgresql":
            assert sum("UPDATE" in q["sql"] for q in queries) == 1
        assert all(abs(s.last_seen_at.timestamp() - when.timestamp()) < 0.01
                   for s in AuthKey.objects.filter(pk__in=[s.pk for s, _ in opened]))

    def test_a_session_found_gone_at_the_flush_leaves_the_cache(self, opened):
        session, authkey = opened
        assert session_resolve(authkey) is not None
        key = sessions._cache_key(session.key_hash)
        cache.set(key, {**cache.get(key), "last_seen": 0.0})  # due
        assert session_resolve(authkey) is not None  # served from the cache, its write pending
        AuthKey.objects.filter(pk=session.pk).delete()  # without the service: the cache still names it
        assert sessions.flush_last_seen() == 0
        assert cache.get(key) is None and session_resolve(authkey) is None

    def test_the_background_thread_flushes(self, opened, settings, monkeypatch):
        settings.TVMIDDLEWARE_SESSION_LAST_SEEN_FLUSH_SECONDS = 0.05
        written = []
        # The thread has its own connection, which cannot see this test's uncommitted rows: record instead.
        monkeypatch.setattr(sessions, "_touch_many", lambda rows: written.extend(rows) or {i for i, _ in rows})
        session, _ = opened
        when = timezone.now() + timedelta(seconds=5)
        sessions._seen.add(session.pk, session.key_hash, when)
        import time
        deadline = time.monotonic() + 10
        while sessions._seen._pending and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not sessions._seen._pending and written == [(session.pk, when)]
