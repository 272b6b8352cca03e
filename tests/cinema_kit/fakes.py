"""A fake generic SVOD partner (the assumed Start / PREMIER contract) on 127.0.0.1 (served by the
cinema fakes' base, `tests.cinema_kit.fake_partner`).

The fake checks what the partner would check — the Bearer token, that a user exists before it is
subscribed, that the service id is the operator's — keeps users and subscriptions, and serves the
catalogue as a paged JSON feed (`/catalogue?page=N`) and as one XML document (`/catalogue.xml`),
and takes Start's viewing statistics (`POST /statistics/views`) of its users and titles.
`down = 503` makes every call answer 503; `FakeSvodPartner.large(5000)` has a catalogue of that many
titles.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote
from xml.sax.saxutils import escape, quoteattr

from tests.cinema_kit.fake_partner import FakePartner, Reply, Request, free_port, json_reply

__all__ = ["SERVICE_ID", "TOKEN", "FakeSvodPartner", "free_port", "make_titles", "to_xml"]

TOKEN = "svod-partner-token-42"
SERVICE_ID = "svod-basic"


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
class FakeSvodPartner(FakePartner):
    """State of the partner; the requests it received are the base's `log`."""

    routes = [
        ("GET", "/catalogue", "_json_page"),
        ("GET", "/catalogue.xml", "_xml"),
        ("POST", "/users", "_create_user"),
        ("POST", "/statistics/views", "_view"),
        ("GET", "/users/([^/]+)/subscriptions/([^/]+)", "_status"),
        ("POST", "/users/([^/]+)/subscriptions", "_subscribe"),
        ("DELETE", "/users/([^/]+)/subscriptions/([^/]+)", "_unsubscribe"),
    ]

    token: str = TOKEN
    service_id: str = SERVICE_ID
    titles: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 100
    users: set[str] = field(default_factory=set)
    subscriptions: dict[tuple[str, str], bool] = field(default_factory=dict)  # (user, service) → active
    activations: int = 0             # inactive → active transitions
    views: list[dict[str, Any]] = field(default_factory=list)  # viewing statistics received (Start)

    @classmethod
    def large(cls, count: int, **kwargs: Any) -> "FakeSvodPartner":
        return cls(titles=make_titles(count), **kwargs)

    @property
    def requests(self) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.log]

    def active_subscriptions(self) -> list[tuple[str, str]]:
        return sorted(key for key, active in self.subscriptions.items() if active)

    def calls(self, method: str, prefix: str = "") -> list[str]:
        return [r.path for r in self.calls_to(method, prefix)]

    # HTTP -------------------------------------------------------------------------------------------
    def check(self, request: Request) -> Reply | None:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return json_reply(401, {"error": "bad token"})
        return None

    def _json_page(self, request: Request) -> Reply:
        page = int(request.params.get("page", "1"))
        start = (page - 1) * self.page_size
        items = self.titles[start:start + self.page_size]
        next_url = f"/catalogue?page={page + 1}" if start + self.page_size < len(self.titles) else None
        return json_reply(200, {"items": items, "next": next_url})

    def _xml(self, request: Request) -> Reply:
        return Reply(200, to_xml(self.titles), content_type="application/xml")

    def _create_user(self, request: Request) -> Reply:
        user = str(request.json().get("user_id", ""))
        if not user:
            return json_reply(400, {"error": "user_id required"})
        if user in self.users:
            return json_reply(409, {"error": "exists"})
        self.users.add(user)
        return json_reply(201, {"user_id": user})

    def _view(self, request: Request) -> Reply:
        """Start's viewing statistics: a known user, a title of the catalogue, a position in seconds."""
        body = request.json()
        user, content = str(body.get("user_id", "")), str(body.get("content_id", ""))
        if user not in self.users:
            return json_reply(404, {"error": "unknown user"})
        if content not in {str(t.get("id")) for t in self.titles}:
            return json_reply(404, {"error": "unknown content"})
        if not isinstance(body.get("position"), int) or body["position"] < 0 or not body.get("device_type"):
            return json_reply(400, {"error": "position and device_type required"})
        self.views.append(body)
        return json_reply(202, {"accepted": True})

    def _status(self, request: Request, user: str, service: str) -> Reply:
        user, service = unquote(user), unquote(service)
        if user not in self.users or (user, service) not in self.subscriptions:
            return json_reply(404, {"error": "not subscribed"})
        active = self.subscriptions[(user, service)]
        return json_reply(200, {"status": "active" if active else "inactive", "expires_at": None})

    def _subscribe(self, request: Request, user: str) -> Reply:
        user, service = unquote(user), str(request.json().get("service_id", ""))
        if user not in self.users:
            return json_reply(404, {"error": "unknown user"})
        if service != self.service_id:
            return json_reply(400, {"error": "unknown service"})
        if self.subscriptions.get((user, service)):
            return json_reply(409, {"error": "already subscribed"})
        self.subscriptions[(user, service)] = True
        self.activations += 1
        return json_reply(201, {"status": "active"})

    def _unsubscribe(self, request: Request, user: str, service: str) -> Reply:
        user, service = unquote(user), unquote(service)
        if not self.subscriptions.get((user, service)):
            return json_reply(404, {"error": "not subscribed"})
        self.subscriptions[(user, service)] = False
        return json_reply(204)
