"""Payments fixtures: a fake Payture on loopback and merchants of an operator that use it."""
from __future__ import annotations

import threading

import pytest
import requests
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application

from payments.models import Merchant, MerchantType, RememberCard
from tests.payments.fakes import ADD_KEY, PASSWORD, PAY_KEY, SUCCESS_CARD, FakePayture

NOTIFY_PATH = "/billing/payment/payture/validate_notify/"


@pytest.fixture
def payture():
    server = FakePayture().start()
    yield server
    server.stop()


@pytest.fixture
def payture_merchant(client_obj, payture):
    return Merchant.objects.create(
        client=client_obj, merchant_type=MerchantType.PAYTURE, name="Card (Payture)", is_default=True,
        api_host=payture.host, pay_key=PAY_KEY, add_key=ADD_KEY, password=PASSWORD, template_tag="tvmw",
        remember_card=RememberCard.ON_REQUEST, timeout=5,
    )


@pytest.fixture
def null_merchant(client_obj):
    return Merchant.objects.create(client=client_obj, merchant_type=MerchantType.NULL, name="Demo payments")


class _WSGIServer(ThreadedWSGIServer):
    request_queue_size = 256  # 50 notifications arrive at once (Django's live server listens with 5)


@pytest.fixture
def middleware_server(transactional_db):
    """The middleware behind a real threaded HTTP server whose request threads use their own database
    connections (PostgreSQL tests: rows are committed, so every thread sees them)."""
    server = _WSGIServer(("127.0.0.1", 0), WSGIRequestHandler, allow_reuse_address=False)
    server.set_app(get_wsgi_application())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def pay_on_page(fake: FakePayture, redirect_url: str, card: str = SUCCESS_CARD) -> requests.Response:
    """What the customer does: open the hosted page and submit a card (the fake then notifies)."""
    page = requests.get(redirect_url, timeout=10)
    assert page.status_code == 200 and "<form" in page.text
    return requests.post(redirect_url, data={"Card": card}, timeout=30)
