"""Test settings: SQLite by default; PostgreSQL when `DATABASE_URL` is set (CI runs both).

`REDIS_URL` switches the cache to the real Redis. Celery runs eagerly unless a test starts a worker.
"""
import os

import dj_database_url

from .base import *  # noqa: F401,F403
from .base import BASE_DIR, env_bool

SECRET_KEY = "test-secret-key"
DEBUG = False
ALLOWED_HOSTS = ["*"]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": ":memory:",
            "TEST": {"NAME": ":memory:"},
        }
    }

if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            # The production backend (misses while Redis is unreachable), with bounded waits.
            "BACKEND": "common.cache.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": f"tvmw-test-{os.getpid()}",
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    }

# Fast hashes keep the suite quick; production hashers are exercised in test_hashers.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "tvmiddleware.hashers.AccountPasswordHasher",
]
ACCOUNT_PASSWORD_HASH_ITERATIONS = 1000

# Eager unless a test starts a real worker (tests/tvmiddleware/test_celery_worker.py).
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://")
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
# Tests drive the scheduler themselves (tests/tvmiddleware/test_scheduler.py).
EMBEDDED_SCHEDULER = False
MEDIA_ROOT = BASE_DIR / "var" / "test-media"

# Sessions' last_seen_at written on the request (the batched writer has its own tests).
TVMIDDLEWARE_SESSION_LAST_SEEN_FLUSH_SECONDS = 0
