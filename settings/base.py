"""Settings shared by every configuration.

Values that differ per deployment come from environment variables (see docs/configuration.md).
`local` (the default) and `test` fill in embedded defaults; `production` insists on real ones.
"""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from .plugins import installed_plugins

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TVMW_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# No published fallback: production requires SECRET_KEY; `local` makes a random one per install
# (var/secret_key); `test` has its own. Anything signed with a key from the repository is refused.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc served from here, not a CDN (offline installs)
    "axes",
    "tvmiddleware",
    "billing",
    # Website widgets operators embed on their site (docs/widgets.md).
    "widgets",
    # The widgets' captcha, drawn by us (no third-party service): /widgets/captcha/.
    "captcha",
    # Moving an operator between databases, imports from OFT and Hydra (docs/migration-tools.md).
    "migration_tools",
    # Demo data to try the middleware out (`seed_demo`; refused under production settings).
    "demo",
    # Optional integrations (settings/plugins.py): each declares its own wiring in its AppConfig.
    *installed_plugins(),
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: runs PANEL_MIDDLEWARE for everything but the APIs (common/middleware.py says why).
    "common.middleware.PanelMiddleware",
]
# What the operator panel (people in a browser) needs, in Django's usual order; skipped for the APIs.
PANEL_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Last, as django-axes requires: answers locked-out staff logins.
    "axes.middleware.AxesMiddleware",
]
# Requests under these paths come from apps, boxes, streamers and billing systems, never a browser
# session: they skip PANEL_MIDDLEWARE.
# The widgets are framed by other sites: no panel session or CSRF cookie there (widgets/security.py).
API_PATH_PREFIXES = ("/tvmiddleware/api/", "/streaming/", "/billing/api/", "/content/api/", "/widgets/")
# The admin's and django-axes' checks look for their middleware in MIDDLEWARE by name; they run inside
# PanelMiddleware for every panel request (tests/test_panel_middleware.py holds that).
SILENCED_SYSTEM_CHECKS = ["admin.E408", "admin.E409", "admin.E410", "axes.W002"]

# AxesStandaloneBackend first: it refuses locked-out credentials before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# `manage.py seed_demo` (creates admin/admin) runs here; settings.production turns it off.
SEED_DEMO_ALLOWED = True

ROOT_URLCONF = "settings.urls"
WSGI_APPLICATION = "settings.wsgi.application"
ASGI_APPLICATION = "settings.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "db.sqlite3",
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tvmiddleware",
    }
}

# Staff passwords use Django's default (PBKDF2, high work factor). Subscriber account passwords are
# short numeric PINs typed on remote controls; they are hashed with a dedicated, cheaper PBKDF2
# variant (`ACCOUNT_PASSWORD_HASH_ITERATIONS`) so bulk provisioning and device logins stay fast,
# while brute force is stopped by the login rate limit rather than by hash cost.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "tvmiddleware.hashers.AccountPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
ACCOUNT_PASSWORD_HASH_ITERATIONS = env_int("ACCOUNT_PASSWORD_HASH_ITERATIONS", 20_000)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en-us")
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# The middleware's public address in the widgets' embed code (docs/widgets.md); empty: the panel's own address.
WIDGETS_BASE_URL = os.environ.get("WIDGETS_BASE_URL", "")
# The widgets' captcha (django-simple-captcha): five letters, distorted, valid ten minutes.
CAPTCHA_LENGTH = 5
CAPTCHA_TIMEOUT = 10
CAPTCHA_IMAGE_SIZE = (150, 50)
CAPTCHA_FONT_SIZE = 34

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "TV middleware",
    "DESCRIPTION": "IPTV/OTT operator middleware with Smarty-compatible APIs.",
    "VERSION": "0.1.0",
    # The API document itself is generated from the methods' specs (apikit.openapi, apis/schema.py);
    # drf-spectacular serves the browsable UIs over it, with assets from drf-spectacular-sidecar.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No validator badge: Swagger UI would send the document's URL to validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
}

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", os.environ.get("REDIS_URL", "memory://"))
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # Safety net for the outbox: deliveries whose on-commit task was lost, and retries that are due.
    "deliver-due-events": {
        "task": "tvmiddleware.tasks.deliver_due_events",
        "schedule": 30.0,
    },
    "import-epg-sources": {
        "task": "tvmiddleware.tasks.import_epg_sources",
        "schedule": 6 * 3600.0,
    },
    "check-accounts": {
        "task": "billing.tasks.check_accounts",
        "schedule": 3600.0,
    },
    # Plugin apps add their own entries from their AppConfig (`beat_schedule`); an entry of the same
    # name here overrides the app's.
    "expire-program-blockings": {
        "task": "tvmiddleware.tasks.expire_program_blockings",
        "schedule": 600.0,
    },
    # Login-attempt counters kept in the database while Redis was down, once their window ended.
    "purge-attempt-counters": {
        "task": "tvmiddleware.tasks.purge_attempt_counters",
        "schedule": 3600.0,
    },
    # Subscriber actions older than TVMIDDLEWARE_SUBSCRIBER_ACTIONS_DAYS (docs/security.md).
    "purge-subscriber-actions": {
        "task": "tvmiddleware.tasks.purge_subscriber_actions",
        "schedule": 6 * 3600.0,
    },
    # Widget sessions ended or expired more than a day ago, and expired captchas.
    "purge-widget-sessions": {
        "task": "widgets.tasks.purge_widget_sessions",
        "schedule": 3600.0,
    },
}

# The periodic schedule above, run in-process by a thread of the serving process (no beat, no worker):
# on in the embedded default (settings.local), off elsewhere unless enabled. See tvmiddleware/scheduler.py.
EMBEDDED_SCHEDULER = env_bool("EMBEDDED_SCHEDULER", False)
EMBEDDED_SCHEDULER_POLL_SECONDS = float(os.environ.get("EMBEDDED_SCHEDULER_POLL_SECONDS") or 5)
# A scheduled job whose process died is taken over after this long (a running job keeps extending it).
SCHEDULED_JOB_LEASE_SECONDS = env_int("SCHEDULED_JOB_LEASE_SECONDS", 120)

# --- Mail (payment receipts) ---------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "tv@localhost")

# --- Domain events ------------------------------------------------------------------------------
EVENT_DELIVERY_MAX_ATTEMPTS = env_int("EVENT_DELIVERY_MAX_ATTEMPTS", 12)
EVENT_DELIVERY_BACKOFF_BASE_SECONDS = env_int("EVENT_DELIVERY_BACKOFF_BASE_SECONDS", 30)
EVENT_DELIVERY_BACKOFF_MAX_SECONDS = env_int("EVENT_DELIVERY_BACKOFF_MAX_SECONDS", 6 * 3600)
# A delivery claimed by a worker that died is taken over after this long.
EVENT_DELIVERY_LEASE_SECONDS = env_int("EVENT_DELIVERY_LEASE_SECONDS", 300)

# --- Plugin apps' settings ------------------------------------------------------------------------
# Each plugin app gives its own settings their defaults (`settings_defaults` in its AppConfig, read
# from the same-named environment variables); a setting of that name set here or in a settings module
# that imports this one wins.

# --- Stream tokens (names as in the product) -----------------------------------------------------
TVMIDDLEWARE_STREAM_SERVICE_TOKEN_TTL = env_int("TVMIDDLEWARE_STREAM_SERVICE_TOKEN_TTL", 3600)
TVMIDDLEWARE_STREAM_SERVICE_TOKEN_MAX_TTL = env_int("TVMIDDLEWARE_STREAM_SERVICE_TOKEN_MAX_TTL", 10800)
TVMIDDLEWARE_STREAM_SERVICE_TOKEN_PROLONGATION_THRESHOLD_TTL = env_int(
    "TVMIDDLEWARE_STREAM_SERVICE_TOKEN_PROLONGATION_THRESHOLD_TTL", 360
)
TVMIDDLEWARE_STREAM_SERVICE_AUTH_DURATION = env_int("TVMIDDLEWARE_STREAM_SERVICE_AUTH_DURATION", 180)
# Subscriber actions (the device API's and the widgets' log, docs/security.md) are kept this many days;
# 0 keeps them for ever.
TVMIDDLEWARE_SUBSCRIBER_ACTIONS_DAYS = env_int("TVMIDDLEWARE_SUBSCRIBER_ACTIONS_DAYS", 365)
# Per-process copy of an account's access snapshot in front of the shared cache (token check hot path).
TVMIDDLEWARE_ACCESS_LOCAL_CACHE_SECONDS = env_int("TVMIDDLEWARE_ACCESS_LOCAL_CACHE_SECONDS", 5)
# The token check URL without a service key (Smarty's): "auto" = only while the installation has a
# single operator, "on" = always (any operator's token at any streamer using it), "off" = never.
TVMIDDLEWARE_TOKEN_CHECK_SHARED_URL = os.environ.get("TVMIDDLEWARE_TOKEN_CHECK_SHARED_URL", "auto")

# --- Client addresses (common/client_address.py) -------------------------------------------
# Reverse proxies whose X-Forwarded-For / X-Real-IP are believed (addresses or CIDRs, comma-separated
# in the environment). Empty: nobody's; the client address is the TCP peer.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
# Streaming servers whose report of the viewer's IP (`ip`, `addr`, `X-Real-IP`) the token check
# believes. Default: this machine only (a streamer on the same box).
STREAMER_ADDRESSES = env_list("STREAMER_ADDRESSES", ["127.0.0.0/8", "::1"])

# --- Staff login throttling (django-axes) ----------------------------------------------------------
# After AXES_FAILURE_LIMIT wrong passwords for one username from one client address, that pair is
# locked out for AXES_COOLOFF_MINUTES (a wrong try while locked restarts the wait). Unlock earlier
# with `manage.py axes_reset_username <name>` or `axes_reset`.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "common.client_address.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}",
                          "style": "{"},
    },
    # URLs in log lines (django.request's 4xx/5xx, runserver's request lines) lose their secrets.
    "filters": {
        "redact_secrets": {"()": "tvmiddleware.log_redaction.RedactSecretsFilter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secrets"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server",
                          "filters": ["redact_secrets"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Named here so that Django's default handlers (which know nothing of redaction) are replaced.
        "django": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO"), "propagate": False},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}
