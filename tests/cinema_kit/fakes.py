"""A fake generic SVOD partner (the assumed Start / PREMIER contract) on 127.0.0.1, and the loopback
HTTP server the cinema fakes share.

The fake checks what the partner would check — the Bearer token, that a user exists before it is
subscribed, that the service id is the operator's — keeps users and subscriptions, and serves the
catalogue as a paged JSON feed (`/catalogue?page=N`) and as one XML document (`/catalogue.xml`),
and takes Start's viewing statistics (`POST /statistics/views`) of its users and titles.
`down = 503` makes every call answer 503; `large=5000` generates a catalogue of that many titles.
"""
from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape, quoteattr

TOKEN = "svod-partner-token-42"
SERVICE_ID = "svod-basic"


# --- the loopback server ---------------------------------------------------------------------------

class LoopbackServer:
    """A real HTTP server on 127.0.0.1 (a free port) running `handle(handler, method)` in threads."""

    def __init__(self, handle: Callable[[BaseHTTPRequestHandler, str], None]) -> None:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet test output
                pass

            def do_GET(self) -> None:
                handle(self, "GET")

            def do_POST(self) -> None:
                handle(self, "POST")

            def do_DELETE(self) -> None:
                handle(self, "DELETE")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def answer(handler: BaseHTTPRequestHandler, status: int, body: Any = None, *, content_type: str = "application/json",
           raw: bytes | None = None) -> None:
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def read_body(handler: BaseHTTPRequestHandler) -> bytes:
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


def free_port() -> int:
    """A port nothing listens on (for "connection refused")."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- generated catalogue ---------------------------------------------------------------------------

GENRES = [("1", "Comedy"), ("2", "Drama"), ("3", "Thriller"), ("4", "Documentary"), ("5", "Animation")]


def make_titles(count: int, *, prefix: str = "st") -> list[dict[str, Any]]:
    """`count` titles in the feed's JSON shape; every tenth is a series of 2 seasons × 3 episodes."""
    titles = []
    for n in range(1, count + 1):
        title: dict[str, Any] = {
            "id": f"{prefix}-{n}", "title": f"Title {n}", "original_title": f"Original {n}",
            "description": f"Story of title {n}.", "year": 1980 + n % 45, "countries": ["RU", "US"][: 1 + n % 2],
            "duration": 80 + n % 60, "age_rating": [0, 6, 12, 16, 18][n % 5], "rating_imdb": round(5 + (n % 50) / 10, 1),
            "rating_kinopoisk": round(5.5 + (n % 40) / 10, 1), "poster": f"https://img.example/{prefix}/{n}.jpg",
            "director": f"Director {n % 97}",
            "genres": [{"id": g, "name": name} for g, name in (GENRES[n % 5], GENRES[(n + 2) % 5])],
            "is_series": n % 10 == 0,
        }
        if n % 10 == 0:
            title["seasons"] = [
                {"id": f"{prefix}-{n}-s{s}", "number": s, "title": f"Season {s}",
                 "episodes": [{"id": f"{prefix}-{n}-s{s}e{e}", "number": e, "title": f"Episode {e}", "duration": 45,
                               "description": f"Episode {e} of season {s}."} for e in range(1, 4)]}
                for s in (1, 2)]
        titles.append(title)
    return titles


def to_xml(titles: list[dict[str, Any]]) -> bytes:
    """The same titles as the XML feed of `cinema_kit.feeds`."""
    out = ["<?xml version='1.0' encoding='utf-8'?>", "<catalogue>"]
    for t in titles:
        out.append(f"<item id={quoteattr(t['id'])}>")
        for key in ("title", "original_title", "description", "year", "duration", "age_rating", "rating_imdb",
                    "rating_kinopoisk", "poster", "director"):
            if key in t:
                out.append(f"<{key}>{escape(str(t[key]))}</{key}>")
        countries = t.get("countries", [])
        out.append(f"<countries>{escape(', '.join(countries) if isinstance(countries, list) else countries)}</countries>")
        out.append("<genres>" + "".join(f"<genre id={quoteattr(g['id'])}>{escape(g['name'])}</genre>"
                                        for g in t.get("genres", [])) + "</genres>")
        out.append(f"<is_series>{1 if t.get('is_series') else 0}</is_series>")
        if t.get("seasons"):
            out.append("<seasons>")
            for s in t["seasons"]:
                out.append(f"<season id={quoteattr(s['id'])} number=\"{s['number']}\" title={quoteattr(s['title'])}>")
                for e in s["episodes"]:
                    out.append(f"<episode id={quoteattr(e['id'])} number=\"{e['number']}\" "
                               f"title={quoteattr(e['title'])} duration=\"{e['duration']}\">"
                               f"{escape(e['description'])}</episode>")
                out.append("</season>")
            out.append("</seasons>")
        out.append("</item>")
    out.append("</catalogue>")
    return "\n".join(out).encode("utf-8")


# --- the fake partner ------------------------------------------------------------------------------

@dataclass
class FakeSvodPartner:
    """State of the partner and the requests it received."""

    token: str = TOKEN
    service_id: str = SERVICE_ID
    titles: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 100
    users: set[str] = field(default_factory=set)
    subscriptions: dict[tuple[str, str], bool] = field(default_factory=dict)  # (user, service) → active
    activations: int = 0             # inactive → active transitions
    requests: list[tuple[str, str]] = field(default_factory=list)
    views: list[dict[str, Any]] = field(default_factory=list)  # viewing statistics received (Start)
    down: int | None = None          # answer every call with this status (e.g. 503)
    server: LoopbackServer | None = None

    def __post_init__(self) -> None:
        self.lock = threading.Lock()

    @classmethod
    def start(cls, *, large: int = 0, **kwargs: Any) -> "FakeSvodPartner":
        fake = cls(**kwargs)
        if large:
            fake.titles = make_titles(large)
        fake.server = LoopbackServer(fake.handle)
        return fake

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def active_subscriptions(self) -> list[tuple[str, str]]:
        return sorted(key for key, active in self.subscriptions.items() if active)

    def calls(self, method: str, prefix: str = "") -> list[str]:
        return [p for m, p in self.requests if m == method and p.startswith(prefix)]

    # HTTP -------------------------------------------------------------------------------------------
    def handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(h.path)
        raw = read_body(h)
        with self.lock:
            self.requests.append((method, url.path))
            if self.down:
                return answer(h, self.down, {"error": "maintenance"})
            if h.headers.get("Authorization") != f"Bearer {self.token}":
                return answer(h, 401, {"error": "bad token"})
            body = json.loads(raw) if raw else {}
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            path = url.path
            if method == "GET" and path == "/catalogue":
                return self._json_page(h, int(query.get("page", "1")))
            if method == "GET" and path == "/catalogue.xml":
                return answer(h, 200, raw=to_xml(self.titles), content_type="application/xml")
            if method == "POST" and path == "/users":
                return self._create_user(h, body)
            if method == "POST" and path == "/statistics/views":
                return self._view(h, body)
            match = re.fullmatch(r"/users/([^/]+)/subscriptions(?:/([^/]+))?", path)
            if match:
                user, service = unquote(match.group(1)), unquote(match.group(2) or "")
                if method == "GET" and service:
                    return self._status(h, user, service)
                if method == "POST" and not service:
                    return self._subscribe(h, user, str(body.get("service_id", "")))
                if method == "DELETE" and service:
                    return self._unsubscribe(h, user, service)
            return answer(h, 404, {"error": "no such path"})

    def _json_page(self, h: BaseHTTPRequestHandler, page: int) -> None:
        start = (page - 1) * self.page_size
        items = self.titles[start:start + self.page_size]
        next_url = f"/catalogue?page={page + 1}" if start + self.page_size < len(self.titles) else None
        answer(h, 200, {"items": items, "next": next_url})

    def _create_user(self, h: BaseHTTPRequestHandler, body: dict) -> None:
        user = str(body.get("user_id", ""))
        if not user:
            return answer(h, 400, {"error": "user_id required"})
        if user in self.users:
            return answer(h, 409, {"error": "exists"})
        self.users.add(user)
        answer(h, 201, {"user_id": user})

    def _view(self, h: BaseHTTPRequestHandler, body: dict) -> None:
        """Start's viewing statistics: a known user, a title of the catalogue, a position in seconds."""
        user, content = str(body.get("user_id", "")), str(body.get("content_id", ""))
        if user not in self.users:
            return answer(h, 404, {"error": "unknown user"})
        if content not in {str(t.get("id")) for t in self.titles}:
            return answer(h, 404, {"error": "unknown content"})
        if not isinstance(body.get("position"), int) or body["position"] < 0 or not body.get("device_type"):
            return answer(h, 400, {"error": "position and device_type required"})
        self.views.append(body)
        answer(h, 202, {"accepted": True})

    def _status(self, h: BaseHTTPRequestHandler, user: str, service: str) -> None:
        if user not in self.users or (user, service) not in self.subscriptions:
            return answer(h, 404, {"error": "not subscribed"})
        active = self.subscriptions[(user, service)]
        answer(h, 200, {"status": "active" if active else "inactive", "expires_at": None})

    def _subscribe(self, h: BaseHTTPRequestHandler, user: str, service: str) -> None:
        if user not in self.users:
            return answer(h, 404, {"error": "unknown user"})
        if service != self.service_id:
            return answer(h, 400, {"error": "unknown service"})
        if self.subscriptions.get((user, service)):
            return answer(h, 409, {"error": "already subscribed"})
        self.subscriptions[(user, service)] = True
        self.activations += 1
        answer(h, 201, {"status": "active"})

    def _unsubscribe(self, h: BaseHTTPRequestHandler, user: str, service: str) -> None:
        if not self.subscriptions.get((user, service)):
            return answer(h, 404, {"error": "not subscribed"})
        self.subscriptions[(user, service)] = False
        answer(h, 204)
