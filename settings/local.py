"""The embedded default: SQLite file under `var/`, tasks run in-process, local-memory cache.

Needs nothing but Python. `DATABASE_URL` / `REDIS_URL` may still be set to try the real services.
"""
import os

import dj_database_url

from .base import *  # noqa: F401,F403
from .base import DATABASES, VAR_DIR, env_bool

DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = ["*"]
VAR_DIR.mkdir(parents=True, exist_ok=True)

if os.environ.get("DATABASE_URL"):
    DATABASES["default"] = dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)

# Events are delivered right after the writing transaction commits, in the same process.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
# No beat either: the serving process runs CELERY_BEAT_SCHEDULE itself (delivery retries,
# check_accounts, EPG imports, reconciliation, catalogue syncs). EMBEDDED_SCHEDULER=0 turns it off.
EMBEDDED_SCHEDULER = env_bool("EMBEDDED_SCHEDULER", True)

# Mail (payment receipts) goes to the console unless an SMTP server is configured.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
