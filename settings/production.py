"""Production: PostgreSQL, Redis (cache and Celery broker), secrets from the environment.

Refuses to start unless DATABASE_URL, REDIS_URL, SECRET_KEY and ALLOWED_HOSTS are set.
"""
import os

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import env_bool, env_int

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
CACHES = {
    "default": {
        # Django's Redis backend, reusing one client per pool (see tvmiddleware/cache.py).
        "BACKEND": "tvmiddleware.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "tvmw"),
    }
}

# How stale a device session's last_seen_at may get (tuning: each refresh is a write; see
# tvmiddleware.services.sessions.last_seen_resolution).
TVMIDDLEWARE_SESSION_LAST_SEEN_SECONDS = env_int("TVMIDDLEWARE_SESSION_LAST_SEEN_SECONDS", 60)

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = False

# `seed_demo` creates admin/admin: refused here unless given --allow-production.
SEED_DEMO_ALLOWED = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
