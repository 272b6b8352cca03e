"""The WSGI fast path of the token check answers exactly what Django's route answers, and passes
everything else to Django (tvmiddleware/streaming/fast_path.py)."""
from __future__ import annotations

import io
import sys
from urllib.parse import urlencode

import pytest

from tvmiddleware.streaming import access
from tvmiddleware.streaming.fast_path import TokenCheckFastPath, route_of

from .conftest import SERVICE_CHECK_PATHS
from .test_token_check import URLS, live_token

COMPARED_HEADERS = ("Content-Type", "X-AuthDuration", "X-UserId", "X-Max-Sessions")


@pytest.fixture(autouse=True)
def _signals_keep_the_test_transaction(keep_db_connection):
    """The fast path sends Django's request signals; here they must not close the test's connection."""


class _Django:
    """Stands for the Django application behind the fast path: records what reaches it."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, environ, start_response):
        self.calls.append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}")
        start_response("418 I'm a teapot", [("Content-Type", "text/plain")])
        return [b"django"]


def _fast(path: str, params: dict, *, method: str = "GET", remote: str = "127.0.0.1", headers: dict | None = None):
    django = _Django()
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": urlencode(params),
               "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": "testserver",
               "wsgi.input": io.BytesIO(b""), "wsgi.url_scheme": "http", "REMOTE_ADDR": remote,
               "wsgi.errors": sys.stderr, **(headers or {})}
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(response_headers)

    answer["body"] = b"".join(TokenCheckFastPath(django)(environ, start_response))
    answer["django_calls"] = django.calls
    return answer


def _params(token: str, **extra) -> dict:
    return {"name": "first", "proto": "hls", "ip": "10.0.0.5", "token": token, "request_type": "new_session",
            "session_id": "s-1", "unknown_param": "x", **extra}


def _same(client, path: str, params: dict, **fast_kwargs) -> dict:
    through_django = client.get(path, params)
    fast = _fast(path, params, **fast_kwargs)
    assert fast["django_calls"] == []
    assert fast["status"] == through_django.status_code
    assert fast["body"] == through_django.content
    assert int(fast["headers"]["Content-Length"]) == len(fast["body"])
    for name in COMPARED_HEADERS:
        assert fast["headers"].get(name) == (through_django[name] if name in through_django else None), name
    return fast


@pytest.mark.parametrize("url", URLS + SERVICE_CHECK_PATHS)
def test_a_valid_token_is_answered_alike_at_every_check_url(client, world, url):
    answer = _same(client, url, _params(live_token(world)))
    assert answer["status"] == 200 and answer["headers"]["X-UserId"] == str(world.account.pk)


@pytest.mark.parametrize("case", ["forged", "missing", "other_name", "revoked"])
def test_refusals_are_answered_alike(client, world, case):
    token = live_token(world)
    params = _params(token)
    if case == "forged":
        params["token"] = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    elif case == "missing":
        del params["token"]
    elif case == "other_name":
        params["name"] = "second"
    else:
        world.account.active = False
        world.account.save(update_fields=["active"])
        access.invalidate_account(world.account.pk)
    answer = _same(client, SERVICE_CHECK_PATHS[0], params)
    assert answer["status"] == 403


def test_a_token_of_another_service_is_refused_at_a_service_url(client, world):
    from tests import factories
    from tvmiddleware.models import StreamServiceType
    from tvmiddleware.streaming.stream_urls import stream_url

    other = factories.StreamServiceFactory(client=world.client, type=StreamServiceType.LIVE,
                                           url_mask="http://other.example/$prefix/index.m3u8?token=$token",
                                           check_key="another-check-key-0123456789")
    url, service = stream_url(account=world.account, kind="live", channel=world.channel,
                              exclude_service_ids=[world.live.pk])
    assert service.pk == other.pk
    token = url.split("token=")[1]
    assert _same(client, SERVICE_CHECK_PATHS[0], _params(token))["status"] == 403


def test_head_has_the_status_and_headers_without_a_body(world):
    answer = _fast(SERVICE_CHECK_PATHS[0], _params(live_token(world)), method="HEAD")
    assert answer["status"] == 200 and answer["body"] == b"" and answer["headers"]["X-UserId"]


def test_everything_else_goes_to_django(world):
    token = live_token(world)
    for path, method in ((SERVICE_CHECK_PATHS[0], "POST"), ("/streaming/api/ping/", "GET"),
                         ("/tvmiddleware/api/streamservice/token/check", "GET"),  # no trailing slash
                         ("/tvmiddleware/api/streamservice/a/b/token/check/", "GET"),
                         ("/tvmiddleware/api/channel/list/", "GET")):
        answer = _fast(path, _params(token), method=method)
        assert answer["django_calls"] == [f"{method} {path}"] and answer["status"] == 418


def test_the_routes_are_the_urlconfs():
    """Every path the fast path takes resolves to the token check view in the URLconf, with the same key."""
    from django.urls import resolve

    from tvmiddleware.streaming import views

    for path in [*URLS, *SERVICE_CHECK_PATHS, "/streaming/api/streamservice/token/token/check/"]:
        taken, key = route_of(path)
        match = resolve(path)
        assert taken and match.func is views.token_check and match.kwargs.get("check_key") == key, path
    assert route_of("/streaming/api/ping/") == (False, None)


def test_the_served_application_has_the_fast_path():
    import settings.wsgi as served

    assert isinstance(served.application, TokenCheckFastPath)
