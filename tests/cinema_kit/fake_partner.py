"""The server plumbing every cinema fake shares (MEGOGO, tvzavr, the generic SVOD partner of Start and
PREMIER): a real threaded HTTP/1.1 server on 127.0.0.1 (a free port) in front of a small partner.

A fake is a subclass of `FakePartner` that declares its `routes` (method, path pattern, handler) and,
where the partner checks who calls, a `check` hook (a token, a signature: an answer refuses the call).
Handlers take the `Request` (and the pattern's groups) and return a `Reply`; they run one at a time
under the fake's `lock`, so a handler reads and changes the fake's state freely. The base keeps the
request log (`log`, the `Request`s in order; `hits`, the count per path) and injects trouble:

- `delay`: seconds slept before every answer; `running`: cleared, holds every answer until set
  again (makes "while a sync runs" exact);
- `down`: a status every call answers with (e.g. 503), before any check;
- `fail(pattern, status)`: calls to matching paths answer `status` (from then on, or `times` times).

`start()` serves (returns the fake), `stop()` ends the server; `serving(fake)` does both around a
block (a fixture: `with serving(FakeX(...)) as fake: yield fake`). No Django here: a benchmark runs a
fake in its own process.
"""
from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Iterator, TypeVar
from urllib.parse import parse_qsl, urlsplit

F = TypeVar("F", bound="FakePartner")


@dataclass
class Request:
    """One call the fake received."""

    method: str
    path: str
    query: list[tuple[str, str]]  # in the order sent, blanks kept (signatures are over the order)
    headers: Any
    body: bytes = b""

    @property
    def params(self) -> dict[str, str]:
        return dict(self.query)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else {}

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "application/json"


def json_reply(status: int, body: Any = None) -> Reply:
    return Reply(status, json.dumps(body).encode() if body is not None else b"")


def free_port() -> int:
    """A port nothing listens on (for "connection refused")."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Failure:
    pattern: str
    status: int
    times: int | None  # None: every time
    body: Any = None


@dataclass(eq=False)  # a fake is itself: compared and hashed by identity
class FakePartner:
    """The base of a cinema fake (module doc)."""

    routes: ClassVar[list[tuple[str, str, str]]] = []  # (method, path regex, handler method name)
    not_found_body: ClassVar[Any] = {"error": "no such path"}
    down_body: ClassVar[Any] = {"error": "maintenance"}

    delay: float = 0.0
    down: int | None = None
    keep_log: bool = True  # False: only `hits` (a large benchmark catalogue)
    log: list[Request] = field(default_factory=list, repr=False)
    hits: Counter = field(default_factory=Counter, repr=False)
    failures: list[Failure] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.running = threading.Event()
        self.running.set()
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None
        self._routes = [(method, re.compile(pattern), name) for method, pattern, name in self.routes]

    # --- hooks of a fake -------------------------------------------------------------------------
    def check(self, request: Request) -> Reply | None:
        """What the partner checks of every call (auth, signature): a reply refuses it."""
        return None

    def failure(self, request: Request) -> Reply | None:
        """Injected trouble: `down`, then the `fail` rules (a fake may add its own)."""
        if self.down:
            return json_reply(self.down, self.down_body)
        for rule in self.failures:
            if rule.times != 0 and re.fullmatch(rule.pattern, request.path):
                if rule.times is not None:
                    rule.times -= 1
                return json_reply(rule.status, rule.body)
        return None

    def fail(self, pattern: str, status: int = 500, *, times: int | None = None, body: Any = None) -> None:
        """Calls to paths matching `pattern` answer `status` (every time, or the next `times` times)."""
        with self.lock:
            self.failures.append(Failure(pattern, status, times, body if body is not None else {"error": "injected"}))

    # --- the request log -------------------------------------------------------------------------
    def calls_to(self, method: str, prefix: str = "") -> list[Request]:
        with self.lock:
            return [r for r in self.log if r.method == method and r.path.startswith(prefix)]

    # --- serving ---------------------------------------------------------------------------------
    def respond(self, request: Request) -> Reply:
        """Log, inject trouble, check, route: the answer to one call (under the lock)."""
        with self.lock:
            self.hits[request.path] += 1
            if self.keep_log:
                self.log.append(request)
            reply = self.failure(request) or self.check(request)
            if reply is not None:
                return reply
            for method, pattern, name in self._routes:
                match = pattern.fullmatch(request.path)
                if match and method == request.method:
                    return getattr(self, name)(request, *match.groups())
            return json_reply(404, self.not_found_body)

    def start(self: F) -> F:
        handler = type("Handler", (_Handler,), {"fake": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.server.request_queue_size = 128
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       name=type(self).__name__, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    @property
    def url(self) -> str:
        assert self.server is not None, "the fake is not started"
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"


@contextmanager
def serving(fake: F) -> Iterator[F]:
    """The fake serving for the block (the start/stop of a fixture)."""
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stalls
    fake: FakePartner

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fake = self.fake
        if fake.delay:
            time.sleep(fake.delay)
        fake.running.wait(120)
        parts = urlsplit(self.path)
        request = Request(self.command, parts.path, parse_qsl(parts.query, keep_blank_values=True), self.headers,
                          body)
        reply = fake.respond(request)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    do_GET = do_POST = do_DELETE = do_PUT = _serve  # noqa: N815
