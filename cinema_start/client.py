"""Start's HTTP client: the kit's assumed SVOD contract plus the viewing-statistics call.

Start publishes no partner API; the statistics call is assumed in the same style as the rest of
the contract (`cinema_kit.svod_client`), in this one method, ready for the partner's specification:

    POST {api_url}/statistics/views        Authorization: Bearer <api_token>
         {"user_id": "42", "content_id": "st-7", "episode_id": "st-7-s1e2" | null,
          "device_type": "android_stb", "position": 600, "duration": 5400, "completed": false,
          "watched_at": "<ISO 8601>"}
         200, 201, 202 or 204: accepted; 401/403: the token was refused; anything else: a failure.

Positions and durations are seconds (the kit's unit). A statistic is not retried by the HTTP layer
(a POST): the task that sends it decides (see `cinema_start.statistics`).
"""
from __future__ import annotations

from datetime import datetime, timezone as dt_timezone
from typing import Any

from cinema_kit.svod_client import SvodPartnerClient


class StartClient(SvodPartnerClient):
    """Calls of one Start integration."""

    def send_view(self, *, user_id: str, content_id: str, episode_id: str | None, device_type: str,
                  position: int, duration: int | None, completed: bool, watched_at: datetime) -> None:
        body: dict[str, Any] = {
            "user_id": user_id, "content_id": content_id, "episode_id": episode_id, "device_type": device_type,
            "position": position, "duration": duration, "completed": completed,
            "watched_at": watched_at.astimezone(dt_timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        self._call("POST", "/statistics/views", body=body, ok=(200, 201, 202, 204))
