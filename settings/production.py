"""Production: PostgreSQL, Redis (cache and Celery broker), secrets from the environment.

Refuses to start unless DATABASE_URL, REDIS_URL, SECRET_KEY and ALLOWED_HOSTS are set.
"""
import os

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import env_bool, env_float, env_int

REQUIRED_VARIABLES = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS")
_missing = [name for name in REQUIRED_VARIABLES if not os.environ.get(name, "").strip()]
if _missing:
    raise ImproperlyConfigured(
        "settings.production needs these environment variables: "
        + ", ".join(_missing)
        + ". See docs/configuration.md."
    )

DEBUG = False
SECRET_KEY = os.environ["SECRET_KEY"]
ALLOWED_HOSTS = [host.strip() for host in os.environ["ALLOWED_HOSTS"].split(",") if host.strip()]
CSRF_TRUSTED_ORIGINS = [
    origin.strip() for origin in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if origin.strip()
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ["DATABASE_URL"],
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}

REDIS_URL = os.environ["REDIS_URL"]
# Every Redis client gets timeouts: a paused or unreachable Redis must cost a request at most this
# long (once per outage and process, see common/cache.py), never the TCP stack's minutes.
REDIS_SOCKET_TIMEOUT = env_float("REDIS_SOCKET_TIMEOUT", 0.5)
REDIS_CONNECT_TIMEOUT = env_float("REDIS_CONNECT_TIMEOUT", 0.5)
CACHES = {
    "default": {
        # Django's Redis backend that reports misses while Redis is unreachable, behind a circuit
        # breaker, and reuses one client per pool (see common/cache.py).
        "BACKEND": "common.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "tvmw"),
        "OPTIONS": {"socket_timeout": REDIS_SOCKET_TIMEOUT, "socket_connect_timeout": REDIS_CONNECT_TIMEOUT},
        # While Redis is unreachable, each process tries it again this often (one request pays).
        "OUTAGE_RETRY_SECONDS": env_float("REDIS_OUTAGE_RETRY_SECONDS", 5.0),
    }
}

# How stale a device session's last_seen_at may get (tuning: each refresh is a write; see
# tvmiddleware.services.sessions.last_seen_resolution).
TVMIDDLEWARE_SESSION_LAST_SEEN_SECONDS = env_int("TVMIDDLEWARE_SESSION_LAST_SEEN_SECONDS", 60)
# How long the device API may use an account's access snapshot (services renew it on every change).
TVMIDDLEWARE_DEVICE_ACCOUNT_STATE_SECONDS = env_int("TVMIDDLEWARE_DEVICE_ACCOUNT_STATE_SECONDS", 3600)
# Due last_seen_at writes wait this long in their process and are written together (0: on the request).
TVMIDDLEWARE_SESSION_LAST_SEEN_FLUSH_SECONDS = env_int("TVMIDDLEWARE_SESSION_LAST_SEEN_FLUSH_SECONDS", 10)

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = False
# Publishing a task happens after a request's commit (events._enqueue): with the broker down it must
# give up quickly (the outbox sweep delivers later) instead of holding the request.
CELERY_BROKER_CONNECTION_TIMEOUT = env_float("CELERY_BROKER_CONNECTION_TIMEOUT", 2.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://", "unix://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_timeout": env_float("CELERY_REDIS_SOCKET_TIMEOUT", 2.0),
        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
        "retry_on_timeout": False,
    }
# (No result backend: tasks ignore their results, see settings/base.py.)

# `seed_demo` creates admin/admin: refused here unless given --allow-production.
SEED_DEMO_ALLOWED = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
