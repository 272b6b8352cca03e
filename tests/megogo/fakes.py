"""A fake MEGOGO on loopback: client API (checks `sign` as MEGOGO does), partner billing, the XML
catalogue feed and a cover CDN, served by one threaded HTTP/1.1 server (the cinema fakes' base,
`tests.cinema_kit.fake_partner`).

What it checks, as the real one would:
- every client API request is signed: `sign` = md5("k=v" of the other parameters in request
  order, raw values, + the private key of the public key the sign ends with) + that public key;
  an unknown public key or a wrong digest is refused;
- `auth/by_partners` needs `partner_key` = partner id and `token` = md5(isdn + partner_id + salt);
- `stream` needs a valid access token and an entitlement of its user: free title, SVOD service
  subscribed (SVOD titles), or a purchase (TVOD/DTO titles);
- billing calls name the partner in the path; subscribing needs an existing user.
`purchase/create` is this project's assumption of a TVOD call (MEGOGO does not publish one).

Large-catalogue mode (`FakeMegogo.large(n)`) generates `n` titles (10% series by default) with
genres, people, collections, a TVOD collection and covers. `delay` sleeps before every answer.
No Django here: the benchmark runs the fake in its own process.
"""
from __future__ import annotations

import hashlib
import io
import secrets
from collections import Counter
from typing import Any, ClassVar
from xml.sax.saxutils import quoteattr

from tests.cinema_kit.fake_partner import FakePartner, Reply, Request, json_reply

KEYS = {"_stb_test": "0123456789", "_smart_tv_test": "smart-secret", "_mobile_test": "mobile-secret"}
PARTNER_ID = "777"
SALT = "pepper"
SVOD_SERVICE_ID = "55"
TVOD_COLLECTION_ID = "900"
FILMS, SERIES = 16, 4


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def make_jpeg(width: int, height: int, seed: int) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), (40 + seed * 30 % 200, 60, 120))
    draw = ImageDraw.Draw(image)
    for y in range(0, height, max(height // 30, 2)):
        draw.line((0, y, width, height - y), fill=((y * 7 + seed * 40) % 255, 140, 200), width=3)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


class FakeMegogo(FakePartner):
    """State and behaviour of the fake partner (see the module doc); `running`, `delay` and the
    request counts per path (`requests`) are the base's."""

    routes = [
        ("GET", "/v1/(.+)", "_client_api"),
        ("GET", "/partners/([^/]+)/(.+)", "_billing_api"),
        ("GET", "/_stats", "_stats"),  # for the benchmark, which runs the fake in another process
        ("GET", "/feeds/all_mgg.xml", "_feed"),
        ("GET", "/covers/(.+)", "_cover"),
    ]
    not_found_body: ClassVar[Any] = {}

    def __init__(self, *, delay: float = 0.0, keys: dict[str, str] | None = None, partner_id: str = PARTNER_ID,
                 salt: str = SALT, svod_service_id: str = SVOD_SERVICE_ID, cover_size: tuple[int, int] = (400, 600),
                 cover_variants: int = 3) -> None:
        super().__init__(delay=delay)
        self.keys = dict(keys or KEYS)
        self.partner_id = partner_id
        self.salt = salt
        self.svod_service_id = svod_service_id
        self.genres: list[dict] = [{"id": i, "title": f"Genre {i}"} for i in range(1, 11)]
        self.categories = [{"id": FILMS, "title": "Films"}, {"id": SERIES, "title": "Series"}]
        self.titles: dict[str, dict] = {}
        self.episode_parent: dict[str, str] = {}
        self.collections: dict[str, dict] = {}
        self.users: set[str] = set()
        self.subscriptions: dict[str, set[str]] = {}
        self.purchases: dict[tuple[str, str], str] = {}
        self.tokens: dict[str, str] = {}
        self.billing_down = False
        self.api_down = False
        self.refuse_purchases = False
        self.calls: list[tuple[str, dict[str, str], str]] = []  # (method, params, public key)
        self.record_calls = True
        self.covers = [make_jpeg(*cover_size, seed) for seed in range(cover_variants)]

    # --- building the catalogue ------------------------------------------------------------------
    def add_title(self, ext_id: Any, *, title: str | None = None, series: bool = False, rules: tuple = ("svod",),
                  genres: tuple = (1,), seasons: int = 0, episodes: int = 0, price: str | None = None,
                  rent_price: str | None = None, audio_description: bool = False, sign_language: bool = False,
                  people: int = 2, year: int = 2015) -> dict:
        ext_id = str(ext_id)
        n = int(ext_id) if ext_id.isdigit() else len(self.titles)
        info: dict[str, Any] = {
            "id": int(ext_id) if ext_id.isdigit() else ext_id,
            "title": title or f"Title {ext_id}", "title_original": f"Original {ext_id}",
            "description": f"Story of title {ext_id}. " * 3, "year": year,
            "countries": [{"title": "Ukraine"}, {"title": "USA"}][: 1 + n % 2],
            "genres": list(genres), "duration": 5400 + n % 1800,
            "rating_imdb": round(5 + (n % 40) / 10, 1), "rating_kinopoisk": round(5.5 + (n % 35) / 10, 1),
            "age_limit": f"{(n % 4) * 6}+", "is_series": series, "delivery_rules": list(rules),
            "people": [{"id": 10_000 + (n * 3 + k) % 2000, "name": f"Actor {(n * 3 + k) % 2000}",
                        "name_original": f"Actor {(n * 3 + k) % 2000}", "type": "ACTOR"} for k in range(people)]
                      + [{"id": 50_000 + n % 300, "name": f"Director {n % 300}", "type": "DIRECTOR"}],
            "updated_at": 1_700_000_000,
            "_cover_version": 1,
        }
        if audio_description:
            info["audio_description"] = True
        if sign_language:
            info["sign_language"] = True
        if price or rent_price:
            info["purchase_info"] = {}
            if price:
                info["purchase_info"]["dto"] = {"price": price, "currency": "UAH"}
            if rent_price:
                info["purchase_info"]["tvod"] = {"price": rent_price, "currency": "UAH", "period_hours": 48}
        if series:
            info["season_list"] = []
            for s in range(1, seasons + 1):
                season = {"id": f"{ext_id}{s:02d}", "title": f"Season {s}", "order": s, "episode_list": []}
                for e in range(1, episodes + 1):
                    episode_id = f"{ext_id}{s:02d}{e:03d}"
                    season["episode_list"].append({"id": int(episode_id), "title": f"Episode {e}", "order": e,
                                                   "duration": 2700})
                    self.episode_parent[episode_id] = ext_id
                info["season_list"].append(season)
        with self.lock:
            self.titles[ext_id] = info
        return info

    def update_title(self, ext_id: Any, **fields: Any) -> None:
        with self.lock:
            info = self.titles[str(ext_id)]
            info.update(fields)
            info["updated_at"] += 1

    def change_cover(self, ext_id: Any) -> None:
        with self.lock:
            info = self.titles[str(ext_id)]
            info["_cover_version"] += 1
            info["updated_at"] += 1

    def remove_title(self, ext_id: Any) -> None:
        with self.lock:
            self.titles.pop(str(ext_id), None)

    def add_collection(self, cid: Any, title: str, ids: list) -> None:
        with self.lock:
            self.collections[str(cid)] = {"title": title, "ids": [str(i) for i in ids]}

    @classmethod
    def large(cls, n: int, *, series_share: float = 0.1, delay: float = 0.0, cover_size: tuple[int, int] = (600, 900),
              seasons: int = 2, episodes: int = 5) -> "FakeMegogo":
        """`n` titles: every 1/series_share-th a series (SVOD); films 70% SVOD, 20% TVOD/DTO, 10% free."""
        fake = cls(delay=delay, cover_size=cover_size, cover_variants=6)
        fake.genres = [{"id": i, "title": f"Genre {i}"} for i in range(1, 31)]
        step = max(int(round(1 / series_share)), 1) if series_share else 0
        tvod = []
        for i in range(1, n + 1):
            ext_id = str(100_000 + i)
            genres = (1 + i % 30, 1 + (i * 7) % 30)
            if step and i % step == 0:
                fake.add_title(ext_id, series=True, rules=("svod",), genres=genres, seasons=seasons, episodes=episodes,
                               people=3)
            elif i % 10 in (1, 2):
                fake.add_title(ext_id, rules=("tvod", "dto"), genres=genres, price="99.00", rent_price="39.00",
                               people=3)
                tvod.append(ext_id)
            elif i % 10 == 3:
                fake.add_title(ext_id, rules=("fvod",), genres=genres, people=3)
            else:
                fake.add_title(ext_id, rules=("svod",), genres=genres, people=3,
                               audio_description=i % 97 == 0, sign_language=i % 89 == 0)
        ids = list(fake.titles)
        for c in range(10):
            fake.add_collection(200 + c, f"Collection {c}", ids[c::max(n // 50, 1)][:50])
        fake.add_collection(TVOD_COLLECTION_ID, "TVOD", tvod)
        fake.record_calls = fake.keep_log = False
        return fake

    # --- serving ---------------------------------------------------------------------------------
    @property
    def requests(self) -> Counter[str]:
        """Requests per path (cleared by a test to count what follows)."""
        return self.hits

    @property
    def base(self) -> str:
        return self.url

    @property
    def api_url(self) -> str:
        return f"{self.base}/v1"

    @property
    def billing_url(self) -> str:
        return f"{self.base}/partners/{{partner_id}}"

    @property
    def xml_url(self) -> str:
        return f"{self.base}/feeds/all_mgg.xml"

    def attributes(self, **overrides: str) -> dict[str, str]:
        """Integration attributes that work against this fake."""
        pairs = {}
        for public, private in self.keys.items():
            kind = public.strip("_").rsplit("_test", 1)[0]
            pairs[f"{kind}_public_key"] = public
            pairs[f"{kind}_private_key"] = private
        return {**pairs, "partner_id": self.partner_id, "salt": self.salt, "svod_service_id": self.svod_service_id,
                "api_url": self.api_url, "billing_url": self.billing_url, **overrides}

    def cover_url(self, ext_id: str) -> str:
        version = self.titles[ext_id]["_cover_version"]
        return f"{self.base}/covers/{ext_id}-{version}.jpg"

    # --- client API ------------------------------------------------------------------------------
    def check_sign(self, params: list[tuple[str, str]]) -> tuple[str | None, str]:
        """(error, public key) of a signed request."""
        given = dict(params).get("sign", "")
        rest = [(k, v) for k, v in params if k != "sign"]
        public = given[32:]
        private = self.keys.get(public)
        if private is None:
            return "unknown public key", public
        expected = md5("".join(f"{k}={v}" for k, v in rest) + private) + public
        return (None if secrets.compare_digest(expected, given) else "wrong sign"), public

    def public_info(self, ext_id: str) -> dict:
        info = {k: v for k, v in self.titles[ext_id].items() if not k.startswith("_")}
        url = self.cover_url(ext_id)
        info["image"] = {"small": url, "big": url, "original": url}
        return info

    def listing_item(self, ext_id: str) -> dict:
        info = self.titles[ext_id]
        return {"id": info["id"], "title": info["title"], "is_series": info["is_series"],
                "updated_at": info["updated_at"]}

    def client_api(self, method: str, params: dict[str, str]) -> tuple[int, dict]:
        ok = lambda data: (200, {"result": "ok", "data": data})  # noqa: E731
        fail = lambda code, message: (200, {"result": "error", "code": code, "message": message})  # noqa: E731
        with self.lock:
            if method == "configuration":
                return ok({"genres": self.genres, "categories": self.categories})
            if method == "video":
                series = str(params.get("category_id")) == str(SERIES)
                ids = sorted((e for e, i in self.titles.items() if bool(i["is_series"]) == series),
                             key=lambda e: (len(e), e))
                offset, limit = int(params.get("offset", 0)), min(int(params.get("limit", 20)), 100)
                return ok({"video_list": [self.listing_item(e) for e in ids[offset:offset + limit]],
                           "total": len(ids), "offset": offset})
            if method == "video/info":
                ext_id = params.get("id", "")
                if ext_id not in self.titles:
                    return fail(404, "Video not found")
                return ok(self.public_info(ext_id))
            if method == "collections":
                return ok({"collections": [{"id": int(c), "title": v["title"]} for c, v in self.collections.items()]})
            if method == "video/collection":
                collection = self.collections.get(params.get("id", ""))
                if collection is None:
                    return fail(404, "Collection not found")
                return ok({"id": params["id"], "video_list": [{"id": int(i)} for i in collection["ids"]
                                                              if i in self.titles]})
            if method == "auth/by_partners":
                isdn = params.get("isdn", "")
                if params.get("partner_key") != self.partner_id:
                    return fail(403, "Unknown partner")
                if params.get("token") != md5(isdn + self.partner_id + self.salt):
                    return fail(403, "Wrong partner token")
                access = secrets.token_hex(16)
                self.tokens[access] = isdn
                return ok({"user": {"isdn": isdn}, "tokens": {"access_token": access, "remember_me_token": ""}})
            if method == "stream":
                user = self.tokens.get(params.get("access_token", ""))
                if user is None:
                    return fail(401, "Invalid access token")
                video_id = params.get("video_id", "")
                title_id = self.episode_parent.get(video_id, video_id)
                info = self.titles.get(title_id)
                if info is None:
                    return fail(404, "Video not found")
                rules = set(info["delivery_rules"])
                entitled = ("fvod" in rules
                            or ("svod" in rules and self.svod_service_id in self.subscriptions.get(user, set()))
                            or (user, title_id) in self.purchases)
                if not entitled:
                    return fail(402, "Not entitled: subscribe or buy")
                return ok({"video_id": video_id, "src": f"https://cdn.fake-megogo.test/{video_id}/index.m3u8?u={user}",
                           "bitrates": [{"bitrate": 1500, "src": ""}], "stream_type": "hls"})
        return fail(404, f"Unknown method {method}")

    # --- partner billing -------------------------------------------------------------------------
    def billing_api(self, partner_id: str, method: str, params: dict[str, str]) -> tuple[int, dict]:
        if self.billing_down:
            return 503, {"successful": False, "message": "Service unavailable"}
        if partner_id != self.partner_id:
            return 404, {"successful": False, "message": "Unknown partner"}
        ok = {"successful": True}
        with self.lock:
            if method == "user/create":
                identifier = params.get("identifier", "")
                if not identifier:
                    return 200, {"successful": False, "message": "identifier is required"}
                if identifier in self.users:
                    return 200, {"successful": False, "message": "User already exists"}
                self.users.add(identifier)
                return 200, {**ok, "userId": identifier}
            user = params.get("userId") or params.get("identifier", "")
            if method == "user/subscriptions":
                return 200, {**ok, "subscriptions": sorted(self.subscriptions.get(user, set()))}
            if user not in self.users:
                return 200, {"successful": False, "message": "User not found"}
            if method == "subscription/subscribe":
                self.subscriptions.setdefault(user, set()).add(params.get("serviceId", ""))
                return 200, ok
            if method == "subscription/unsubscribe":
                self.subscriptions.setdefault(user, set()).discard(params.get("serviceId", ""))
                return 200, ok
            if method == "purchase/create":
                if self.refuse_purchases:
                    return 200, {"successful": False, "message": "Purchase refused by MEGOGO"}
                info = self.titles.get(params.get("videoId", ""))
                if info is None or params.get("type") not in info["delivery_rules"]:
                    return 200, {"successful": False, "message": "Not sold this way"}
                purchase_id = str(len(self.purchases) + 1)
                self.purchases[(user, params["videoId"])] = purchase_id
                return 200, {**ok, "purchaseId": purchase_id}
        return 404, {"successful": False, "message": f"Unknown method {method}"}

    # --- feed ------------------------------------------------------------------------------------
    def feed(self) -> bytes:
        genre_names = {g["id"]: g["title"] for g in self.genres}
        parts = ['<?xml version="1.0" encoding="utf-8"?>\n<objects>']
        with self.lock:
            for ext_id, info in self.titles.items():
                genres = ", ".join(genre_names.get(g, str(g)) for g in info["genres"])
                actors = ", ".join(p["name"] for p in info["people"] if p["type"] == "ACTOR")
                parts.append(
                    f'<object id={quoteattr(ext_id)} title={quoteattr(info["title"])} genres={quoteattr(genres)} '
                    f'updated={quoteattr(str(info["updated_at"]))}><info year="{info["year"]}" '
                    f'duration_sec="{info["duration"]}"/><story>{info["title"]}</story>'
                    f'<poster>{self.cover_url(ext_id)}</poster><actors>{actors}</actors></object>')
        parts.append("</objects>")
        return "".join(parts).encode("utf-8")

    # --- HTTP --------------------------------------------------------------------------------------
    def check(self, request: Request) -> Reply | None:
        """The client API: every request signed (`check_sign`); the API down answers 503 first."""
        if not request.path.startswith("/v1/"):
            return None
        if self.api_down:
            return Reply(503, b'{"result": "error", "code": 503, "message": "down"}')
        problem, public = self.check_sign(request.query)
        if self.record_calls:
            self.calls.append((request.path[len("/v1/"):], {k: v for k, v in request.query if k != "sign"}, public))
        if problem:
            return json_reply(200, {"result": "error", "code": 403, "message": f"Invalid sign: {problem}"})
        return None

    def _client_api(self, request: Request, method: str) -> Reply:
        return json_reply(*self.client_api(method, request.params))

    def _billing_api(self, request: Request, partner_id: str, method: str) -> Reply:
        if self.record_calls:
            self.calls.append((method, request.params, ""))
        return json_reply(*self.billing_api(partner_id, method, request.params))

    def _stats(self, request: Request) -> Reply:
        return json_reply(200, {"requests": dict(self.hits)})

    def _feed(self, request: Request) -> Reply:
        return Reply(200, self.feed(), "application/xml")

    def _cover(self, request: Request, name: str) -> Reply:
        seed = int(hashlib.md5(name.rsplit("/", 1)[-1].encode()).hexdigest()[:4], 16)
        return Reply(200, self.covers[seed % len(self.covers)], "image/jpeg")


def serve_forever(n: int, delay: float, port_queue: Any, stop_event: Any, cover_size: tuple[int, int] = (600, 900)) -> None:
    """Run a large fake in this process (the benchmark's child process) until `stop_event`."""
    fake = FakeMegogo.large(n, delay=delay, cover_size=cover_size).start()
    port_queue.put((fake.base, fake.attributes()))
    stop_event.wait()
    fake.stop()
