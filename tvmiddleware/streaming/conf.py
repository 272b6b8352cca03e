"""Settings the token check reads on every request, read once per process.

Django's `settings.X` goes through a lazy proxy on each access; the hot path reads half a dozen of
them per check, so they are snapshotted here and re-read whenever a setting changes (tests).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

logger = logging.getLogger(__name__)

LOCAL_CACHE_SETTING = "TVMIDDLEWARE_ACCESS_LOCAL_CACHE_SECONDS"
LOCAL_CACHE_DEFAULT_SECONDS = 5.0
SHARED_URL_SETTING = "TVMIDDLEWARE_TOKEN_CHECK_SHARED_URL"
SHARED_URL_MODES = ("auto", "on", "off")


@dataclass(frozen=True, slots=True)
class StreamingSettings:
    """Token lifetimes (product names TVMIDDLEWARE_STREAM_SERVICE_*), the auth duration reported to
    streamers, the per-process access cache lifetime, and the secrets tokens are signed with."""

    token_ttl: int
    max_ttl: int
    prolongation_threshold: int
    auth_duration: int
    local_cache_seconds: float
    device_state_seconds: int  # how long the device API may use an account's access snapshot
    secret_key: str
    secret_key_fallbacks: tuple[str, ...]
    shared_check_url: str  # "auto" | "on" | "off" (see check_urls)


@lru_cache(maxsize=1)
def conf() -> StreamingSettings:
    return StreamingSettings(
        token_ttl=int(settings.TVMIDDLEWARE_STREAM_SERVICE_TOKEN_TTL),
        max_ttl=int(settings.TVMIDDLEWARE_STREAM_SERVICE_TOKEN_MAX_TTL),
        prolongation_threshold=int(settings.TVMIDDLEWARE_STREAM_SERVICE_TOKEN_PROLONGATION_THRESHOLD_TTL),
        auth_duration=int(settings.TVMIDDLEWARE_STREAM_SERVICE_AUTH_DURATION),
        local_cache_seconds=float(getattr(settings, LOCAL_CACHE_SETTING, LOCAL_CACHE_DEFAULT_SECONDS)),
        device_state_seconds=int(getattr(settings, "TVMIDDLEWARE_DEVICE_ACCOUNT_STATE_SECONDS", 3600)),
        secret_key=settings.SECRET_KEY,
        secret_key_fallbacks=tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ())),
        shared_check_url=_shared_url_mode(getattr(settings, SHARED_URL_SETTING, "auto")),
    )


def _shared_url_mode(value: Any) -> str:
    """The shared token check URL's mode; a value we do not understand closes it (fail safe)."""
    mode = str(value).strip().lower()
    if mode in SHARED_URL_MODES:
        return mode
    logger.error("%s=%r is not one of %s: the shared token check URL is off", SHARED_URL_SETTING, value,
                 "/".join(SHARED_URL_MODES))
    return "off"


def _reset(**kwargs: Any) -> None:
    conf.cache_clear()


setting_changed.connect(_reset, dispatch_uid="tvmiddleware.streaming.conf.reset")
