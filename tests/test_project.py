"""Project-level guarantees: settings, migrations, entry points, health endpoint."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
PROD_ENV = {
    "DATABASE_URL": "postgres://u@127.0.0.1:5432/x",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SECRET_KEY": "s" * 50,
    "ALLOWED_HOSTS": "tv.example.net",
}


def run_manage(*args, env_extra=None, drop=()):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", *drop)}
    env.update(env_extra or {})
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("missing", ["DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_its_variables(missing):
    env = {k: v for k, v in PROD_ENV.items() if k != missing}
    result = run_manage("check", "--settings=settings.production", env_extra=env, drop=tuple(PROD_ENV))
    assert result.returncode != 0
    assert "settings.production needs these environment variables" in result.stderr
    assert missing in result.stderr


def test_production_settings_load_with_their_variables():
    result = run_manage("check", "--deploy", "--settings=settings.production", env_extra=PROD_ENV)
    assert result.returncode == 0, result.stderr


def test_every_settings_module_runs_commands():
    for name in ("local", "test"):
        result = run_manage("check", f"--settings=settings.{name}")
        assert result.returncode == 0, (name, result.stderr)


@pytest.mark.django_db
def test_migrations_are_in_sync_with_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_wsgi_and_asgi_entry_points():
    code = ("import settings.wsgi as w, settings.asgi as a; "
            "print(callable(w.application), callable(a.application))")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(PROD_ENV)  # the entry points default to settings.production
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "True True", result.stderr


def test_celery_app_is_configured():
    from settings import celery_app

    assert celery_app.main == "tvmiddleware"
    celery_app.loader.import_default_modules()  # what a worker does at start
    assert "tvmiddleware.tasks.deliver_event" in celery_app.tasks


@pytest.mark.django_db
def test_health_check_answers_without_session(client):
    response = client.get("/tvmiddleware/api/health/check/")
    assert response.status_code == 200
    body = response.json()
    assert body["error"] == 0 and body["alive"] == 1 and body["connection_errors"] == []
    assert set(body) >= {"usage", "alive", "connection_errors", "reserved_server_addresses", "error"}


@pytest.mark.django_db
def test_health_check_reports_a_broken_cache(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}
    response = client.get("/tvmiddleware/api/health/check/")
    # The node still serves from the database: degraded, not dead (see docs/notes-redis.md).
    assert response.status_code == 200
    assert response.json()["alive"] == 1 and response.json()["degraded"] == 1
    assert any(error.startswith("cache") for error in response.json()["connection_errors"])


@pytest.mark.django_db
def test_health_check_fails_without_the_database(client, monkeypatch):
    from apis import health

    monkeypatch.setattr(health, "_check_databases", lambda: ["database default: OperationalError"])
    response = client.get("/tvmiddleware/api/health/check/")
    assert response.status_code == 503 and response.json()["alive"] == 0


@pytest.mark.django_db
def test_standard_device_types_come_back_after_a_flush():
    """`flush` (also between transactional tests) empties data-migration rows, then emits post_migrate,
    whose handler puts them back."""
    from django.db.models.signals import post_migrate

    from tvmiddleware.apps import _ensure_device_types
    from tvmiddleware.models import DeviceType
    from tvmiddleware.models.devices import STANDARD_DEVICE_TYPES

    assert any(entry[1]() is _ensure_device_types for entry in post_migrate.receivers)
    DeviceType.objects.all().delete()
    _ensure_device_types(using="default")
    assert DeviceType.objects.count() == len(STANDARD_DEVICE_TYPES)
