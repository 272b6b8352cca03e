"""Celery app for the real-worker test: the project's app plus a probe handler that reports to Redis."""
import os

from celery.signals import worker_process_init, worker_init

from settings.celery import app  # noqa: F401  (the worker runs `-A tests.worker_app`)

PROBE_HANDLER = "test.worker_probe"


def _register_probe(**_kwargs):
    import redis

    from tvmiddleware.events import register_event_handler

    target = redis.Redis.from_url(os.environ["PROBE_REDIS_URL"])
    key = os.environ["PROBE_REDIS_KEY"]
    register_event_handler(PROBE_HANDLER, ["tariff.assigned"], lambda event: target.rpush(key, event.pk))


worker_init.connect(_register_probe)
worker_process_init.connect(_register_probe)
