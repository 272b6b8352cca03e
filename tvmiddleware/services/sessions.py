"""Device API sessions (authkeys): create on login, resolve on every call (cached), end on logout."""
from __future__ import annotations

import atexit
import logging
import secrets
import threading
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.utils import timezone

from tvmiddleware.models import Account, AccountDevice, AuthKey, DeviceType, hash_authkey

logger = logging.getLogger(__name__)

# Sessions end only through `session_delete_many` (logout, password change, removal), which drops the
# cache entry at once; a row removed any other way leaves the cache at the next batched last_seen
# write (`_SeenBuffer`). So the entry can live as long as a device keeps polling.
SESSION_CACHE_SECONDS = 3600
LAST_SEEN_RESOLUTION = timedelta(seconds=60)
LAST_SEEN_FLUSH_SECONDS = 10.0
FLUSH_BATCH = 1000


def last_seen_resolution() -> timedelta:
    """How stale `AuthKey.last_seen_at` may get: TVMIDDLEWARE_SESSION_LAST_SEEN_SECONDS, default a minute.

    Each write is an UPDATE of a row with several indexes; with many devices that poll every few minutes
    nearly every request writes at 60 s, about a fifth at 300 s (still far finer than the hours of
    `active_window`)."""
    seconds = getattr(settings, "TVMIDDLEWARE_SESSION_LAST_SEEN_SECONDS", None)
    return LAST_SEEN_RESOLUTION if seconds is None else timedelta(seconds=int(seconds))


@dataclass(frozen=True)
class SessionInfo:
    """What a request needs to know about its session, kept in the cache between requests."""

    id: int
    client_id: int
    account_id: int
    customer_id: int
    device_uid: str
    device_type: str
    is_basic_device: bool
    last_seen: float


def _cache_key(key_hash: str) -> str:
    return f"tvmw:session:{key_hash}"


def generate_authkey() -> str:
    """128 hex characters of cryptographic randomness."""
    return secrets.token_hex(64)


@transaction.atomic
def session_create(*, account: Account, device: AccountDevice | None, device_type: DeviceType | None,
                   device_uid: str = "", is_basic_device: bool = False, ip_address: str | None = None,
                   user_agent: str = "", app_build_version: str = "",
                   key_hash: str | None = None, external: bool = False) -> tuple[AuthKey, str]:
    """Open a session; a device that logs in again replaces its previous session. With `key_hash`, the
    session's key is one the caller derived and knows only as this hash (QR login): the key answered is ''."""
    if device_uid:
        session_delete_many(AuthKey.objects.filter(account=account, device_uid=device_uid))
    authkey = "" if key_hash else generate_authkey()
    session = AuthKey.objects.create(
        client_id=account.client_id, account=account, key_hash=key_hash or hash_authkey(authkey), device=device,
        device_type=device_type, device_uid=device_uid, is_basic_device=is_basic_device, external=external,
        ip_address=ip_address,
        user_agent=user_agent[:255], app_build_version=app_build_version[:64],
    )
    return session, authkey


def session_resolve(authkey: str) -> SessionInfo | None:
    """The session an authkey names, or None. One cache read when warm; the DB on a miss."""
    if not authkey or len(authkey) > 256:
        return None
    key_hash = hash_authkey(authkey)
    cached = cache.get(_cache_key(key_hash))
    now = timezone.now()
    if cached is not None:
        info = SessionInfo(**cached)
    elif connection.vendor == "postgresql":
        # A miss reads the session and, when due, records it as seen, in one round trip.
        info = _load_and_touch(key_hash, now)
        if info is None:
            return None
        cache.set(_cache_key(key_hash), asdict(info), SESSION_CACHE_SECONDS)
        return info
    else:
        row = (AuthKey.objects.filter(key_hash=key_hash)
               .values_list("id", "client_id", "account_id", "account__customer_id", "device_uid",
                            "device_type__system_name", "is_basic_device", "last_seen_at").first())
        if row is None:
            return None
        info = SessionInfo(id=row[0], client_id=row[1], account_id=row[2], customer_id=row[3],
                           device_uid=row[4], device_type=row[5] or "", is_basic_device=row[6],
                           last_seen=row[7].timestamp())
    if now.timestamp() - info.last_seen > last_seen_resolution().total_seconds():
        # Written at most once a minute (by default) per session: enough for "active sessions" and
        # statistics; batched off the request path unless the flush interval is 0.
        if last_seen_flush_seconds() > 0:
            _seen.add(info.id, key_hash, now)
        elif not _touch(info.id, now):
            cache.delete(_cache_key(key_hash))
            return None
        info = SessionInfo(**{**asdict(info), "last_seen": now.timestamp()})
        cached = None
    if cached is None:
        cache.set(_cache_key(key_hash), asdict(info), SESSION_CACHE_SECONDS)
    return info


def last_seen_flush_seconds() -> float:
    """TVMIDDLEWARE_SESSION_LAST_SEEN_FLUSH_SECONDS (default 10): how long a due `last_seen_at` write
    waits in its process to be written with the others in one statement; 0 writes it on the request."""
    seconds = getattr(settings, "TVMIDDLEWARE_SESSION_LAST_SEEN_FLUSH_SECONDS", None)
    return LAST_SEEN_FLUSH_SECONDS if seconds is None else float(seconds)


class _SeenBuffer:
    """Due `last_seen_at` writes of this process, written together by a background thread every
    `last_seen_flush_seconds()` (and at exit). A session found gone when its write is made loses its
    cache entry then: a cached session deleted without the service (which clears the cache itself)
    is refused within one flush interval. A process killed outright loses its pending writes, which
    only makes those sessions look up to a minute older."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[int, tuple[datetime, str]] = {}
        self._thread: threading.Thread | None = None

    def add(self, session_id: int, key_hash: str, when: datetime) -> None:
        with self._lock:
            self._pending[session_id] = (when, key_hash)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="session-last-seen", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        last = time.monotonic()
        while True:
            interval = last_seen_flush_seconds()
            time.sleep(min(1.0, max(0.05, interval)))  # a changed interval applies within a second
            if not self._pending or time.monotonic() - last < interval:
                continue
            last = time.monotonic()
            try:
                self.flush()
            except Exception:  # the next round retries what is still pending; never kill the thread
                logger.exception("writing sessions' last_seen_at failed")
            finally:
                connections.close_all()  # this thread's own connection

    def flush(self) -> int:
        """Write what is pending now; the number of sessions written."""
        with self._lock:
            batch, self._pending = self._pending, {}
        items = sorted(batch.items())
        written = 0
        try:
            for start in range(0, len(items), FLUSH_BATCH):
                chunk = items[start:start + FLUSH_BATCH]
                found = _touch_many([(session_id, when) for session_id, (when, _) in chunk])
                written += len(found)
                gone = [_cache_key(key_hash) for session_id, (_, key_hash) in chunk if session_id not in found]
                if gone:
                    cache.delete_many(gone)
        except Exception:
            with self._lock:  # keep them for the next round (newer ones win)
                for session_id, entry in items[written:]:
                    self._pending.setdefault(session_id, entry)
            raise
        return written


_seen = _SeenBuffer()


@atexit.register
def _flush_at_exit() -> None:
    try:
        if _seen._pending:
            _seen.flush()
    except Exception:  # the database may be gone already at exit
        logger.warning("could not write %d sessions' last_seen_at at exit", len(_seen._pending))


def flush_last_seen() -> int:
    """Write this process's pending `last_seen_at` values now (tests, shutdown)."""
    return _seen.flush()


def _touch_many(rows: list[tuple[int, datetime]]) -> set[int]:
    """Set each session's `last_seen_at` (one statement on PostgreSQL); the ids that still exist."""
    if not rows:
        return set()
    table = connection.ops.quote_name(AuthKey._meta.db_table)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            values = ", ".join(["(%s::bigint, %s::timestamptz)"] * len(rows))
            params = [value for session_id, when in rows for value in (session_id, when)]
            with connection.cursor() as cursor:
                cursor.execute(f"UPDATE {table} AS k SET last_seen_at = v.seen FROM (VALUES {values}) AS v(id, seen) "
                               f"WHERE k.id = v.id RETURNING k.id", params)
                return {row[0] for row in cursor.fetchall()}
        return {session_id for session_id, when in rows if _touch(session_id, when)}


def _touch(session_id: int, now) -> bool:
    """`AuthKey.objects.filter(pk=...).update(last_seen_at=now)` without building a queryset (hot path);
    False when the session is gone."""
    ops = connection.ops
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {ops.quote_name(AuthKey._meta.db_table)} SET {ops.quote_name('last_seen_at')} = %s "
                       f"WHERE {ops.quote_name('id')} = %s", [ops.adapt_datetimefield_value(now), session_id])
        return cursor.rowcount > 0


_LOAD_AND_TOUCH_SQL = """
WITH found AS (
    SELECT k.id, k.client_id, k.account_id, a.customer_id, k.device_uid, d.system_name, k.is_basic_device,
           k.last_seen_at
    FROM {authkey} k
    JOIN {account} a ON a.id = k.account_id
    LEFT JOIN {devicetype} d ON d.id = k.device_type_id
    WHERE k.key_hash = %s
), touched AS (
    UPDATE {authkey} SET last_seen_at = %s
    WHERE id = (SELECT id FROM found WHERE last_seen_at < %s)
    RETURNING last_seen_at
)
SELECT found.*, (SELECT last_seen_at FROM touched) FROM found
"""


def _load_and_touch(key_hash: str, now) -> SessionInfo | None:
    """PostgreSQL: the session row, with `last_seen_at` moved to `now` when it is older than
    `last_seen_resolution()` — the same read and write as the portable path, in one statement (None
    also when the session ended between the two, as there)."""
    quote = connection.ops.quote_name
    sql = _LOAD_AND_TOUCH_SQL.format(authkey=quote(AuthKey._meta.db_table), account=quote(Account._meta.db_table),
                                     devicetype=quote(DeviceType._meta.db_table))
    threshold = now - last_seen_resolution()
    with connection.cursor() as cursor:
        cursor.execute(sql, [key_hash, now, threshold])
        row = cursor.fetchone()
    if row is None:
        return None
    if row[7] < threshold and row[8] is None:  # due, but the row went away meanwhile (logout)
        return None
    last_seen = row[8] or row[7]
    return SessionInfo(id=row[0], client_id=row[1], account_id=row[2], customer_id=row[3], device_uid=row[4],
                       device_type=row[5] or "", is_basic_device=row[6], last_seen=last_seen.timestamp())


def session_delete_many(queryset) -> int:
    """End sessions (logout, password change, account removal) and forget them in the cache at once.
    Django runs the delete in a transaction of its own; inside a caller's, the cache is cleared again on commit."""
    hashes = list(queryset.values_list("key_hash", flat=True))
    if not hashes:
        return 0
    AuthKey.objects.filter(key_hash__in=hashes).delete()
    keys = [_cache_key(h) for h in hashes]
    transaction.on_commit(lambda: cache.delete_many(keys))
    cache.delete_many(keys)
    return len(hashes)


def session_delete(authkey: str) -> bool:
    return session_delete_many(AuthKey.objects.filter(key_hash=hash_authkey(authkey))) > 0


def active_window() -> timedelta:
    """How recently a session must have been used to count against the concurrent-session limit."""
    return timedelta(seconds=getattr(settings, "TVMIDDLEWARE_SESSION_ACTIVE_SECONDS", 4 * 3600))
