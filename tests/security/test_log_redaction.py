"""Credentials in query strings never reach the logs.

The attack: Smarty clients send `password`, `api_key`, `authkey` and `token` in query strings, and
gunicorn's access log kept them for anyone who can read the logs (or the log shipper's index).
"""
from __future__ import annotations

import http.client
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tvmiddleware.log_redaction import RedactSecretsFilter, redact_query, redact_url

ROOT = Path(__file__).resolve().parent.parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))

SECRETS = {
    "password": "pw-Secret-111", "api_key": "ak-Secret-222", "authkey": "auth-Secret-333",
    "token": "tok-Secret-444", "pin": "pin-Secret-555", "parent_code": "pc-Secret-666", "sign": "sg-Secret-777",
    "signature": "sig-Secret-888", "key": "key-Secret-999", "new_password": "npw-Secret-000",
    "Wallet_Password": "wpw-Secret-123",
}
QUERY = urlencode({"client_id": "17", **SECRETS, "device": "mag"})
FULL_FORMAT = ('%(h)s "%(r)s" %(s)s q=[%(q)s] U=[%(U)s] f=[%(f)s] qe=[%({query_string}e)s] '
               'raw=[%({raw_uri}e)s] orig=[%({x-original-uri}i)s] cookie=[%({cookie}i)s] '
               'auth=[%({authorization}i)s]')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn(tmp_path):
    """The project under real gunicorn with the shipped gunicorn.conf.py, logging to files."""
    port = free_port()
    access_log, error_log = tmp_path / "access.log", tmp_path / "error.log"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DJANGO_SETTINGS_MODULE": "settings.test",
           "GUNICORN_ACCESS_LOG_FORMAT": FULL_FORMAT, "LOG_LEVEL": "INFO", "TVMW_VAR_DIR": str(tmp_path)}
    process = subprocess.Popen(
        [GUNICORN, "-c", str(ROOT / "gunicorn.conf.py"), "settings.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "1", "--access-logfile", str(access_log),
         "--error-logfile", str(error_log), "--capture-output"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"gunicorn did not start: {error_log.read_text()}") from None
            time.sleep(0.2)
    yield port, access_log, error_log
    os.killpg(process.pid, 15)
    process.wait(timeout=30)


def get(port: int, path: str, **headers: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers)
    status = conn.getresponse().status
    conn.close()
    return status


def test_gunicorn_logs_carry_no_secrets(gunicorn):
    port, access_log, error_log = gunicorn
    headers = {"Referer": f"http://portal.example/page?{QUERY}", "X-Original-URI": f"/live/index.m3u8?{QUERY}",
               "Cookie": "authkey=auth-Secret-333; sessionid=cookie-Secret", "Authorization": "Basic QWxhZGRpbjpvcGVu"}
    assert get(port, f"/streaming/api/ping/?{QUERY}", **headers) == 200
    assert get(port, f"/no/such/page/?{QUERY}", **headers) == 404  # django.request logs a warning
    get(port, f"/tvmiddleware/api/login/?{QUERY}")  # no tables in this database: an error, logged too
    deadline = time.monotonic() + 10
    while access_log.read_text().count("\n") < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    logged = access_log.read_text() + error_log.read_text()
    assert "/streaming/api/ping/" in logged and "client_id=17" in logged and "device=mag" in logged
    assert "Not Found" in logged  # Django's request log is in the error log, and was checked too
    assert "[REDACTED]" in logged
    for value in [*SECRETS.values(), "cookie-Secret", "QWxhZGRpbjpvcGVu"]:
        assert value not in logged, (value, logged)


def test_django_logging_redacts_urls():
    """The LOGGING filter on Django's handlers (django.request, django.server/runserver)."""
    code = (
        "import django, logging; django.setup(); "
        f"logging.getLogger('django.request').warning('Not Found: %s', '/x/?{QUERY}'); "
        f"logging.getLogger('django.server').info('\"%s\" %s %s', 'GET /a/?{QUERY} HTTP/1.1', '200', '5'); "
        f"logging.getLogger('tvmiddleware.anything').error('calling http://partner/api?{QUERY} failed')"
    )
    env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "settings.test"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("client_id=17") == 3 and result.stderr.count("&password=[REDACTED]") == 3
    for value in SECRETS.values():
        assert value not in result.stderr


@pytest.mark.parametrize(("text", "expected"), [
    ("GET /api/login/?abonement=1&password=9&x=2 HTTP/1.1", "GET /api/login/?abonement=1&password=[REDACTED]&x=2 HTTP/1.1"),
    ("/a?API_KEY=1", "/a?API_KEY=[REDACTED]"),
    ("/a?pass%77ord=1", "/a?pass%77ord=[REDACTED]"),
    ("/a?token=&b=1", "/a?token=&b=1"),
    ("/a?tokens=1&keyword=2", "/a?tokens=1&keyword=2"),
    ("see /a?key=1 and /b?sign=2#frag", "see /a?key=[REDACTED] and /b?sign=[REDACTED]#frag"),
    ("no query here", "no query here"),
])
def test_redact_url(text, expected):
    assert redact_url(text) == expected


def test_redact_query_keeps_other_parameters():
    assert redact_query("a=1&authkey=2&authkey=3&b") == "a=1&authkey=[REDACTED]&authkey=[REDACTED]&b"


def test_a_widget_session_key_in_the_address_is_redacted():
    assert redact_query("lang=ru&ws=abcdefghijklmnopqrstuvwxyz123456&view=tariffs") == (
        "lang=ru&ws=[REDACTED]&view=tariffs")


def test_filter_leaves_unrelated_records_alone():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "value %s", ("plain",), None)
    assert RedactSecretsFilter().filter(record) and record.getMessage() == "value plain"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "url %s", ("/a?pin=1234",), None)
    assert RedactSecretsFilter().filter(record) and record.getMessage() == "url /a?pin=[REDACTED]"
