"""One-time stream tokens: what a set-top box carries in a stream URL and a streaming server checks.

A token says "account A of operator C may watch content X (live channel, its archive, or a video)
through stream service S, from IP I, for a while". It is stateless: everything is inside the token
and signed, so handing out a URL writes nothing to the database and checking one reads nothing.

Wire format (version 1), big-endian, then base64url without padding:

    header   version:B kind:B ip_len:B client:I service:I account:Q content:Q issued_at:I ttl:I
    name     8-byte keyed hash of the content's name on the video server (the `name` Flussonic sends)
    ip       0, 4 or 16 bytes: the viewer's address, only when the service checks IPs
    nonce    8 random bytes, so every URL carries a different token
    mac      first 16 bytes of HMAC-SHA256 over everything before it

The operator (`client`) and the stream service are inside the signed header, so a streamer's check
URL (which names its service, `check_urls`) can refuse tokens issued for any other service or
operator; tokens issued before check URLs named services carry the same fields and stay valid.

Lifetime (product settings): a token must be used within its TTL (`StreamService.token_ttl`, else
TVMIDDLEWARE_STREAM_SERVICE_TOKEN_TTL). While a viewer keeps watching, the streamer re-checks it;
a valid check with less than TVMIDDLEWARE_STREAM_SERVICE_TOKEN_PROLONGATION_THRESHOLD_TTL left
extends it to min(now + TTL, issued_at + TVMIDDLEWARE_STREAM_SERVICE_TOKEN_MAX_TTL). The extension
lives in the Django cache (key derived from the token's MAC), never in the database. Nothing makes a
token valid after issued_at + MAX_TTL.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import logging
import secrets
import struct
import time
from collections.abc import Container
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from django.core.cache import cache

from .conf import conf

if TYPE_CHECKING:
    from tvmiddleware.models import Account, StreamService

logger = logging.getLogger(__name__)

# Error codes of StreamServiceTokenCheck (Smarty's device API; docs/streaming.md, "The token check").
VALID = 0
EXPIRED = 1  # expired, malformed, forged, or no longer allowed
OTHER_CONTENT = 2
OTHER_IP = 3

KINDS: dict[str, int] = {"live": 1, "archive": 2, "vod": 3}
_KIND_NAMES: dict[int, str] = {code: name for name, code in KINDS.items()}

VERSION = 1
MAX_TOKEN_LENGTH = 512
_HEADER = struct.Struct(">BBBIIQQII")
_NAME_HASH_LEN = 8
_NONCE_LEN = 8
_MAC_LEN = 16
_IP_LENGTHS = (0, 4, 16)
_MIN_LEN = _HEADER.size + _NAME_HASH_LEN + _NONCE_LEN + _MAC_LEN
_EXTENSION_KEY = "stream-token-ext:{}"

Moment = datetime | int | float | None


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """The outcome of checking a token. Identity fields are filled whenever the token was genuine,
    even when it was refused for content or IP (the caller may log who tried)."""

    error: int
    account_id: int | None = None
    client_id: int | None = None
    stream_service_id: int | None = None
    kind: str | None = None
    content_id: int | None = None
    issued_at: int | None = None
    expires_at: int | None = None

    @property
    def ok(self) -> bool:
        return self.error == VALID


INVALID = TokenCheck(error=EXPIRED)


# --- keys ------------------------------------------------------------------------------------------

@lru_cache(maxsize=8)
def _derive_keys(secret: str) -> tuple[bytes, bytes]:
    """(MAC key, name-hash key) for one SECRET_KEY; separate purposes get separate keys."""
    root = secret.encode("utf-8")
    mac_key = hmac.digest(root, b"tvmiddleware.streaming.tokens/mac/v1", "sha256")
    name_key = hmac.digest(root, b"tvmiddleware.streaming.tokens/name/v1", "sha256")
    return mac_key, name_key


def _current_keys() -> tuple[bytes, bytes]:
    return _derive_keys(conf().secret_key)


def _all_keys() -> list[tuple[bytes, bytes]]:
    """Current keys first, then those of SECRET_KEY_FALLBACKS, so rotating the secret does not cut
    viewers who are watching with tokens made before the rotation."""
    config = conf()
    return [_derive_keys(config.secret_key)] + [_derive_keys(old) for old in config.secret_key_fallbacks]


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.digest(key, payload, "sha256")[:_MAC_LEN]


def _name_hash(name_key: bytes, name: str) -> bytes:
    return hashlib.blake2b(normalize_name(name).encode("utf-8"), digest_size=_NAME_HASH_LEN,
                           key=name_key).digest()


# --- helpers ---------------------------------------------------------------------------------------

def normalize_name(name: str) -> str:
    """Content names compare without surrounding slashes (`/vod/film.mp4` == `vod/film.mp4`)."""
    return name.strip().strip("/")


def unix_time(now: Moment) -> int:
    """A moment as whole UTC unix seconds (the token's clock); None means now."""
    if now is None:
        return int(time.time())
    if isinstance(now, datetime):
        return int(now.timestamp())
    return int(now)


def _packed_ip(ip: str | None) -> bytes | None:
    """The address as 4 or 16 bytes (IPv4-mapped IPv6 counts as IPv4), or None if it is no address."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.packed


def token_ttl(stream_service: StreamService) -> int:
    return int(stream_service.token_ttl or conf().token_ttl)


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(token: str) -> bytes | None:
    try:
        raw = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):  # also for non-ASCII text and characters outside base64url
        return None
    # Only the canonical spelling counts: no second string (other unused bits) for the same token.
    return raw if _b64encode(raw) == token else None


# --- issue -----------------------------------------------------------------------------------------

def issue(
    *,
    account: Account,
    stream_service: StreamService,
    kind: str,
    content_id: int,
    name: str,
    ip: str | None,
    now: Moment = None,
) -> str:
    """A fresh token for `account` to watch `content_id` (a channel id for live/archive, a video id
    for VOD) named `name` on the video server, through `stream_service`.

    The viewer's `ip` is bound into the token only when the service checks IPs; an unparsable
    address there is refused (ValueError) rather than silently making an unbound token.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown content kind {kind!r}.")
    packed_ip = b""
    if stream_service.check_ip:
        packed_ip = _packed_ip(ip) or b""
        if not packed_ip:
            raise ValueError("The stream service checks IPs: a valid viewer IP is required.")
    mac_key, name_key = _current_keys()
    header = _HEADER.pack(
        VERSION, KINDS[kind], len(packed_ip), account.client_id, stream_service.pk, account.pk,
        int(content_id), unix_time(now), token_ttl(stream_service),
    )
    payload = header + _name_hash(name_key, name) + packed_ip + secrets.token_bytes(_NONCE_LEN)
    return _b64encode(payload + _mac(mac_key, payload))


# --- verify ----------------------------------------------------------------------------------------

class _Parsed(NamedTuple):
    kind: str
    client_id: int
    stream_service_id: int
    account_id: int
    content_id: int
    issued_at: int
    ttl: int
    name_hash: bytes
    ip: bytes
    mac: bytes
    name_key: bytes


def _parse(token: object) -> _Parsed | None:
    """The genuine payload of a token, or None for anything malformed, unknown or forged."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    raw = _b64decode(token)
    if raw is None or len(raw) < _MIN_LEN:
        return None
    version, kind, ip_len, client_id, service_id, account_id, content_id, issued_at, ttl = \
        _HEADER.unpack_from(raw)
    if version != VERSION or kind not in _KIND_NAMES or ip_len not in _IP_LENGTHS:
        return None
    if len(raw) != _MIN_LEN + ip_len:
        return None
    payload, mac = raw[:-_MAC_LEN], raw[-_MAC_LEN:]
    for mac_key, name_key in _all_keys():
        if hmac.compare_digest(_mac(mac_key, payload), mac):
            offset = _HEADER.size
            return _Parsed(
                kind=_KIND_NAMES[kind], client_id=client_id, stream_service_id=service_id,
                account_id=account_id, content_id=content_id, issued_at=issued_at, ttl=ttl,
                name_hash=raw[offset:offset + _NAME_HASH_LEN],
                ip=raw[offset + _NAME_HASH_LEN:offset + _NAME_HASH_LEN + ip_len],
                mac=mac, name_key=name_key,
            )
    return None


def verify(token: str, *, name: str | None = None, ip: str | None = None, now: Moment = None,
           accept: Container[tuple[int, int]] | None = None) -> TokenCheck:
    """Check a token as the streaming server presents it; never raises.

    `accept`, when given, holds the (client_id, stream_service_id) pairs the asking streamer may accept
    a token for: the operator and stream service it was issued for (`check_urls`); a token it refuses is
    answered 1, like a forged one, before anything else is looked at (and is never prolonged).
    `name` (the content's name on the video server) is compared when given; `ip` when given and the
    token was bound to an IP. Codes: 0 valid, 1 expired or not a genuine token, 2 issued for other
    content, 3 issued for another IP. A valid check near expiry prolongs the token (module doc).
    """
    try:
        parsed = _parse(token)
        if parsed is None:
            return INVALID
        if accept is not None and (parsed.client_id, parsed.stream_service_id) not in accept:
            return TokenCheck(error=EXPIRED, account_id=parsed.account_id, client_id=parsed.client_id,
                              stream_service_id=parsed.stream_service_id, kind=parsed.kind,
                              content_id=parsed.content_id, issued_at=parsed.issued_at)
        return _check(parsed, name=name, ip=ip, now=unix_time(now))
    except Exception:  # a token check must answer, whatever it was fed
        logger.exception("stream token check failed unexpectedly")
        return INVALID


def _check(parsed: _Parsed, *, name: str | None, ip: str | None, now: int) -> TokenCheck:
    expires_at = _valid_until(parsed, now)
    identity = dict(
        account_id=parsed.account_id, client_id=parsed.client_id, stream_service_id=parsed.stream_service_id,
        kind=parsed.kind, content_id=parsed.content_id, issued_at=parsed.issued_at,
    )
    if expires_at is None:
        return TokenCheck(error=EXPIRED, **identity)
    if name and not hmac.compare_digest(_name_hash(parsed.name_key, name), parsed.name_hash):
        return TokenCheck(error=OTHER_CONTENT, expires_at=expires_at, **identity)
    if ip and parsed.ip and _packed_ip(ip) != parsed.ip:
        return TokenCheck(error=OTHER_IP, expires_at=expires_at, **identity)
    expires_at = _prolong_if_due(parsed, expires_at, now)
    return TokenCheck(error=VALID, expires_at=expires_at, **identity)


def _valid_until(parsed: _Parsed, now: int) -> int | None:
    """When the token stops being valid, or None if it already has (or is from the future).

    The cache is consulted only near or past the natural expiry, so fresh tokens cost no round trip.
    """
    config = conf()
    hard_limit = parsed.issued_at + config.max_ttl
    if now < parsed.issued_at - 60 or now >= hard_limit:  # 60 s of clock skew between nodes
        return None
    expires_at = min(parsed.issued_at + parsed.ttl, hard_limit)
    if expires_at - now < config.prolongation_threshold:
        extended = _cache_get(_EXTENSION_KEY.format(parsed.mac.hex()))
        if isinstance(extended, int) and extended > expires_at:
            expires_at = min(extended, hard_limit)
    return expires_at if now < expires_at else None


def _prolong_if_due(parsed: _Parsed, expires_at: int, now: int) -> int:
    """Extend a token that is in use and close to expiry; returns the (new) expiry."""
    config = conf()
    if expires_at - now >= config.prolongation_threshold:
        return expires_at
    hard_limit = parsed.issued_at + config.max_ttl
    extended = min(now + parsed.ttl, hard_limit)
    if extended <= expires_at:
        return expires_at
    _cache_set(_EXTENSION_KEY.format(parsed.mac.hex()), extended, timeout=extended - now + 60)
    return extended


def _cache_get(key: str) -> object:
    try:
        return cache.get(key)
    except Exception:  # the cache being down must not cut viewers with fresh tokens
        logger.warning("cache unavailable reading %s", key, exc_info=True)
        return None


def _cache_set(key: str, value: object, *, timeout: int) -> None:
    try:
        cache.set(key, value, timeout=max(1, timeout))
    except Exception:
        logger.warning("cache unavailable writing %s", key, exc_info=True)
