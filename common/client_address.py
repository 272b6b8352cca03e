"""Who is really on the other end of a request: the one place that reads client addresses.

Forwarding headers (`X-Forwarded-For`, `X-Real-IP`) are plain request headers: anyone can send them.
They are believed only when the connection itself comes from a reverse proxy the operator configured
in `TRUSTED_PROXIES` (addresses or CIDR networks; empty by default, i.e. no proxy is trusted and the
client address is the TCP peer, `REMOTE_ADDR`). Through trusted proxies the client is the right-most
`X-Forwarded-For` hop that is not itself a trusted proxy: every hop left of it was written by someone
we do not trust. `X-Real-IP` is read only when a trusted proxy sent no `X-Forwarded-For` at all.

Streaming servers are a separate trust relation: they report the *viewer's* address in the token
check (`ip`, `addr`, `X-Real-IP`), which is believed only from the hosts in `STREAMER_ADDRESSES`.

Every address returned is normalised (`::ffff:10.0.0.1` becomes `10.0.0.1`) and well formed, since
it ends up in `inet` columns, subnet rules and rate-limit keys.
"""
from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_MAX_ADDRESS_LENGTH = 45  # the longest textual IPv6 address
_MAX_HOPS = 32  # a longer X-Forwarded-For chain is not walked further


def parse_address(value: str | None) -> Address | None:
    """A well-formed address from untrusted text, IPv4-mapped IPv6 folded to IPv4; None otherwise."""
    if not value:
        return None
    value = value.strip()
    if not value or len(value) > _MAX_ADDRESS_LENGTH:
        return None
    return _parsed(value)


# Every token check parses the peer's and the viewer's addresses; the same few thousand recur.
@functools.lru_cache(maxsize=8192)
def _parsed(value: str) -> Address | None:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@functools.lru_cache(maxsize=16)
def _networks(entries: tuple[str, ...], setting: str) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(f"{setting}: {entry!r} is not an IP address or network") from exc
    return tuple(networks)


def networks_of(setting: str) -> tuple[Network, ...]:
    """The networks listed in a setting (a list of addresses/CIDRs, or one comma-separated string)."""
    value = getattr(settings, setting, ()) or ()
    if isinstance(value, str):
        value = value.split(",")
    return _networks(tuple(item for item in value if item and item.strip()), setting)


def address_in(address: Address | None, networks: Iterable[Network]) -> bool:
    return address is not None and any(address in network for network in networks)


def _peer(request: HttpRequest) -> Address | None:
    return parse_address(request.META.get("REMOTE_ADDR"))


def client_address(request: HttpRequest) -> Address | None:
    """The client's address under the trusted-proxy rule (see the module docstring)."""
    peer = _peer(request)
    proxies = networks_of("TRUSTED_PROXIES")
    if not proxies or not address_in(peer, proxies):
        return peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded.strip():
        nearest = peer
        for hop in reversed(forwarded.split(",")[-_MAX_HOPS:]):
            address = parse_address(hop)
            if address is None:
                # Garbage written by someone we do not trust: the last address we could vouch for
                # (a proxy of ours) stands in for the client rather than anything further left.
                return nearest
            if not address_in(address, proxies):
                return address
            nearest = address
        return nearest  # every hop was one of our proxies
    return parse_address(request.META.get("HTTP_X_REAL_IP")) or peer


def client_ip(request: HttpRequest) -> str | None:
    """`client_address` as text: what views, services, logs and rate limits use."""
    address = client_address(request)
    return str(address) if address is not None else None


def from_streamer(request: HttpRequest) -> bool:
    """Whether the request comes from a streaming server listed in `STREAMER_ADDRESSES` (seen through
    trusted proxies like any other client)."""
    return address_in(client_address(request), networks_of("STREAMER_ADDRESSES"))
