"""The one class that talks to MEGOGO: client API (signed), partner billing, catalogue feed, images.

- Client API `<api_url>/<method>?...&sign=...`: every request is signed with the key pair of a
  device kind (`signing.sign`); answers are `{"result": "ok", "data": {...}}` or
  `{"result": "error", "code": .., "message": ..}`. Reads are retried on network errors and 5xx.
- Partner billing `<billing_url>/<method>?...` answers `{"successful": true}`; not retried here
  (SVOD changes travel as domain events, which the outbox retries; a purchase is never repeated).
- TVOD purchase: MEGOGO publishes no partner purchase call. `purchase` below sends
  `purchase/create?userId=&videoId=&type=&price=` to the billing host and expects the billing
  envelope; this is an assumption kept in this one method, so the real call can be dropped in.

Logs name the method, the ids involved, the HTTP status and the time; never keys, signs or tokens.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Iterator
from urllib.parse import urlencode

import requests

from cinema_kit.http import ThreadSessions, failure_reason
from tvmiddleware.plugins import PluginError

from .config import MegogoConfig
from .signing import partner_token, sign

logger = logging.getLogger("megogo.client")

DEFAULT_TIMEOUT = (5.0, 20.0)
MAX_IMAGE_BYTES = 15 * 1024 * 1024
READ_RETRIES = 2
RETRY_PAUSES = (0.2, 0.6)
LOGGED_PARAMS = ("id", "video_id", "category_id", "offset", "userId", "serviceId", "videoId", "identifier", "type")


class MegogoError(PluginError):
    """MEGOGO could not be asked or answered with a failure (network, 5xx, malformed answer)."""


class MegogoRefused(MegogoError):
    """MEGOGO answered and said no (`code` and message from its envelope)."""

    def __init__(self, message: str, *, code: Any = None) -> None:
        super().__init__(message)
        self.code = code


class _Retryable(Exception):
    pass


def _reason(exc: Exception) -> str:
    """What went wrong, without the request's address: its query carries the sign and tokens."""
    if isinstance(exc, _Retryable):
        return str(exc)
    return failure_reason(exc)


class MegogoClient:
    """Calls of one MEGOGO integration. Thread-safe: each thread keeps its own HTTP session."""

    def __init__(self, config: MegogoConfig, *, timeout: tuple[float, float] = DEFAULT_TIMEOUT,
                 pool_size: int = 32) -> None:
        self.config = config
        self.timeout = timeout
        self.pool_size = pool_size
        self._sessions = ThreadSessions(pool_size=pool_size, user_agent="tvmiddleware-megogo/1")

    # --- transport (the cinema kit's per-thread sessions) ---------------------------------------
    @property
    def session(self) -> requests.Session:
        return self._sessions.session

    def close(self) -> None:
        """Close the connections of every thread (after a sync run; later calls open new ones)."""
        self._sessions.close()

    def _get(self, url: str, *, label: str, params: list[tuple[str, Any]], retries: int,
             log_level: int = logging.DEBUG) -> requests.Response:
        query = urlencode(params)
        shown = {k: v for k, v in params if k in LOGGED_PARAMS}
        attempt = 0
        while True:
            started = time.perf_counter()
            try:
                response = self.session.get(f"{url}?{query}" if query else url, timeout=self.timeout)
                if response.status_code >= 500:
                    raise _Retryable(f"HTTP {response.status_code}")
            except (requests.ConnectionError, requests.Timeout, _Retryable) as exc:
                elapsed = (time.perf_counter() - started) * 1000
                if attempt < retries:
                    logger.info("megogo %s %s failed (%s, %.0f ms), retrying", label, shown, _reason(exc), elapsed)
                    time.sleep(RETRY_PAUSES[min(attempt, len(RETRY_PAUSES) - 1)])
                    attempt += 1
                    continue
                logger.warning("megogo %s %s failed: %s (%.0f ms)", label, shown, _reason(exc), elapsed)
                raise MegogoError(f"MEGOGO {label} failed: {_reason(exc)}") from None
            except requests.RequestException as exc:
                logger.warning("megogo %s %s failed: %s", label, shown, _reason(exc))
                raise MegogoError(f"MEGOGO {label} failed: {_reason(exc)}") from None
            logger.log(log_level, "megogo %s %s -> HTTP %s (%.0f ms)", label, shown, response.status_code,
                       (time.perf_counter() - started) * 1000)
            return response

    @staticmethod
    def _json(response: requests.Response, label: str) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise MegogoError(f"MEGOGO {label}: the answer is not JSON (HTTP {response.status_code})") from exc

    # --- client API -------------------------------------------------------------------------------
    def call(self, method: str, params: list[tuple[str, Any]] | None = None, *, kind: str = "stb",
             retries: int = READ_RETRIES, log_level: int = logging.DEBUG) -> dict[str, Any]:
        """A signed client API call; returns `data` of an "ok" answer, raises otherwise."""
        params = [(k, v) for k, v in (params or []) if v is not None]
        pair = self.config.key_pair(kind)
        signed = [*params, ("sign", sign(params, pair.private, pair.public))]
        response = self._get(f"{self.config.api_url}/{method}", label=method, params=signed, retries=retries,
                             log_level=log_level)
        body = self._json(response, method)
        if not isinstance(body, dict):
            raise MegogoError(f"MEGOGO {method}: unexpected answer")
        if body.get("result") != "ok":
            raise MegogoRefused(f"MEGOGO {method}: {body.get('message') or 'error'} (code {body.get('code')})",
                                code=body.get("code"))
        data = body.get("data")
        return data if isinstance(data, dict) else {"items": data}

    def configuration(self) -> dict[str, Any]:
        return self.call("configuration")

    def video_page(self, *, category_id: Any, limit: int, offset: int) -> dict[str, Any]:
        return self.call("video", [("category_id", category_id), ("limit", limit), ("offset", offset),
                                   ("sort", "id")])

    def video_info(self, video_id: Any) -> dict[str, Any]:
        return self.call("video/info", [("id", video_id)])

    def collections(self) -> dict[str, Any]:
        return self.call("collections")

    def collection(self, collection_id: Any) -> dict[str, Any]:
        return self.call("video/collection", [("id", collection_id)])

    def access_token(self, *, isdn: str, kind: str) -> str:
        """Sign the partner user `isdn` on (`auth/by_partners`) and return its access token."""
        token = partner_token(isdn, self.config.partner_id, self.config.salt)
        data = self.call("auth/by_partners", [("isdn", isdn), ("partner_key", self.config.partner_id),
                                              ("token", token)], kind=kind, log_level=logging.INFO)
        access = ((data.get("tokens") or {}).get("access_token")) if isinstance(data.get("tokens"), dict) else None
        if not access:
            raise MegogoError("MEGOGO auth/by_partners: no access token in the answer")
        return str(access)

    def stream(self, *, video_id: Any, access_token: str, kind: str) -> dict[str, Any]:
        return self.call("stream", [("video_id", video_id), ("access_token", access_token)], kind=kind,
                         log_level=logging.INFO)

    # --- partner billing --------------------------------------------------------------------------
    def billing(self, method: str, params: list[tuple[str, Any]]) -> dict[str, Any]:
        """A partner billing call; returns the answer when `successful`, raises otherwise."""
        if not self.config.billing_url:
            raise MegogoError("MEGOGO billing address is not configured")
        response = self._get(f"{self.config.billing_url}/{method}", label=method, params=params, retries=0,
                             log_level=logging.INFO)
        body = self._json(response, method)
        if not isinstance(body, dict):
            raise MegogoError(f"MEGOGO {method}: unexpected answer")
        if not body.get("successful"):
            raise MegogoRefused(f"MEGOGO {method}: {body.get('message') or 'refused'}", code=body.get("code"))
        return body

    def user_create(self, identifier: str) -> dict[str, Any]:
        return self.billing("user/create", [("identifier", identifier)])

    def subscribe(self, user_id: str, service_id: str) -> dict[str, Any]:
        return self.billing("subscription/subscribe", [("userId", user_id), ("serviceId", service_id)])

    def unsubscribe(self, user_id: str, service_id: str) -> dict[str, Any]:
        return self.billing("subscription/unsubscribe", [("userId", user_id), ("serviceId", service_id)])

    def purchase(self, *, user_id: str, video_id: str, kind: str, price: str) -> dict[str, Any]:
        """TVOD/DTO purchase of a title for a partner user. An assumed call (see the module doc)."""
        return self.billing("purchase/create", [("userId", user_id), ("videoId", video_id), ("type", kind),
                                                ("price", price)])

    # --- feed and images --------------------------------------------------------------------------
    def iter_feed(self) -> Iterator[tuple[str, dict[str, str], bytes]]:
        """The catalogue XML feed (`all_mgg.xml`) object by object, streamed: (id, attributes, raw XML)."""
        from xml.etree.ElementTree import tostring

        from defusedxml.ElementTree import iterparse

        if not self.config.xml_url:
            raise MegogoError("xml_url is not configured")
        started = time.perf_counter()
        try:
            response = self.session.get(self.config.xml_url, timeout=self.timeout, stream=True)
        except requests.RequestException as exc:
            raise MegogoError(f"MEGOGO feed failed: {_reason(exc)}") from None
        if response.status_code != 200:
            response.close()
            raise MegogoError(f"MEGOGO feed: HTTP {response.status_code}")
        response.raw.decode_content = True
        count = 0
        try:
            for _event, element in iterparse(response.raw, events=("end",)):
                if element.tag != "object":
                    continue
                count += 1
                yield element.get("id", ""), dict(element.attrib), tostring(element)
                element.clear()
        except Exception as exc:  # a broken feed (XML error, dropped connection)
            raise MegogoError(f"MEGOGO feed is broken: {exc}") from exc
        finally:
            response.close()
        logger.info("megogo feed: %s objects (%.1f s)", count, time.perf_counter() - started)

    def download(self, url: str) -> bytes:
        """An image (cover) from MEGOGO's CDN."""
        response = self._get(url, label="image", params=[], retries=READ_RETRIES)
        if response.status_code != 200:
            raise MegogoError(f"image download: HTTP {response.status_code}")
        if len(response.content) > MAX_IMAGE_BYTES:
            raise MegogoError("image download: too large")
        return response.content
