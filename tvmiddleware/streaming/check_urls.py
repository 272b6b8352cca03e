"""Which tokens a token check URL may accept: the URL a streamer calls names its stream service.

A token is signed by the middleware, not by an operator, and streams are often named alike across
operators (`ch1`): a check that only looks at the token and the stream name would let one operator's
subscriber watch at another operator's streamer. So every stream service has an unguessable
`check_key`, and its check URL `/tvmiddleware/api/streamservice/<check_key>/token/check/` (also under
`/streaming/api/`) accepts only tokens issued for the services holding that key — by default just
that one service; an operator may give several of its own services one key when one streaming server
serves them (live and archive on the same Flussonic). The model refuses a key another operator uses.

Smarty's shared URL `/tvmiddleware/api/streamservice/token/check/` cannot tell which streamer asks.
It answers according to TVMIDDLEWARE_TOKEN_CHECK_SHARED_URL:
- "auto" (default): only while the installation has one operator (a single-operator install keeps
  working unchanged); once a second operator exists, it refuses every token;
- "on": always (only for installations whose operators knowingly share their streamers);
- "off": never.
Where it answers, the token's stream service must still exist and belong to the token's operator.

This runs on every token check, so the keys of all services are kept per process (one query loads
them all; a few hundred rows at most) and looked up by the SHA-256 of the presented key, so the
lookup's timing says nothing about the secret. A change saved in this process applies at once
(signals); other processes reload after SNAPSHOT_SECONDS, and earlier when a streamer presents a key
they do not know (at most once per MISS_RELOAD_SECONDS, so random keys cannot flood the database).
A rotated key therefore stops working everywhere within SNAPSHOT_SECONDS; a new one works at once.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Container
from dataclasses import dataclass, field
from typing import Any

from django.db.models.signals import post_delete, post_save

from tvmiddleware.models import Client, StreamService

from .access import LocalCache
from .conf import conf

logger = logging.getLogger(__name__)

SNAPSHOT_SECONDS = 30.0
MISS_RELOAD_SECONDS = 1.0
SHARED_REFUSAL_LOG_SECONDS = 60.0
MAX_KEY_LENGTH = 128

# The (client id, stream service id) pairs of the tokens a check URL accepts.
Acceptor = Container[tuple[int, int]]


class _OwnedServices:
    """Accepts a token whose stream service exists and belongs to the token's operator."""

    __slots__ = ("_owners",)

    def __init__(self, owners: dict[int, int]) -> None:
        self._owners = owners

    def __contains__(self, pair: object) -> bool:
        client_id, service_id = pair  # type: ignore[misc]
        return self._owners.get(service_id) == client_id


@dataclass(frozen=True, slots=True)
class CheckTargets:
    """Every stream service's check key and operator, and how many operators the installation has."""

    by_key: dict[bytes, frozenset[tuple[int, int]]]  # sha256(key) → {(client id, service id)}
    owners: dict[int, int]  # service id → client id
    operators: int
    owned_services: _OwnedServices = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "owned_services", _OwnedServices(self.owners))


class _Snapshot(LocalCache):
    """One value read without a lock on the hot path (replacing a tuple is atomic); registered as a
    LocalCache so `access.clear_local_cache()` forgets it too."""

    def __init__(self) -> None:
        super().__init__(1)
        self._entry: tuple[float, CheckTargets] | None = None

    def current(self) -> CheckTargets | None:
        entry = self._entry
        return entry[1] if entry is not None and entry[0] > time.monotonic() else None

    def put(self, targets: CheckTargets, ttl: float) -> None:
        self._entry = (time.monotonic() + ttl, targets)

    def clear(self) -> None:
        self._entry = None
        super().clear()


_store = _Snapshot()
_generation = [0]  # bumped by every invalidation: a load that raced with a change is not kept
_last_miss_reload = [0.0]
_last_shared_refusal_log = [0.0]
_lock = threading.Lock()


def _digest(check_key: str) -> bytes:
    return hashlib.sha256(check_key.encode("utf-8", "surrogatepass")).digest()


def _load() -> CheckTargets:
    by_key: dict[bytes, set[tuple[int, int]]] = {}
    owners: dict[int, int] = {}
    for service_id, client_id, check_key in StreamService.objects.values_list("pk", "client_id", "check_key"):
        owners[service_id] = client_id
        if check_key:
            by_key.setdefault(_digest(check_key), set()).add((client_id, service_id))
    return CheckTargets(by_key={digest: frozenset(pairs) for digest, pairs in by_key.items()},
                        owners=owners, operators=Client.objects.count())


def _targets(*, reload: bool = False) -> CheckTargets:
    targets = None if reload else _store.current()
    if targets is None:
        generation = _generation[0]
        targets = _load()
        with _lock:
            if generation == _generation[0]:
                _store.put(targets, SNAPSHOT_SECONDS)
    return targets


def service_acceptor(check_key: str) -> Acceptor | None:
    """What the check URL with this key accepts; None when no service holds the key."""
    if not check_key or len(check_key) > MAX_KEY_LENGTH:
        return None
    digest = _digest(check_key)
    targets = _targets()
    pairs = targets.by_key.get(digest)
    if pairs is None and _may_reload_on_miss():
        pairs = _targets(reload=True).by_key.get(digest)  # a service created in another process
    return pairs


def _may_reload_on_miss() -> bool:
    now = time.monotonic()
    with _lock:
        if now - _last_miss_reload[0] < MISS_RELOAD_SECONDS:
            return False
        _last_miss_reload[0] = now
        return True


def shared_acceptor() -> Acceptor | None:
    """What the shared (key-less) check URL accepts; None when it is closed (see the module doc)."""
    mode = conf().shared_check_url
    if mode == "off":
        return None
    targets = _targets()
    if mode == "auto" and targets.operators > 1:
        _log_shared_refusal(targets.operators)
        return None
    return targets.owned_services


def _log_shared_refusal(operators: int) -> None:
    """Say why streamers are refused, without a log line per request."""
    now = time.monotonic()
    with _lock:
        if now - _last_shared_refusal_log[0] < SHARED_REFUSAL_LOG_SECONDS:
            return
        _last_shared_refusal_log[0] = now
    logger.warning("shared token check URL refused: the installation has %d operators; streamers must call "
                   "their stream service's check URL (/tvmiddleware/api/streamservice/<check_key>/token/check/)",
                   operators)


def check_path(check_key: str, *, prefix: str = "/tvmiddleware/api/") -> str:
    """The path of a service's token check URL (what the operator pastes into the streamer)."""
    return f"{prefix}streamservice/{check_key}/token/check/"


def invalidate(**kwargs: Any) -> None:
    """Drop this process's copy (a stream service or an operator was saved or deleted)."""
    with _lock:
        _generation[0] += 1
        _store.clear()


for _model in (StreamService, Client):
    post_save.connect(invalidate, sender=_model, dispatch_uid=f"tvmw-check-urls-save-{_model.__name__}")
    post_delete.connect(invalidate, sender=_model, dispatch_uid=f"tvmw-check-urls-delete-{_model.__name__}")
