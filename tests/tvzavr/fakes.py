"""A fake tvzavr on 127.0.0.1 speaking the assumed contract of `tvzavr.client`.

It checks what tvzavr would check — `plf` and the md5 `sign` of every request (computed here
independently of the client), that a user exists before it is subscribed, that the tariff is the
operator's package — and keeps users and subscriptions with paid-until dates. The catalogue is
served in pages (`limit` capped at `max_limit`); `FakeTvzavr.large(5000)` has that many clips, every
tenth a serial. `down = 503` makes every call answer 503.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone as dt_timezone
from typing import Any, ClassVar

from tests.cinema_kit.fake_partner import FakePartner, Reply, Request, json_reply

PLF = "plf-operator-7"
SECRET = "tvzavr-secret-s3cr3t"
PACKAGE = "tvz-svod-1"
GENRES = [{"id": 11, "name": "Комедия"}, {"id": 12, "name": "Драма"}, {"id": 13, "name": "Триллер"},
          {"id": 14, "name": "Мультфильм"}]


def expected_sign(params: dict[str, str], secret: str) -> str:
    """sign = md5(k1=v1k2=v2… over the parameters sorted by name, without `sign`, + secret)."""
    text = "".join(f"{k}={params[k]}" for k in sorted(params) if k != "sign")
    return hashlib.md5((text + secret).encode("utf-8")).hexdigest()


def make_clips(count: int, *, start: int = 1) -> list[dict[str, Any]]:
    """`count` clips in tvzavr's shape; every tenth a serial with 2 seasons × 4 episodes."""
    clips = []
    for n in range(start, start + count):
        clip: dict[str, Any] = {
            "clip__id": n, "clip__name": f"Фильм {n}", "clip__name_orig": f"Film {n}",
            "clip__description": f"Описание {n}.", "clip__year": 1990 + n % 35, "clip__duration": 5400 + n % 30 * 60,
            "clip__age": [0, 6, 12, 16, 18][n % 5], "clip__countries": ["Россия", "США"][: 1 + n % 2],
            "clip__director": f"Режиссёр {n % 50}", "clip__poster": f"https://static.tvzavr.example/{n}.jpg",
            "clip__imdb_rate": round(5 + (n % 50) / 10, 1), "clip__kinopoisk_rate": round(6 + (n % 40) / 10, 1),
            "clip__genres": [GENRES[n % 4]["id"], GENRES[(n + 1) % 4]["id"]], "clip__is_serial": n % 10 == 0,
        }
        if n % 10 == 0:
            clip["clip__seasons"] = [
                {"season__id": n * 100 + s, "season__number": s, "season__name": f"Сезон {s}",
                 "episodes": [{"clip__id": n * 10_000 + s * 100 + e, "episode__number": e,
                               "clip__name": f"Серия {e}", "clip__duration": 2700} for e in range(1, 5)]}
                for s in (1, 2)]
        clips.append(clip)
    return clips


@dataclass
class FakeTvzavr(FakePartner):
    routes = [
        ("GET", "/api/3.0/catalog/list_filters", "_filters"),
        ("GET", "/api/3.0/catalog/get", "_catalogue"),
        ("POST", "/api/3.0/partner/user/create", "_create_user"),
        ("GET", "/api/3.0/partner/subscription/status", "_status"),
        ("POST", "/api/3.0/partner/subscription/subscribe", "_subscribe"),
        ("POST", "/api/3.0/partner/subscription/unsubscribe", "_unsubscribe"),
    ]
    not_found_body = {"error": {"code": "not_found"}}
    down_body = {"error": {"code": "maintenance", "message": "down"}}

    plf: str = PLF
    secret: str = SECRET
    packages: set[str] = field(default_factory=lambda: {PACKAGE})
    clips: list[dict[str, Any]] = field(default_factory=list)
    max_limit: int = 100
    users: set[str] = field(default_factory=set)
    subscriptions: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (user, package)
    activations: int = 0           # subscriptions opened (inactive → active)
    renewals: int = 0              # paid-until moved later on an active subscription
    bad_signs: int = 0
    fail_from_offset: int | None = None  # catalog/get answers 500 from this offset on (a failure mid-way)

    @classmethod
    def large(cls, count: int, **kwargs: Any) -> "FakeTvzavr":
        return cls(clips=make_clips(count), **kwargs)

    @staticmethod
    def params(request: Request) -> dict[str, str]:
        """The query and, for a POST, the form: tvzavr signs them together."""
        return {**request.params, **(request.form() if request.method == "POST" else {})}

    @property
    def requests(self) -> list[tuple[str, str, dict[str, str]]]:
        return [(r.method, r.path, self.params(r)) for r in self.log]

    @staticmethod
    def now() -> datetime:
        return datetime.now(dt_timezone.utc)

    def is_active(self, user: str, package: str = PACKAGE) -> bool:
        record = self.subscriptions.get((user, package))
        return bool(record and record["active"] and record["until"] > self.now())

    def active_users(self) -> list[str]:
        return sorted(user for (user, _), _record in self.subscriptions.items() if self.is_active(user))

    def calls(self, path_end: str) -> int:
        return sum(1 for r in self.log if r.path.endswith(path_end))

    # HTTP -------------------------------------------------------------------------------------------
    def check(self, request: Request) -> Reply | None:
        params = self.params(request)
        if params.get("plf") != self.plf or params.get("sign") != expected_sign(params, self.secret):
            self.bad_signs += 1
            return json_reply(403, {"error": {"code": "bad_sign", "message": "signature mismatch"}})
        return None

    def _filters(self, request: Request) -> Reply:
        if self.params(request).get("type") != "genre":
            return json_reply(400, {"error": {"code": "bad_type"}})
        return json_reply(200, {"result": GENRES})

    def _catalogue(self, request: Request) -> Reply:
        p = self.params(request)
        try:
            limit, offset = int(p["limit"]), int(p["offset"])
        except (KeyError, ValueError):
            return json_reply(400, {"error": {"code": "bad_paging"}})
        limit = min(limit, self.max_limit)
        if self.fail_from_offset is not None and offset >= self.fail_from_offset:
            return json_reply(500, {"error": {"code": "internal"}})
        return json_reply(200, {"result": self.clips[offset:offset + limit]})

    def _create_user(self, request: Request) -> Reply:
        p = self.params(request)
        if not p.get("user"):
            return json_reply(400, {"error": {"code": "user_required"}})
        self.users.add(p["user"])
        return json_reply(200, {"result": {"user": p["user"]}})

    def _state(self, user: str, package: str) -> dict[str, Any]:
        record = self.subscriptions.get((user, package))
        if record is None:
            return {"active": False, "until": None}
        return {"active": self.is_active(user, package), "until": record["until"].strftime("%Y-%m-%dT%H:%M:%SZ")}

    def _package(self, p: dict[str, str]) -> str | None:
        return p["tariff"] if p.get("tariff") in self.packages else None

    UNKNOWN_TARIFF: ClassVar[dict] = {"error": {"code": "unknown_tariff"}}

    def _status(self, request: Request) -> Reply:
        p = self.params(request)
        if (package := self._package(p)) is None:
            return json_reply(400, self.UNKNOWN_TARIFF)
        return json_reply(200, {"result": self._state(p.get("user", ""), package)})

    def _subscribe(self, request: Request) -> Reply:
        p = self.params(request)
        if (package := self._package(p)) is None:
            return json_reply(400, self.UNKNOWN_TARIFF)
        user = p.get("user", "")
        if user not in self.users:
            return json_reply(404, {"error": {"code": "user_not_found"}})
        try:
            until = datetime.strptime(p["until"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt_timezone.utc)
        except (KeyError, ValueError):
            return json_reply(400, {"error": {"code": "bad_until"}})
        record = self.subscriptions.get((user, package))
        if record is None or not self.is_active(user, package):
            self.activations += 1
            self.subscriptions[(user, package)] = {"active": True, "until": until}
        elif until > record["until"]:
            self.renewals += 1
            record["until"] = until
        return json_reply(200, {"result": self._state(user, package)})

    def _unsubscribe(self, request: Request) -> Reply:
        p = self.params(request)
        if (package := self._package(p)) is None:
            return json_reply(400, self.UNKNOWN_TARIFF)
        record = self.subscriptions.get((p.get("user", ""), package))
        if record is not None:
            record["active"] = False
        return json_reply(200, {"result": self._state(p.get("user", ""), package)})
