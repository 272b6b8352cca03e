"""May this account watch this content right now? Answered from caches, so the token check is cheap.

A genuine token only proves that the account was allowed to watch when the URL was handed out. The
streamer re-checks every TVMIDDLEWARE_STREAM_SERVICE_AUTH_DURATION seconds, and each check asks
again whether the account is still active and its tariffs still open the content, so a block, a
removed tariff or an ended rental cuts the viewer (revocation).

What an account may watch is kept as an `AccountAccess` snapshot:
- in the Django cache (Redis in production) for AUTH_DURATION seconds, shared by every node;
- in front of it, a small per-process LRU kept TVMIDDLEWARE_ACCESS_LOCAL_CACHE_SECONDS (default 5 s),
  so a hot token check touches neither the database nor Redis.

Revocation therefore takes effect
- at once when the writing service calls `invalidate_account` / `invalidate_customer` (best done with
  `on_commit_invalidate_*` inside the writing transaction); other processes may keep their local copy
  for up to the local TTL;
- at the latest AUTH_DURATION seconds after the change otherwise (the snapshot carries its own
  expiry, and the local layer never outlives it). Changes of line-up or tariff contents made in the
  admin are picked up this way, and so is the rare rebuild that read the database just before a
  change committed and stored its snapshot just after the invalidation.

Rules:
- live and archive: the channel is enabled and opened by one of the customer's open, enabled tariffs;
- VOD: a free title; a subscription title opened by one of those tariffs; or a title the customer
  bought or rents (rental not yet expired). Purchase-category titles need a purchase even when a
  tariff lists them (tariffs list them to make them visible in the catalogue);
- an inactive (blocked) account watches nothing, except what tariffs marked
  `available_for_inactive_accounts` open (e.g. an operator's info channel for debtors).
- `max_sessions` (Flussonic's X-Max-Sessions) is the largest `basic_sessions_count + sessions_count`
  (the subscriber's own boxes plus additional screens) among those tariffs:
  tariffs add content, not screens, so they do not add up; 0 means "unknown, no limit sent".
"""
from __future__ import annotations

import logging
import math
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import FilteredRelation, Q

from tvmiddleware.models import Account, PriceCategory, Video, VideoPurchase
from tvmiddleware.prepared import PreparedQuery
from tvmiddleware.services.errors import ServiceError

from .conf import conf

logger = logging.getLogger(__name__)

LOCAL_CACHE_MAX_ENTRIES = 20_000
# Bump the version when AccountAccess changes shape: old pickles then are simply never read.
_ACCOUNT_KEY = "stream-access:v1:account:{}"
_VIDEO_KEY = "stream-access:v1:video:{}:{}:{}"  # account, generation, video

LIVE_KINDS = frozenset({"live", "archive"})


class AccessDenied(ServiceError):
    """The account may not watch this content (inactive, or not opened by its tariffs or purchases)."""

    code = "access_denied"


@dataclass(frozen=True, slots=True)
class AccountAccess:
    """What one account may watch, as of `expires_at - AUTH_DURATION`.

    `channel_ids` and `tariff_ids` are already reduced to what an inactive account keeps.
    `generation` is new on every rebuild: per-video decisions are cached under it, so they never
    outlive the snapshot they were derived from.
    """

    account_id: int
    client_id: int | None
    customer_id: int | None
    active: bool
    status_reason: str
    max_sessions: int
    channel_ids: frozenset[int]
    tariff_ids: frozenset[int]
    generation: int
    expires_at: float  # wall clock (time.time())

    @property
    def exists(self) -> bool:
        return self.client_id is not None


# --- per-process layer -----------------------------------------------------------------------------

_ALL_LOCAL_CACHES: list[_LocalCache] = []


class _LocalCache:
    """A bounded, thread-safe LRU whose entries also expire; one per process (and per purpose).

    Every instance is registered, so `clear_local_cache()` forgets all of this process's copies.
    """

    def __init__(self, max_entries: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        _ALL_LOCAL_CACHES.append(self)

    def get(self, key: Any) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= self._clock():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def set(self, key: Any, value: Any, ttl: float) -> None:
        if ttl <= 0:
            return
        with self._lock:
            self._entries[key] = (self._clock() + ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def delete(self, *keys: Any) -> None:
        with self._lock:
            for key in keys:
                self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_local = _LocalCache(LOCAL_CACHE_MAX_ENTRIES)


LocalCache = _LocalCache  # for the other per-process caches of the device API and streaming


def clear_local_cache() -> None:
    """Forget this process's copies: access snapshots and every other registered per-process cache
    (tests; never needed for correctness)."""
    for local in _ALL_LOCAL_CACHES:
        local.clear()


def _local_ttl(expires_at: float) -> float:
    """Keep a local copy for the configured seconds, never beyond the value's own expiry."""
    return min(conf().local_cache_seconds, expires_at - time.time())


# --- shared cache, never fatal ---------------------------------------------------------------------

def _cache_get(key: str) -> Any:
    try:
        return cache.get(key)
    except Exception:  # Redis down: answer from the database instead of failing the viewer
        logger.warning("cache unavailable reading %s", key, exc_info=True)
        return None


def _cache_set(key: str, value: Any, timeout: float) -> None:
    try:
        cache.set(key, value, timeout=max(1, math.ceil(timeout)))
    except Exception:
        logger.warning("cache unavailable writing %s", key, exc_info=True)


def _cache_delete(keys: list[str]) -> None:
    try:
        cache.delete_many(keys)
    except Exception:
        logger.error("cache unavailable: could not drop %s; revocation waits for expiry", keys, exc_info=True)


def _cached(key: str, load: Callable[[], tuple[Any, float]]) -> Any:
    """The value under `key` from the local layer, else the Django cache, else `load()`.

    Values are stored as (value, expires_at) so an entry is never used past its expiry, whatever
    the cache backend's clock does; `load` returns the same pair.
    """
    entry = _local.get(key)
    if entry is None:
        entry = _cache_get(key)
        if not (isinstance(entry, tuple) and len(entry) == 2 and entry[1] > time.time()):
            entry = load()
            _cache_set(key, entry, entry[1] - time.time())
        _local.set(key, entry, _local_ttl(entry[1]))
    return entry[0]


# --- account snapshot ------------------------------------------------------------------------------

def account_state(account_id: int) -> AccountAccess:
    """What the account may watch (cached; see module doc). A deleted account may watch nothing."""
    return _cached(_ACCOUNT_KEY.format(int(account_id)), lambda: _load_account_state(int(account_id)))


def _load_account_state(account_id: int) -> tuple[AccountAccess, float]:
    expires_at = time.time() + conf().auth_duration
    rows = _account_with_open_tariffs(account_id=account_id)
    if not rows:
        state = AccountAccess(account_id=account_id, client_id=None, customer_id=None, active=False,
                              status_reason="", max_sessions=0, channel_ids=frozenset(),
                              tariff_ids=frozenset(), generation=secrets.randbits(62), expires_at=expires_at)
        return state, expires_at
    client_id, customer_id, active, status_reason = rows[0][:4]
    tariffs = _open_tariffs(rows, client_id=client_id, active=active)
    tariff_ids = frozenset(tariff_id for tariff_id, _ in tariffs)
    state = AccountAccess(
        account_id=account_id, client_id=client_id, customer_id=customer_id, active=bool(active),
        status_reason=status_reason or "", max_sessions=max((count for _, count in tariffs), default=0),
        channel_ids=_channels_of(client_id=client_id, tariff_ids=tariff_ids), tariff_ids=tariff_ids,
        generation=secrets.randbits(62), expires_at=expires_at,
    )
    return state, expires_at


# One query: the account and its customer's open subscriptions with their tariffs (outer join).
_account_with_open_tariffs = PreparedQuery(lambda account_id: (
    Account.objects.filter(pk=account_id)
    .annotate(open_sub=FilteredRelation("customer__subscriptions",
                                        condition=Q(customer__subscriptions__is_closed=False)))
    .order_by()
    .values_list("client_id", "customer_id", "active", "status_reason", "open_sub__tariff_id",
                 "open_sub__client_id", "open_sub__tariff__enabled",
                 "open_sub__tariff__available_for_inactive_accounts", "open_sub__tariff__sessions_count",
                 "open_sub__tariff__basic_sessions_count")
))


def _open_tariffs(rows: list[tuple], *, client_id: int, active: bool) -> set[tuple[int, int]]:
    """(tariff id, concurrent sessions it allows: basic devices + additional sessions) of the customer's
    open subscriptions (of this operator) to enabled tariffs that count for this account — an inactive
    account keeps only tariffs `available_for_inactive_accounts`."""
    return {
        (tariff_id, extra + basic)
        for *_, tariff_id, sub_client_id, enabled, for_inactive, extra, basic in rows
        if tariff_id is not None and sub_client_id == client_id and enabled and (active or for_inactive)
    }


def _channels_of(*, client_id: int, tariff_ids: frozenset[int]) -> frozenset[int]:
    """The operator's enabled channels these tariffs open (tariff contents: a per-process copy, see
    `reference`)."""
    if not tariff_ids:
        return frozenset()
    from .reference import tariff_channels  # reference builds on this module's LocalCache

    contents = tariff_channels(client_id)
    return frozenset().union(*(contents.get(tariff_id, ()) for tariff_id in tariff_ids))


# --- decisions -------------------------------------------------------------------------------------

def state_allows(state: AccountAccess, kind: str | None, content_id: int | None) -> bool:
    """Does this snapshot open the content? (live/archive: a channel id; vod: a video id)."""
    if not state.exists or content_id is None:
        return False
    if kind in LIVE_KINDS:
        return content_id in state.channel_ids
    if kind == "vod":
        return _video_allowed(state, content_id)
    return False


def can_watch(account_id: int, kind: str, content_id: int) -> bool:
    """May the account watch the content now? Cached; see the module doc for the rules."""
    return state_allows(account_state(account_id), kind, content_id)


def assert_can_watch(account: Account, kind: str, content_id: int) -> None:
    """Raise AccessDenied unless the account may watch the content (for the device API)."""
    state = account_state(account.pk)
    if not state_allows(state, kind, content_id):
        message = "The content is not available to this account." if state.active else "The account is not active."
        raise AccessDenied(message, status_reason=state.status_reason)


def _video_allowed(state: AccountAccess, video_id: int) -> bool:
    key = _VIDEO_KEY.format(state.account_id, state.generation, int(video_id))
    return _cached(key, lambda: _load_video_decision(state, int(video_id)))


def _load_video_decision(state: AccountAccess, video_id: int) -> tuple[bool, float]:
    """(allowed, until): a rental is allowed only until it ends, and no decision outlives `state`."""
    until = state.expires_at
    videos = Video.objects.for_client(state.client_id).filter(pk=video_id)
    category = videos.values_list("price_category", flat=True).first()
    if category is None:
        return False, until
    if category == PriceCategory.FREE and state.active:
        return True, until
    if category != PriceCategory.PURCHASE and state.tariff_ids \
            and videos.filter(tariffs__in=state.tariff_ids).exists():
        return True, until
    if not state.active:
        return False, until
    rental_end = _purchase_end(state, video_id)
    if rental_end is False:
        return False, until
    return True, until if rental_end is None else min(until, rental_end)


def _purchase_end(state: AccountAccess, video_id: int) -> float | None | bool:
    """None: bought for good; a timestamp: rented until then; False: no valid purchase."""
    now = datetime.now(UTC)
    ends = list(
        VideoPurchase.objects.for_client(state.client_id)
        .filter(customer_id=state.customer_id, video_id=video_id)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .values_list("expires_at", flat=True)
    )
    if not ends:
        return False
    if any(end is None for end in ends):
        return None
    return max(ends).timestamp()


# --- invalidation ----------------------------------------------------------------------------------

def invalidate_accounts(account_ids: Iterable[int]) -> None:
    """Drop the snapshots of these accounts: their next check reads the database again.

    Per-video decisions need no deletion: they are keyed by the snapshot's generation, which the
    rebuild renews.
    """
    keys = [_ACCOUNT_KEY.format(int(pk)) for pk in set(account_ids)]
    if keys:
        _local.delete(*keys)
        _cache_delete(keys)


def invalidate_account(account_id: int) -> None:
    invalidate_accounts([account_id])


def invalidate_customer(customer_id: int) -> None:
    """Drop the snapshots of every login of a customer (after a tariff, status or deletion change)."""
    invalidate_accounts(_account_ids_of(customer_id))


def _account_ids_of(customer_id: int) -> list[int]:
    return list(Account.objects.filter(customer_id=customer_id).values_list("pk", flat=True))


def on_commit_invalidate_customer(customer_id: int) -> None:
    """Call inside a writing transaction: invalidate the customer's accounts once it commits.

    The account ids are taken now as well as at commit, so deleting the customer (and its accounts)
    in the same transaction still revokes their snapshots.
    """
    known_now = _account_ids_of(customer_id)
    transaction.on_commit(lambda: invalidate_accounts([*known_now, *_account_ids_of(customer_id)]))


def on_commit_invalidate_account(account_id: int) -> None:
    """Call inside a writing transaction: invalidate one account's snapshot once it commits."""
    transaction.on_commit(lambda: invalidate_account(account_id))
