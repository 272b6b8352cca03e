"""HTTP client of tvzavr (the service has closed; the module is kept working as documented).

What is known of the API: the catalogue endpoints `api/3.0/catalog/list_filters?plf=..&type=genre`
and `api/3.0/catalog/get?limit&offset&plf&cats`, answers wrapped in `result`, clip fields named
like `clip__imdb_rate`. The signing and the partner subscription calls were never public: what
follows is an ASSUMED contract, kept in this one class so that it can be corrected in one place.

    Every request carries `plf` (the operator's platform id at tvzavr) and `sign`:
        sign = md5( "".join(f"{k}={v}" for k, v in sorted(other parameters)) + secret ).hexdigest()
    i.e. every parameter except `sign`, sorted by name, as `name=value` with raw (unencoded)
    values and no separators, followed by the secret; lowercase hex. The secret is never sent.
    Answers: `{"result": ...}`, or `{"error": {"code": "...", "message": "..."}}` (any HTTP status).

    GET  api/3.0/catalog/list_filters   plf, type=genre          {"result": [{"id": 12, "name": "…"}]}
    GET  api/3.0/catalog/get            limit, offset, plf, cats {"result": [<clip>, …]}
                                        (or {"result": {"items": [...], "total": N}})
    POST api/3.0/partner/user/create    plf, user                {"result": {"user": "42"}}  (idempotent)
    GET  api/3.0/partner/subscription/status       plf, user, tariff
                                        {"result": {"active": true|false, "until": "<ISO 8601>"|null}}
    POST api/3.0/partner/subscription/subscribe    plf, user, tariff, until
                                        {"result": {"active": true, "until": "…"}}; paid-until becomes
                                        max(current, until), so repeating a call changes nothing
    POST api/3.0/partner/subscription/unsubscribe  plf, user, tariff   {"result": {"active": false}}

`user` is the middleware's customer id; `tariff` is the `tvzavr_tariff_id` attribute (tvzavr's id
of the operator's SVOD package). GETs are retried on connection errors and 502/503/504; POSTs are
not (the outbox retries the hook, which asks `status` first).
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timezone as dt_timezone
from typing import Any, Iterator, Mapping

from django.utils.dateparse import parse_datetime

from cinema_kit.http import PartnerHTTP
from tvmiddleware.plugins import PluginError

logger = logging.getLogger("tvzavr.client")

DEFAULT_API_URL = "https://api.tvzavr.ru"
MAX_PAGES = 10_000


def sign(params: Mapping[str, Any], secret: str) -> str:
    """The request signature of the assumed contract (see the module docstring)."""
    text = "".join(f"{key}={params[key]}" for key in sorted(params) if key != "sign")
    return hashlib.md5((text + secret).encode("utf-8")).hexdigest()


def iso(moment: datetime) -> str:
    return moment.astimezone(dt_timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class TvzavrSubscriptionState:
    """tvzavr's view of a user's subscription to the operator's package."""

    active: bool
    until: datetime | None = None


class TvzavrClient:
    """Signed calls to tvzavr for one configured integration."""

    def __init__(self, *, api_url: str, plf: str, secret: str, timeout: float, system_id: int | None) -> None:
        if not plf or not secret:
            raise PluginError(f"tvzavr integration #{system_id}: plf and secret are required")
        self.api_url = (api_url or DEFAULT_API_URL).rstrip("/")
        self.plf = plf
        self._secret = secret
        self.http = PartnerHTTP(partner="tvzavr", system_id=system_id, timeout=timeout, logger=logger)

    def signed(self, params: Mapping[str, Any]) -> dict[str, str]:
        values = {key: str(value) for key, value in params.items() if value is not None}
        values["plf"] = self.plf
        values["sign"] = sign(values, self._secret)
        return values

    def _call(self, method: str, path: str, params: Mapping[str, Any]) -> Any:
        url = f"{self.api_url}/{path}"
        values = self.signed(params)
        if method == "GET":
            response = self.http.request("GET", url, params=values)
        else:
            response = self.http.request(method, url, data=values)
        try:
            body = response.json()
        except ValueError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        if error or response.status_code != 200:
            code = error.get("code") if isinstance(error, dict) else error
            raise PluginError(f"tvzavr {path} failed: HTTP {response.status_code}, error {code or 'unknown'}")
        if not isinstance(body, dict) or "result" not in body:
            raise PluginError(f"tvzavr {path}: answer without `result`")
        return body["result"]

    # --- catalogue --------------------------------------------------------------------------------
    def genres(self) -> dict[str, str]:
        """tvzavr genre id → name."""
        result = self._call("GET", "api/3.0/catalog/list_filters", {"type": "genre"})
        items = result.get("items", []) if isinstance(result, dict) else result
        return {str(g["id"]): str(g.get("name") or "").strip() for g in items or []
                if isinstance(g, dict) and "id" in g}

    def catalogue_page(self, *, offset: int, limit: int, cats: str = "") -> list[dict[str, Any]]:
        result = self._call("GET", "api/3.0/catalog/get", {"limit": limit, "offset": offset, "cats": cats})
        items = result.get("items", []) if isinstance(result, dict) else result
        if not isinstance(items, list):
            raise PluginError("tvzavr catalog/get: `result` is not a list of clips")
        return [item for item in items if isinstance(item, dict)]

    def iter_catalogue(self, *, page_size: int, cats: str = "") -> Iterator[dict[str, Any]]:
        """Every clip of the catalogue, page by page, until a short page."""
        offset, first_of_previous = 0, None
        for _ in range(MAX_PAGES):
            page = self.catalogue_page(offset=offset, limit=page_size, cats=cats)
            if page and first_of_previous is not None and page[0].get("clip__id") == first_of_previous:
                raise PluginError("tvzavr catalog/get ignores `offset`: the same page came twice")
            yield from page
            if len(page) < page_size:
                return
            first_of_previous = page[0].get("clip__id")
            offset += len(page)
        raise PluginError(f"tvzavr catalog/get: more than {MAX_PAGES} pages")

    # --- users and subscriptions ------------------------------------------------------------------
    def create_user(self, user: str) -> None:
        self._call("POST", "api/3.0/partner/user/create", {"user": user})

    @staticmethod
    def _state(result: Any) -> TvzavrSubscriptionState:
        if not isinstance(result, dict) or not isinstance(result.get("active"), bool):
            raise PluginError("tvzavr: malformed subscription state")
        until = parse_datetime(result["until"]) if isinstance(result.get("until"), str) else None
        return TvzavrSubscriptionState(active=result["active"], until=until)

    def status(self, *, user: str, tariff: str) -> TvzavrSubscriptionState:
        return self._state(self._call("GET", "api/3.0/partner/subscription/status", {"user": user, "tariff": tariff}))

    def subscribe(self, *, user: str, tariff: str, until: datetime) -> TvzavrSubscriptionState:
        return self._state(self._call("POST", "api/3.0/partner/subscription/subscribe",
                                      {"user": user, "tariff": tariff, "until": iso(until)}))

    def unsubscribe(self, *, user: str, tariff: str) -> TvzavrSubscriptionState:
        return self._state(self._call("POST", "api/3.0/partner/subscription/unsubscribe",
                                      {"user": user, "tariff": tariff}))
