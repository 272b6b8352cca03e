"""The panel's middleware (sessions, CSRF, authentication, messages, lockout) runs for the panel and is
skipped for the APIs, whose requests then leave no reference cycle behind (common/middleware.py)."""
from __future__ import annotations

import gc
import io
import sys

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client as HttpClient

from .conftest import API


def _wsgi_get(handler: WSGIHandler, path: str, query: str = "") -> tuple[str, bytes]:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "testserver",
               "SERVER_PORT": "80", "HTTP_HOST": "testserver", "wsgi.input": io.BytesIO(b""),
               "wsgi.url_scheme": "http", "REMOTE_ADDR": "127.0.0.1", "wsgi.errors": sys.stderr}
    status = []
    body = handler(environ, lambda s, headers, exc_info=None: status.append(s))
    content = b"".join(body)
    body.close()
    return status[0], content


@pytest.mark.django_db
def test_an_api_request_leaves_no_reference_cycle(subscriber, keep_db_connection):
    handler = WSGIHandler()
    query = f"client_id={subscriber.client.pk}&api_key={subscriber.client.api_key}&device=android_stb"
    _wsgi_get(handler, API + "portal/settings/list/", query)  # warm: imports, prepared queries, caches
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for path, q in ((API + "portal/settings/list/", query), (API + "health/check/", ""),
                        (API + "account/status/", "authkey=nope"), ("/streaming/api/ping/", "")):
            status, _ = _wsgi_get(handler, path, q)
            assert status.startswith("200"), (path, status)
        gc.collect()
        cyclic = [type(o).__name__ for o in gc.garbage]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert cyclic == []


@pytest.mark.django_db
def test_a_panel_request_still_has_a_session_and_a_user(admin_client):
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    assert response.wsgi_request.user.is_superuser and response.wsgi_request.session.session_key


@pytest.mark.django_db
def test_the_panel_keeps_csrf_protection():
    browser = HttpClient(enforce_csrf_checks=True)
    response = browser.post("/admin/login/", {"username": "someone", "password": "x"})
    assert response.status_code == 403  # no CSRF token


@pytest.mark.django_db
def test_api_requests_get_no_session_or_user(client, subscriber):
    response = client.get(API + "portal/settings/list/", {"client_id": subscriber.client.pk,
                                                           "api_key": subscriber.client.api_key})
    assert response.status_code == 200
    assert not hasattr(response.wsgi_request, "session") and not hasattr(response.wsgi_request, "user")
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
