"""Delivery of messages to subscribers (tvmiddleware.notify): the console, e-mail and SMS backends,
the HTTP SMS gateway adapter against a real server on loopback, and no secret in the logs."""
from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail

from tvmiddleware.notify import DeliveryFailed, NoAddress, deliver, mask


class Gateway(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):  # noqa: N802 (the http.server API)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.headers.get("Authorization"), json.loads(body)))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    Gateway.received, Gateway.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.TVMIDDLEWARE_SMS_BACKEND = "tvmiddleware.notify.sms.HttpGatewaySMSBackend"
    settings.TVMIDDLEWARE_SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_address[1]}/send"
    settings.TVMIDDLEWARE_SMS_GATEWAY_TOKEN = "gw-token"
    settings.TVMIDDLEWARE_SMS_GATEWAY_SENDER = "MyTV"
    settings.TVMIDDLEWARE_SMS_GATEWAY_TIMEOUT = 5
    yield Gateway
    server.shutdown()
    server.server_close()


def test_sms_through_the_http_gateway(gateway, caplog):
    caplog.set_level(logging.DEBUG)
    deliver("sms", to="+79001234567", subject="PIN", text="Your TV PIN: 4321")
    assert gateway.received == [("Bearer gw-token", {"to": "+79001234567", "text": "Your TV PIN: 4321",
                                                     "sender": "MyTV"})]
    assert "4321" not in caplog.text and "+79001234567" not in caplog.text and "***4567" in caplog.text
    gateway.status = 503
    with pytest.raises(DeliveryFailed):
        deliver("sms", to="+79001234567", subject="PIN", text="Your TV PIN: 4321")
    assert "4321" not in caplog.text


def test_gateway_unreachable_or_unset(settings):
    settings.TVMIDDLEWARE_SMS_BACKEND = "tvmiddleware.notify.sms.HttpGatewaySMSBackend"
    settings.TVMIDDLEWARE_SMS_GATEWAY_URL = ""
    with pytest.raises(DeliveryFailed):
        deliver("sms", to="+79001234567", subject="x", text="y")
    settings.TVMIDDLEWARE_SMS_GATEWAY_URL = "http://127.0.0.1:9/"
    settings.TVMIDDLEWARE_SMS_GATEWAY_TIMEOUT = 2
    with pytest.raises(DeliveryFailed):
        deliver("sms", to="+79001234567", subject="x", text="y")


def test_email_console_and_no_address(settings, capsys, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    caplog.set_level(logging.DEBUG)
    deliver("email", to="ivan@example.com", subject="Password reset", text="Your code: 123456")
    assert mail.outbox[-1].to == ["ivan@example.com"] and "123456" in mail.outbox[-1].body
    deliver("console", to="ivan@example.com", subject="Password reset", text="Your code: 654321")
    assert "654321" in capsys.readouterr().out
    assert "123456" not in caplog.text and "654321" not in caplog.text and "i***@example.com" in caplog.text
    with pytest.raises(NoAddress):
        deliver("sms", to=" ", subject="x", text="y")
    with pytest.raises(DeliveryFailed):
        deliver("pigeon", to="x", subject="x", text="y")
    assert mask("+79001234567") == "***4567" and mask("123") == "***"


def test_email_failure(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with pytest.raises(DeliveryFailed):
        deliver("email", to="ivan@example.com", subject="x", text="y")
