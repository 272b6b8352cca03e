"""Reads behind radio/list that concern the line-up."""
from __future__ import annotations

from typing import Any, Iterable

from ..models import Channel, Client


def radio_channels(*, client: Client, channel_ids: Iterable[int | None]) -> dict[int, dict[str, Any]]:
    """channel id → name, icon and localized texts of the operator's channels that carry its radio
    stations (a station's `radio_channel`); ids of other operators' channels or of none are left out.
    One query."""
    ids = {pk for pk in channel_ids if pk}
    if not ids:
        return {}
    return {row["id"]: row for row in Channel.objects.for_client(client).filter(pk__in=ids)
            .values("id", "name", "icon", "extra__data")}
