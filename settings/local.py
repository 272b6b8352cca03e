"""The embedded default of `manage.py` (`make run`): SQLite file under `var/`, tasks run in-process,
local-memory cache, DEBUG on.

Needs nothing but Python. `DATABASE_URL` / `REDIS_URL` may still be set to try the real services.
This is a development configuration: the WSGI/ASGI entry points default to `settings.production`.
The secret key is `SECRET_KEY` when set, else a random key made once per install and kept in
`var/secret_key`, so nothing signed with a key published anywhere is ever accepted.
"""
import os
import secrets
from pathlib import Path

import dj_database_url

from .base import *  # noqa: F401,F403
from .base import DATABASES, VAR_DIR, env_bool, env_list

DEBUG = env_bool("DEBUG", True)
# DEBUG pages are for this machine; serving others (`make run HOST=0.0.0.0`) needs ALLOWED_HOSTS.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _install_secret_key(path: Path) -> str:
    """This install's own key: read from `path`, or made and stored there (owner-only) the first time.

    The new key is written to a private file and hard-linked into place, so of several processes
    starting at once exactly one key wins and every process reads that complete key.
    """
    try:
        key, existed = path.read_text().strip(), True
    except FileNotFoundError:
        key, existed = "", False
    if len(key) >= 50:
        return key
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(50))
    try:
        if existed:  # an unusable (short or empty) key file: replaced
            os.replace(draft, path)
        else:
            os.link(draft, path)
    except FileExistsError:
        pass  # another process got there first: its key is the key
    finally:
        draft.unlink(missing_ok=True)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or _install_secret_key(VAR_DIR / "secret_key")

if os.environ.get("DATABASE_URL"):
    DATABASES["default"] = dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)
if os.environ.get("REDIS_URL"):
    # The shared cache as production has it (misses while Redis is away; see common/cache.py).
    CACHES = {"default": {"BACKEND": "common.cache.RedisCache", "LOCATION": os.environ["REDIS_URL"],
                          "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "tvmw"),
                          "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}}}

# Events are delivered right after the writing transaction commits, in the same process.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
# No beat either: the serving process runs CELERY_BEAT_SCHEDULE itself (delivery retries,
# check_accounts, EPG imports, reconciliation, catalogue syncs). EMBEDDED_SCHEDULER=0 turns it off.
EMBEDDED_SCHEDULER = env_bool("EMBEDDED_SCHEDULER", True)

# Mail (payment receipts) goes to the console unless an SMTP server is configured.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
