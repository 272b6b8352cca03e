"""Device API sessions (authkeys): create on login, resolve on every call (cached), end on logout."""
from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from tvmiddleware.models import Account, AccountDevice, AuthKey, DeviceType, hash_authkey

SESSION_CACHE_SECONDS = 300
LAST_SEEN_RESOLUTION = timedelta(seconds=60)


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
                   user_agent: str = "", app_build_version: str = "") -> tuple[AuthKey, str]:
    """Open a session; a device that logs in again replaces its previous session."""
    if device_uid:
        session_delete_many(AuthKey.objects.filter(account=account, device_uid=device_uid))
    authkey = generate_authkey()
    session = AuthKey.objects.create(
        client_id=account.client_id, account=account, key_hash=hash_authkey(authkey), device=device,
        device_type=device_type, device_uid=device_uid, is_basic_device=is_basic_device, ip_address=ip_address,
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
        # Written at most once a minute (by default) per session: enough for "active sessions" and statistics.
        if not _touch(info.id, now):
            cache.delete(_cache_key(key_hash))
            return None
        info = SessionInfo(**{**asdict(info), "last_seen": now.timestamp()})
        cached = None
    if cached is None:
        cache.set(_cache_key(key_hash), asdict(info), SESSION_CACHE_SECONDS)
    return info


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
