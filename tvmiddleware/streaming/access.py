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

Rules (this module is their one implementation: the device API's VOD reads in
`tvmiddleware.selectors.vod` — video/list, video/detail, video/url — call the functions of the
"VOD rules" section below, so what the apps show and what the streamers enforce cannot drift apart):
- the tariffs that count are those of the customer's open subscriptions to enabled tariffs; a
  non-periodical subscription whose `end_date` has passed no longer counts (a periodical one's
  `end_date` is "paid until": the billing's DEBT logic handles it, see `billing.modes`);
- live and archive: the channel is enabled and opened by one of those tariffs;
- VOD: a free title; a subscription title opened by one of those tariffs; or a title the customer
  bought or rents (rental not yet expired). Purchase-category titles need a purchase even when a
  tariff lists them (tariffs list them to make them visible in the catalogue). An online cinema's
  catalogue tariff (`ExternalSystem.tariff`) only *lists* that cinema's titles: it opens none of
  them; its subscription titles are opened by the cinema's subscription tariffs (named in the
  integration's attributes), which its catalogue sync attaches to them;
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
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, FilteredRelation, Q, QuerySet

from tvmiddleware.models import Account, PriceCategory, Video, VideoPurchase
from common.prepared import PreparedQuery
from common.errors import ServiceError

from .conf import conf

logger = logging.getLogger(__name__)

LOCAL_CACHE_MAX_ENTRIES = 20_000
# Bump the version when AccountAccess changes shape: old pickles then are simply never read.
_ACCOUNT_KEY = "stream-access:v2:account:{}"
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
    # Every open subscription's tariff that is enabled, whether or not it counts now (an inactive
    # account's, an ended grant's): what the line-up shows as subscribed (`has_subscription`).
    open_tariff_ids: frozenset[int] = frozenset()
    # Whether the account has a parental-control PIN (locked channels then need it; the PIN itself is
    # read from the account only when one is given).
    has_parent_code: bool = False

    @property
    def exists(self) -> bool:
        return self.client_id is not None


# --- per-process layer -----------------------------------------------------------------------------

_ALL_LOCAL_CACHES: list[_LocalCache] = []
_clock_source: Callable[[], float] = time.monotonic  # a test may stop it (tests/conftest.py, steady_caches)


def _process_clock() -> float:
    return _clock_source()


class _LocalCache:
    """A bounded, thread-safe LRU whose entries also expire; one per process (and per purpose).

    Every instance is registered, so `clear_local_cache()` forgets all of this process's copies.
    """

    def __init__(self, max_entries: int, clock: Callable[[], float] = _process_clock) -> None:
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


def _cached(key: str, load: Callable[[], tuple[Any, float]], fresh: Callable[[Any], bool] | None = None,
            adopt: Callable[[Any], Any] | None = None) -> Any:
    """The value under `key` from the local layer, else the Django cache, else `load()`.

    Values are stored as (value, kept_until) so an entry is never used past that time, whatever the
    cache backend's clock does; `load` returns the same pair. A caller with a stricter rule passes
    `fresh(value)`: a kept value it refuses is loaded again (and stored for everyone). `adopt(value)`
    turns a value read from the shared cache or loaded into the one the local layer keeps.
    """
    entry = _local.get(key)
    if entry is None or (fresh is not None and not fresh(entry[0])):
        entry = _cache_get(key)
        if not (isinstance(entry, tuple) and len(entry) == 2 and entry[1] > time.time()
                and (fresh is None or fresh(entry[0]))):
            entry = load()
            _cache_set(key, entry, entry[1] - time.time())
        if adopt is not None:
            entry = (adopt(entry[0]), entry[1])
        _local.set(key, entry, _local_ttl(entry[1]))
    return entry[0]


# Thousands of snapshots in the per-process layer hold the same few sets of channels and tariffs (one
# per combination of tariffs). Each unpickled copy would be its own frozenset, and the garbage
# collector walks every element of every one at each full collection (measured: 800,000 elements,
# pauses of 300-700 ms under load). One shared object per distinct set leaves a handful.
_canonical_sets: dict[frozenset, frozenset] = {}
CANONICAL_SETS_MAX = 10_000


def _canonical(value: frozenset) -> frozenset:
    found = _canonical_sets.get(value)
    if found is None:
        if len(_canonical_sets) >= CANONICAL_SETS_MAX:
            _canonical_sets.clear()
        found = _canonical_sets.setdefault(value, value)
    return found


def _shared_sets(state: AccountAccess) -> AccountAccess:
    return replace(state, channel_ids=_canonical(state.channel_ids), tariff_ids=_canonical(state.tariff_ids),
                   open_tariff_ids=_canonical(state.open_tariff_ids))


# --- account snapshot ------------------------------------------------------------------------------

def account_state(account_id: int, *, for_device_api: bool = False) -> AccountAccess:
    """What the account may watch (cached; see module doc). A deleted account may watch nothing.

    Token checks (the default) use a snapshot at most AUTH_DURATION old. The device API's reads
    (`for_device_api`: status, subscribed flags, whether to hand out a URL, which the streamer then
    checks itself) accept the same snapshot for TVMIDDLEWARE_DEVICE_ACCOUNT_STATE_SECONDS (an hour):
    services invalidate it at once on every change, so only a change that bypassed them waits."""
    key = _ACCOUNT_KEY.format(int(account_id))
    load = lambda: _load_account_state(int(account_id))  # noqa: E731
    if for_device_api:
        return _cached(key, load, adopt=_shared_sets)
    return _cached(key, load, fresh=_within_auth_duration, adopt=_shared_sets)


def _within_auth_duration(state: AccountAccess) -> bool:
    return state.expires_at > time.time()


def _load_account_state(account_id: int) -> tuple[AccountAccess, float]:
    now = time.time()
    expires_at = now + conf().auth_duration
    kept_until = now + max(conf().auth_duration, conf().device_state_seconds)
    rows = _account_with_open_tariffs(account_id=account_id)
    if not rows:
        state = AccountAccess(account_id=account_id, client_id=None, customer_id=None, active=False,
                              status_reason="", max_sessions=0, channel_ids=frozenset(),
                              tariff_ids=frozenset(), generation=secrets.randbits(62), expires_at=expires_at)
        return state, kept_until
    client_id, customer_id, active, status_reason, parent_code = rows[0][:5]
    subscriptions = [CountedSubscription(*row[5:]) for row in rows if row[5] is not None and row[6] == client_id]
    tariffs = counting_subscriptions(subscriptions, active=bool(active), now=datetime.fromtimestamp(now, UTC))
    # A granted period ending before the snapshot would ends the snapshot with it: access stops on time.
    ends = [sub.end_date.timestamp() for sub in tariffs if not sub.is_periodical and sub.end_date is not None]
    expires_at = min([expires_at, *ends])
    kept_until = min([kept_until, *ends])
    tariff_ids = frozenset(sub.tariff_id for sub in tariffs)
    state = AccountAccess(
        account_id=account_id, client_id=client_id, customer_id=customer_id, active=bool(active),
        status_reason=status_reason or "",
        # tariffs add content, not screens: the largest allowance, not the sum
        max_sessions=max((sub.sessions_count + sub.basic_sessions_count for sub in tariffs), default=0),
        channel_ids=_channels_of(client_id=client_id, tariff_ids=tariff_ids), tariff_ids=tariff_ids,
        generation=secrets.randbits(62), expires_at=expires_at,
        open_tariff_ids=frozenset(sub.tariff_id for sub in subscriptions if sub.enabled),
        has_parent_code=bool(parent_code),
    )
    return state, kept_until


# One query: the account and its customer's open subscriptions with their tariffs (outer join);
# the columns after the fifth are `SUBSCRIPTION_FIELDS` (a `CountedSubscription`).
_account_with_open_tariffs = PreparedQuery(lambda account_id: (
    Account.objects.filter(pk=account_id)
    .annotate(open_sub=FilteredRelation("customer__subscriptions",
                                        condition=Q(customer__subscriptions__is_closed=False)))
    .order_by()
    .values_list("client_id", "customer_id", "active", "status_reason", "parent_code",
                 *(f"open_sub__{name}" for name in SUBSCRIPTION_FIELDS))
))


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
    category = Video.objects.for_client(state.client_id).filter(pk=video_id) \
        .values_list("price_category", flat=True).first()
    if category is None:
        return False, until
    # Tariffs and purchases are read only when they can matter (a free title needs neither).
    free = category == PriceCategory.FREE and state.active
    opened = not free and tariff_may_open(category) and video_id in videos_opened_by_tariffs(
        video_ids=[video_id], tariff_ids=state.tariff_ids)
    purchase_end: datetime | None | bool = False
    if state.active and not free and not opened:
        purchase_end = _purchase_end(state, video_id)
    reason = vod_decision(category=category, active=state.active, opened_by_tariff=opened,
                          purchased=purchase_end is not False)
    if reason is None:
        return False, until
    if reason == PURCHASE_REASON and isinstance(purchase_end, datetime):
        until = min(until, purchase_end.timestamp())
    return True, until


def _purchase_end(state: AccountAccess, video_id: int) -> datetime | None | bool:
    """None: bought for good; a time: rented until then; False: no valid purchase."""
    ends = list(valid_purchases(client_id=state.client_id, customer_id=state.customer_id)
                .filter(video_id=video_id).values_list("expires_at", flat=True))
    if not ends:
        return False
    if any(end is None for end in ends):
        return None
    return max(ends)


# --- VOD rules: the one implementation (the token check above and `tvmiddleware.selectors.vod`) ----

FREE_REASON, TARIFF_REASON, PURCHASE_REASON = "free", "tariff", "purchase"
VideoTariff = Video.tariffs.through

#: The `values_list` fields of an open `TariffSubscription` that make a `CountedSubscription`.
SUBSCRIPTION_FIELDS = ("tariff_id", "client_id", "tariff__enabled", "tariff__available_for_inactive_accounts",
                       "tariff__sessions_count", "tariff__basic_sessions_count", "is_periodical", "end_date")


@dataclass(frozen=True, slots=True)
class CountedSubscription:
    """What the rules need to know about one open subscription of a customer (`SUBSCRIPTION_FIELDS`)."""

    tariff_id: int
    client_id: int
    enabled: bool
    available_for_inactive_accounts: bool
    sessions_count: int
    basic_sessions_count: int
    is_periodical: bool
    end_date: datetime | None


def subscription_counts(sub: CountedSubscription, *, active: bool, now: datetime) -> bool:
    """Does an open subscription give its tariff's content now?

    Its tariff is enabled; an inactive account keeps only tariffs `available_for_inactive_accounts`;
    a non-periodical subscription (a granted period) ends at its `end_date`. A periodical one's
    `end_date` is "paid until": an unpaid period is the billing's business (the account goes to DEBT,
    `billing.modes`), not a reason to drop the tariff here.
    """
    if not sub.enabled or not (active or sub.available_for_inactive_accounts):
        return False
    return sub.is_periodical or sub.end_date is None or sub.end_date > now


def counting_subscriptions(subscriptions: Iterable[CountedSubscription], *, active: bool,
                           now: datetime) -> list[CountedSubscription]:
    """The subscriptions whose tariffs count for an (in)active account now."""
    return [sub for sub in subscriptions if subscription_counts(sub, active=active, now=now)]


def tariff_may_open(price_category: str) -> bool:
    """Purchase-category titles are listed by tariffs but opened only by a purchase."""
    return price_category != PriceCategory.PURCHASE


def vod_decision(*, category: str, active: bool, opened_by_tariff: bool, purchased: bool) -> str | None:
    """Why a title is open to an account ("free", "tariff", "purchase"), or None when it is not.

    `opened_by_tariff`: one of the counting tariffs opens it (see `videos_opened_by_tariffs`, which
    leaves out listing-only catalogue tariffs); `purchased`: a valid purchase is held.
    """
    if category == PriceCategory.FREE and active:
        return FREE_REASON
    if tariff_may_open(category) and opened_by_tariff:
        return TARIFF_REASON
    if purchased and active:
        return PURCHASE_REASON
    return None


def videos_opened_by_tariffs(*, video_ids: Iterable[int], tariff_ids: Iterable[int]) -> set[int]:
    """Which of these titles the tariffs open for watching (one query; none without tariffs).

    A title's link to its online cinema's catalogue tariff (`ExternalSystem.tariff`) does not count:
    that tariff is listing-only (it makes the cinema's titles appear in the catalogue).
    """
    video_ids, tariff_ids = list(video_ids), list(tariff_ids)
    if not video_ids or not tariff_ids:
        return set()
    return set(VideoTariff.objects.filter(video_id__in=video_ids, tariff_id__in=tariff_ids)
               .exclude(video__external_system__tariff_id=F("tariff_id"))
               .values_list("video_id", flat=True))


def valid_purchases(*, client_id: int | None, customer_id: int | None,
                    now: datetime | None = None) -> QuerySet[VideoPurchase]:
    """Purchases that still open their title: bought for good, or rented until after `now`."""
    now = now or datetime.now(UTC)
    return VideoPurchase.objects.for_client(client_id).filter(customer_id=customer_id).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now))


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
    """Call inside a writing transaction: invalidate the customer's accounts now and once it commits.

    The account ids are taken now as well as at commit, so deleting the customer (and its accounts)
    in the same transaction still revokes their snapshots.
    """
    known_now = _account_ids_of(customer_id)
    invalidate_accounts(known_now)  # the writer's own reads (and its process) see the change at once
    transaction.on_commit(lambda: invalidate_accounts([*known_now, *_account_ids_of(customer_id)]))


def on_commit_invalidate_account(account_id: int) -> None:
    """Call inside a writing transaction: invalidate one account's snapshot now (a reader that rebuilds
    it before the commit reads the old rows) and again once it commits."""
    invalidate_account(account_id)
    transaction.on_commit(lambda: invalidate_account(account_id))
