"""Event delivery through a real Celery worker, Redis broker and PostgreSQL."""
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection

from settings import celery_app
from tests import factories
from tests.worker_app import PROBE_HANDLER
from tvmiddleware import events, services
from tvmiddleware.models import DeliveryStatus, EventDelivery

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL_FOR_TESTS", "redis://127.0.0.1:6379/15")


@pytest.fixture
def broker():
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()  # fails loudly when Redis is not running
    return client


@pytest.mark.postgres
@pytest.mark.services
def test_worker_delivers_event_enqueued_on_commit(broker):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    probe_key = f"probe-{queue}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "PROBE_REDIS_URL": REDIS_URL,
        "PROBE_REDIS_KEY": probe_key,
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tests.worker_app", "worker", "--pool=solo", "-Q", queue,
         "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    saved = dict(celery_app.conf)

    def reconnect(**conf):
        # Earlier tests may have opened the producer pool on the in-memory broker: start afresh.
        celery_app.conf.update(**conf)
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
            celery_app._pool = None
        celery_app.amqp._producer_pool = None

    events.register_event_handler(PROBE_HANDLER, ["tariff.assigned"], lambda event: None)
    try:
        reconnect(task_always_eager=False, broker_url=REDIS_URL, task_default_queue=queue)
        customer = factories.CustomerFactory()
        tariff = factories.TariffFactory(client=customer.client)
        subscription = services.tariff_assign(customer=customer, tariff=tariff)  # autocommit: enqueued now

        deadline = time.monotonic() + 60
        delivered = None
        while time.monotonic() < deadline:
            delivered = broker.lpop(probe_key)
            if delivered is not None or worker.poll() is not None:
                break
            time.sleep(0.2)
        assert worker.poll() is None, worker.stdout.read()
        delivery = EventDelivery.objects.get(handler=PROBE_HANDLER)
        assert delivered is not None and int(delivered) == delivery.event_id
        for _ in range(50):  # the worker records success right after the handler returns
            delivery.refresh_from_db()
            if delivery.status == DeliveryStatus.DELIVERED:
                break
            time.sleep(0.1)
        assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1
        assert delivery.event.payload["subscription_id"] == subscription.pk
    finally:
        events.unregister_event_handler(PROBE_HANDLER)
        reconnect(task_always_eager=saved["task_always_eager"], broker_url=saved["broker_url"],
                  task_default_queue=saved["task_default_queue"])
        worker.terminate()
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
        broker.delete(probe_key)
