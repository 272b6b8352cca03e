"""HTTP client of the assumed SVOD partner contract (Start, PREMIER) — the assumed REST contract.

Neither partner publishes its integration API, so this is the contract the adapter is built for,
ready to be adjusted to the partner's specification in this one class:

    Every call carries `Authorization: Bearer <api_token>`. A user is named by the middleware's
    customer id (`user_id`, a string); `service_id` is the partner's SVOD package. Bodies are JSON.

    POST   {api_url}/users                                     {"user_id": "42"}
           201 created; 200 or 409 already exists              (idempotent)
    GET    {api_url}/users/{user_id}/subscriptions/{service_id}
           200 {"status": "active" | "inactive", "expires_at": "<ISO 8601>" | null}
           404 no such user or subscription (= not subscribed)
    POST   {api_url}/users/{user_id}/subscriptions             {"service_id": "svod"}
           201 subscribed; 200 or 409 already subscribed      (idempotent)
    DELETE {api_url}/users/{user_id}/subscriptions/{service_id}
           204 unsubscribed; 404 was not subscribed            (idempotent)
    GET    {feed_url}                                          the catalogue feed (`cinema_kit.feeds`)  

    401/403: the token was refused; any other answer outside the above, a 5xx, no answer within the
    timeout: a failure (`PluginError`), retried by the outbox. GET and DELETE are retried twice on
    connection errors and 502/503/504; POSTs are not retried here (the outbox retries them, and
    both POSTs are idempotent by contract anyway).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from django.utils.dateparse import parse_datetime

from tvmiddleware.plugins import PluginError

from .http import PartnerHTTP

logger = logging.getLogger("cinema_kit.svod_client")


@dataclass(frozen=True)
class PartnerSubscription:
    """The partner's view of one user's subscription to the SVOD package."""

    active: bool
    expires_at: datetime | None = None


class SvodPartnerClient:
    """Calls of one configured partner integration (see the module docstring for the contract)."""

    def __init__(self, *, partner: str, system_id: int | None, api_url: str, token: str, service_id: str,
                 timeout: float) -> None:
        if not api_url or not token or not service_id:
            raise PluginError(f"{partner} integration #{system_id}: api_url, api_token and service_id are required")
        self.partner = partner
        self.api_url = api_url.rstrip("/")
        self.service_id = service_id
        self._token = token
        self.http = PartnerHTTP(partner=partner, system_id=system_id, timeout=timeout, logger=logger)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}

    def _call(self, method: str, path: str, *, body: dict[str, Any] | None = None,
              ok: tuple[int, ...]) -> tuple[int, Any]:
        response = self.http.request(method, self.api_url + path, json=body, headers=self._headers())
        status = response.status_code
        if status in (401, 403):
            raise PluginError(f"{self.partner} refused the api_token ({status})")
        if status not in ok:
            raise PluginError(f"{self.partner} answered {status} to {method} {path}")
        try:
            return status, response.json() if response.content else None
        except ValueError:
            return status, None

    @staticmethod
    def _q(value: str) -> str:
        return quote(str(value), safe="")

    # --- users and subscriptions ----------------------------------------------------------------
    def create_user(self, user_id: str) -> None:
        self._call("POST", "/users", body={"user_id": user_id}, ok=(200, 201, 409))

    def status(self, user_id: str) -> PartnerSubscription:
        status, body = self._call("GET", f"/users/{self._q(user_id)}/subscriptions/{self._q(self.service_id)}",
                                  ok=(200, 404))
        if status == 404:
            return PartnerSubscription(active=False)
        if not isinstance(body, dict) or body.get("status") not in ("active", "inactive"):
            raise PluginError(f"{self.partner}: malformed subscription status")
        expires = parse_datetime(body["expires_at"]) if isinstance(body.get("expires_at"), str) else None
        return PartnerSubscription(active=body["status"] == "active", expires_at=expires)

    def subscribe(self, user_id: str) -> None:
        self._call("POST", f"/users/{self._q(user_id)}/subscriptions", body={"service_id": self.service_id},
                   ok=(200, 201, 409))

    def unsubscribe(self, user_id: str) -> None:
        self._call("DELETE", f"/users/{self._q(user_id)}/subscriptions/{self._q(self.service_id)}",
                   ok=(200, 204, 404))

    # --- catalogue --------------------------------------------------------------------------------
    def fetch(self, url: str) -> bytes:
        """One page of the catalogue feed (with the same credentials)."""
        response = self.http.request("GET", url, headers={**self._headers(), "Accept": "application/json, "
                                                           "application/xml, text/xml"})
        if response.status_code in (401, 403):
            raise PluginError(f"{self.partner} refused the api_token for the feed ({response.status_code})")
        if response.status_code != 200:
            raise PluginError(f"{self.partner} feed answered {response.status_code}")
        return response.content
