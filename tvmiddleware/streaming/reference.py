"""Per-process copies of an operator's streaming reference data, read on every stream URL and access rebuild.

- `streaming_config`: the operator's stream services (every type, enabled or not, in failover order),
  which services each channel names, and which service types its tariffs name;
- `tariff_channels`: which enabled channels of the operator each tariff opens.

They change rarely (an operator edits servers and packages in the panel), while every `channel/url`
and every rebuild of an access snapshot needs them. Each copy is kept for
TVMIDDLEWARE_ACCESS_LOCAL_CACHE_SECONDS (default 5 s, 0 = no copy), the same delay the access
snapshots already allow a process; a change saved through the ORM drops the copies of this process at
once (signals below). Other processes, and bulk `update()`s that send no signal, see it within those
seconds. What a customer holds (subscriptions) is never kept here.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from tvmiddleware.models import Channel, StreamService, Tariff

from .access import LocalCache
from .conf import conf

_configs = LocalCache(1000)
_tariff_channels = LocalCache(1000)
_generation = [0]  # bumped by every invalidation: a load that raced with a change is not kept
_lock = threading.Lock()


@dataclass(frozen=True)
class StreamingConfig:
    """An operator's stream services and the rules that narrow them (see `services.pick_stream_service`)."""

    services: tuple[StreamService, ...]  # every service of the operator, by priority then id
    channel_services: dict[int, dict[str, frozenset[int]]]  # channel id → type → ids of services it names
    tariff_service_types: frozenset[str]  # types of the operator's services that some tariff names

    def candidates(self, kind: str, exclude_ids: frozenset[int]) -> list[StreamService]:
        """Enabled services of a type, in failover order, except `exclude_ids`."""
        return [s for s in self.services if s.enabled and s.type == kind and s.pk not in exclude_ids]


def _cached(store: LocalCache, client_id: int, load) -> Any:
    value = store.get(client_id)
    if value is None:
        generation = _generation[0]
        value = load(client_id)
        with _lock:
            if generation == _generation[0]:
                store.set(client_id, value, conf().local_cache_seconds)
    return value


def streaming_config(client_id: int) -> StreamingConfig:
    return _cached(_configs, int(client_id), _load_config)


def _load_config(client_id: int) -> StreamingConfig:
    services = tuple(StreamService.objects.for_client(client_id).order_by("priority", "id"))
    channel_services: dict[int, dict[str, set[int]]] = {}
    # Whatever a channel names counts, as in the query this replaces (even a misconfigured foreign server).
    rows = (Channel.stream_services.through.objects.filter(channel__client_id=client_id)
            .values_list("channel_id", "streamservice_id", "streamservice__type"))
    for channel_id, service_id, kind in rows:
        channel_services.setdefault(channel_id, {}).setdefault(kind, set()).add(service_id)
    kinds = (Tariff.stream_services.through.objects.filter(streamservice__client_id=client_id)
             .values_list("streamservice__type", flat=True).distinct())
    return StreamingConfig(
        services=services,
        channel_services={c: {k: frozenset(ids) for k, ids in by_kind.items()} for c, by_kind in channel_services.items()},
        tariff_service_types=frozenset(kinds),
    )


def tariff_channels(client_id: int) -> dict[int, frozenset[int]]:
    """tariff id → the operator's enabled channels it opens."""
    return _cached(_tariff_channels, int(client_id), _load_tariff_channels)


def _load_tariff_channels(client_id: int) -> dict[int, frozenset[int]]:
    result: dict[int, set[int]] = {}
    rows = (Tariff.channels.through.objects.filter(channel__client_id=client_id, channel__enabled=True)
            .values_list("tariff_id", "channel_id"))
    for tariff_id, channel_id in rows:
        result.setdefault(tariff_id, set()).add(channel_id)
    return {tariff_id: frozenset(ids) for tariff_id, ids in result.items()}


def invalidate(**kwargs: Any) -> None:
    """Drop this process's copies (any change of servers, line-up or package contents)."""
    with _lock:
        _generation[0] += 1
        _configs.clear()
        _tariff_channels.clear()


for _model in (StreamService, Channel, Tariff):
    post_save.connect(invalidate, sender=_model, dispatch_uid=f"tvmw-reference-save-{_model.__name__}")
    post_delete.connect(invalidate, sender=_model, dispatch_uid=f"tvmw-reference-delete-{_model.__name__}")
for _through in (Channel.stream_services.through, Tariff.stream_services.through, Tariff.channels.through):
    m2m_changed.connect(invalidate, sender=_through, dispatch_uid=f"tvmw-reference-m2m-{_through.__name__}")
