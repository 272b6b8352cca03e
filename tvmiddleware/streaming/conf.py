"""Settings the token check reads on every request, read once per process.

Django's `settings.X` goes through a lazy proxy on each access; the hot path reads half a dozen of
them per check, so they are snapshotted here and re-read whenever a setting changes (tests).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

LOCAL_CACHE_SETTING = "TVMIDDLEWARE_ACCESS_LOCAL_CACHE_SECONDS"
LOCAL_CACHE_DEFAULT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class StreamingSettings:
    """Token lifetimes (product names TVMIDDLEWARE_STREAM_SERVICE_*), the auth duration reported to
    streamers, the per-process access cache lifetime, and the secrets tokens are signed with."""

    token_ttl: int
    max_ttl: int
    prolongation_threshold: int
    auth_duration: int
    local_cache_seconds: float
    secret_key: str
    secret_key_fallbacks: tuple[str, ...]


@lru_cache(maxsize=1)
def conf() -> StreamingSettings:
    return StreamingSettings(
        token_ttl=int(settings.TVMIDDLEWARE_STREAM_SERVICE_TOKEN_TTL),
        max_ttl=int(settings.TVMIDDLEWARE_STREAM_SERVICE_TOKEN_MAX_TTL),
        prolongation_threshold=int(settings.TVMIDDLEWARE_STREAM_SERVICE_TOKEN_PROLONGATION_THRESHOLD_TTL),
        auth_duration=int(settings.TVMIDDLEWARE_STREAM_SERVICE_AUTH_DURATION),
        local_cache_seconds=float(getattr(settings, LOCAL_CACHE_SETTING, LOCAL_CACHE_DEFAULT_SECONDS)),
        secret_key=settings.SECRET_KEY,
        secret_key_fallbacks=tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ())),
    )


def _reset(**kwargs: Any) -> None:
    conf.cache_clear()


setting_changed.connect(_reset, dispatch_uid="tvmiddleware.streaming.conf.reset")
