"""Device API sessions (authkeys): create on login, resolve on every call (cached), end on logout."""
from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from tvmiddleware.models import Account, AccountDevice, AuthKey, DeviceType, hash_authkey

SESSION_CACHE_SECONDS = 300
LAST_SEEN_RESOLUTION = timedelta(seconds=60)


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
    if cached is not None:
        info = SessionInfo(**cached)
    else:
        row = (AuthKey.objects.filter(key_hash=key_hash)
               .values_list("id", "client_id", "account_id", "account__customer_id", "device_uid",
                            "device_type__system_name", "is_basic_device", "last_seen_at").first())
        if row is None:
            return None
        info = SessionInfo(id=row[0], client_id=row[1], account_id=row[2], customer_id=row[3],
                           device_uid=row[4], device_type=row[5] or "", is_basic_device=row[6],
                           last_seen=row[7].timestamp())
    now = timezone.now()
    if now.timestamp() - info.last_seen > LAST_SEEN_RESOLUTION.total_seconds():
        # Written at most once a minute per session: enough for "active sessions" and statistics.
        updated = AuthKey.objects.filter(pk=info.id).update(last_seen_at=now)
        if not updated:
            cache.delete(_cache_key(key_hash))
            return None
        info = SessionInfo(**{**asdict(info), "last_seen": now.timestamp()})
        cached = None
    if cached is None:
        cache.set(_cache_key(key_hash), asdict(info), SESSION_CACHE_SECONDS)
    return info


def session_delete_many(queryset) -> int:
    """End sessions (logout, password change, account removal) and forget them in the cache at once."""
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
