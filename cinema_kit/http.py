"""HTTP plumbing shared by the online-cinema partner clients (MEGOGO, tvzavr, Start, PREMIER).

Clients that call a partner from many threads at once (MEGOGO's sync) keep a session per thread
(`ThreadSessions`) and word failures with `failure_reason` (never the URL, whose query carries signs).

Every partner call of the other clients goes through `PartnerHTTP.request`: a timeout on every call, automatic retries
only for methods that are safe to repeat (GET, DELETE) on connection errors and 502/503/504, and
one structured log line per call — partner, integration id, method, path (never the query string,
headers or body, which carry keys and signatures), status and duration. A failure of the partner
(no answer, timeout, refused connection) is raised as `PluginError`, which the outbox retries.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from tvmiddleware.plugins import PluginError

DEFAULT_TIMEOUT = 15.0
SAFE_METHODS = frozenset({"GET", "DELETE"})


def parse_timeout(value: str, default: float = DEFAULT_TIMEOUT) -> float:
    """An operator-typed timeout in seconds (0 < t ≤ 120), or the default."""
    try:
        timeout = float(value)
    except (TypeError, ValueError):
        return default
    return timeout if 0 < timeout <= 120 else default


def timeout_problem(value: str) -> str | None:
    """The admin message for a bad `timeout` attribute, or None when it is empty or valid."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        if 0 < float(value) <= 120:
            return None
    except ValueError:
        pass
    return "Seconds, a number above 0 and at most 120."


def url_problem(value: str, *, required: bool) -> str | None:
    """The admin message for a bad base URL attribute, or None."""
    value = (value or "").strip()
    if not value:
        return "Required: the partner's base URL (http:// or https://)." if required else None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "An http:// or https:// URL."
    return None


def failure_reason(exc: BaseException) -> str:
    """What went wrong with a call, without the request's address (its query may carry signs and
    tokens): "timed out", "connection failed" or the exception's type."""
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed"
    return type(exc).__name__


class ThreadSessions:
    """One `requests.Session` per thread (a sync's thread pool calls the partner concurrently), each
    with its own connection pool and no automatic retries (the client decides what to retry)."""

    def __init__(self, *, pool_size: int = 32, user_agent: str = "tvmiddleware") -> None:
        self.pool_size = pool_size
        self.user_agent = user_agent
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    @property
    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=self.pool_size, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.headers["User-Agent"] = self.user_agent
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        """Close the connections of every thread (later calls open new ones)."""
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
        self._local = threading.local()


class PartnerHTTP:
    """A requests session for one partner integration, with the rules of the module docstring."""

    def __init__(self, *, partner: str, system_id: int | None, timeout: float, logger: logging.Logger,
                 retries: int = 2) -> None:
        self.partner = partner
        self.system_id = system_id
        self.timeout = timeout
        self.logger = logger
        self.session = requests.Session()
        retry = Retry(total=retries, connect=retries, read=retries, status=retries, backoff_factor=0.2,
                      status_forcelist=(502, 503, 504), allowed_methods=SAFE_METHODS, raise_on_status=False)
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """Send one request; raises `PluginError` when the partner cannot be reached."""
        path = urlsplit(url).path
        started = time.monotonic()
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            self.logger.warning("partner=%s system=%s %s %s failed after %.0f ms: %s", self.partner,
                                self.system_id, method, path, (time.monotonic() - started) * 1000,
                                type(exc).__name__)
            raise PluginError(f"{self.partner} unreachable: {type(exc).__name__}") from exc
        self.logger.info("partner=%s system=%s %s %s -> %s in %.0f ms", self.partner, self.system_id, method,
                         path, response.status_code, (time.monotonic() - started) * 1000)
        return response

    def close(self) -> None:
        self.session.close()
