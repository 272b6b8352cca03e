"""The cinema fakes' base (`tests.cinema_kit.fake_partner`): routes, the check hook, the request log,
injected trouble, and that every cinema fake is built on it."""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest

from tests.cinema_kit.fake_partner import FakePartner, Reply, Request, free_port, json_reply, serving
from tests.cinema_kit.fakes import FakeSvodPartner
from tests.megogo.fakes import FakeMegogo
from tests.tvzavr.fakes import FakeTvzavr


@dataclass
class Echo(FakePartner):
    routes = [("GET", "/items/([0-9]+)", "_item"), ("POST", "/items", "_add")]
    key: str = "k"

    def check(self, request: Request) -> Reply | None:
        return None if request.headers.get("X-Key") == self.key else json_reply(401, {"error": "bad key"})

    def _item(self, request: Request, number: str) -> Reply:
        return json_reply(200, {"item": int(number), "q": request.params})

    def _add(self, request: Request) -> Reply:
        return json_reply(201, request.json())


def call(fake: FakePartner, path: str, *, key: str = "k", body: dict | None = None) -> tuple[int, object]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(fake.url + path, data=data, headers={"X-Key": key})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture
def echo():
    with serving(Echo()) as fake:
        yield fake


def test_routes_groups_query_and_body(echo):
    assert call(echo, "/items/7?a=1") == (200, {"item": 7, "q": {"a": "1"}})
    assert call(echo, "/items", body={"x": 1}) == (201, {"x": 1})
    assert call(echo, "/items/x") == (404, {"error": "no such path"})
    assert call(echo, "/items/7", body={}) == (404, {"error": "no such path"})  # POST is not routed there


def test_the_check_hook_refuses_before_any_route(echo):
    assert call(echo, "/items/7", key="wrong") == (401, {"error": "bad key"})
    assert [(r.method, r.path) for r in echo.log] == [("GET", "/items/7")]  # refused calls are logged too
    assert echo.hits["/items/7"] == 1


def test_down_and_injected_failures(echo):
    echo.down = 503
    assert call(echo, "/items/1", key="wrong") == (503, {"error": "maintenance"})  # before the check
    echo.down = None
    echo.fail("/items/[0-9]+", 500, times=2)
    assert [call(echo, "/items/1")[0] for _ in range(3)] == [500, 500, 200]
    echo.fail("/items", 429)
    assert call(echo, "/items", body={})[0] == 429 and call(echo, "/items/1")[0] == 200


def test_a_delay_and_held_answers(echo):
    echo.delay = 0.1
    started = time.monotonic()
    assert call(echo, "/items/1")[0] == 200
    assert time.monotonic() - started >= 0.1
    echo.delay = 0
    echo.running.clear()
    answers = []
    thread = threading.Thread(target=lambda: answers.append(call(echo, "/items/2")[0]))
    thread.start()
    time.sleep(0.2)
    assert answers == []
    echo.running.set()
    thread.join(5)
    assert answers == [200]


def test_serving_stops_the_server_and_free_ports_refuse():
    with serving(Echo()) as fake:
        url = fake.url
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "/items/1", timeout=2)
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://127.0.0.1:{free_port()}/", timeout=2)


def test_the_base_compares_fakes_by_identity():
    assert FakePartner() != FakePartner() and len({FakePartner(), FakePartner()}) == 2
    assert FakeMegogo(cover_variants=1) != FakeMegogo(cover_variants=1)


@pytest.mark.parametrize("fake", [FakeSvodPartner, FakeTvzavr, FakeMegogo])
def test_every_cinema_fake_is_built_on_the_base(fake):
    assert issubclass(fake, FakePartner) and fake.routes
    assert "check" in vars(fake)  # each checks what its partner checks
