"""Two nodes behind a balancer: what must hold across them.

Two gunicorn instances (settings.production, separate processes with their own per-process caches)
share this test's PostgreSQL database and Redis, behind a real nginx doing round-robin. A subscriber
logs in through the balancer and uses the session on both nodes; a stream token minted on one node
is accepted by the other's token check; a logout on one node ends the session on the other at once;
the session limit and the failed-login limit count across both.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings
from django.db import connection

from tests import factories
from tests.tvmiddleware.streaming.test_nginx_peer import (
    _free_port, _nginx_binary, _optional_temp_paths, start_nginx, stop_process,
)
from tvmiddleware import services
from tvmiddleware.models import StreamServiceType

pytestmark = [pytest.mark.postgres, pytest.mark.nginx]

ROOT = Path(__file__).resolve().parent.parent
API = "/tvmiddleware/api/"
CHECK_KEY = "two-nodes-live"

BALANCER = """
@@USER@@
worker_processes 1;
pid @@DIR@@/nginx.pid;
error_log @@DIR@@/error.log info;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path @@DIR@@/tmp/body;
    proxy_temp_path @@DIR@@/tmp/proxy;
    @@OPTIONAL_TEMP_PATHS@@
    upstream middleware {
        server 127.0.0.1:@@NODE_A@@;
        server 127.0.0.1:@@NODE_B@@;
    }
    server {
        listen 127.0.0.1:@@PORT@@;
        location / {
            proxy_pass http://middleware;
            proxy_set_header Host 127.0.0.1;
            proxy_set_header X-Real-IP $remote_addr;
            add_header X-Node $upstream_addr always;
        }
    }
}
"""


@dataclass
class Cluster:
    balancer: str
    node_a: str
    node_b: str


def _database_url() -> str:
    cfg = connection.settings_dict
    return f"postgres://{cfg['USER']}@{cfg['HOST'] or '127.0.0.1'}:{cfg['PORT'] or 5432}/{cfg['NAME']}"


def _wait_http(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.1)
    pytest.fail(f"gunicorn did not answer {url} within 30 s:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture
def cluster(transactional_db, tmp_path):
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        pytest.fail("the two-node test needs Redis: run with REDIS_URL (make test's second pass sets it)")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "settings.production", "DATABASE_URL": _database_url(),
           "REDIS_URL": redis_url, "SECRET_KEY": settings.SECRET_KEY, "ALLOWED_HOSTS": "127.0.0.1",
           "CACHE_KEY_PREFIX": f"two-nodes-{uuid.uuid4().hex[:8]}", "LOG_LEVEL": "WARNING",
           "EMBEDDED_SCHEDULER": "0", "TRUSTED_PROXIES": "127.0.0.1", "PYTHONPATH": str(ROOT)}
    processes: list[subprocess.Popen] = []
    try:
        ports = []
        for name in ("a", "b"):
            port = _free_port()
            log = tmp_path / f"node-{name}.log"
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "settings.wsgi:application",
                 "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"],
                cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT))
            _wait_http(processes[-1], f"http://127.0.0.1:{port}/streaming/api/ping/", log)
            ports.append(port)
        binary = _nginx_binary()
        (tmp_path / "tmp").mkdir()
        port = _free_port()
        text = BALANCER
        for marker, value in {"@@USER@@": "user root;" if os.geteuid() == 0 else "", "@@DIR@@": str(tmp_path),
                              "@@PORT@@": str(port), "@@NODE_A@@": str(ports[0]), "@@NODE_B@@": str(ports[1]),
                              "@@OPTIONAL_TEMP_PATHS@@": _optional_temp_paths(binary, tmp_path)}.items():
            text = text.replace(marker, value)
        conf = tmp_path / "nginx.conf"
        conf.write_text(text)
        processes.append(start_nginx(binary, tmp_path, conf, port))
        yield Cluster(balancer=f"http://127.0.0.1:{port}", node_a=f"http://127.0.0.1:{ports[0]}",
                      node_b=f"http://127.0.0.1:{ports[1]}")
    finally:
        for process in reversed(processes):
            stop_process(process)


@dataclass
class Subscriber:
    client: object
    abonement: str
    password: str
    channel: object


@pytest.fixture
def subscriber(transactional_db) -> Subscriber:
    client = factories.ClientFactory(api_key="two-nodes-key")
    customer = services.customer_create(client=client, firstname="Ivan", ext_id="TN-1")
    account, password = services.account_create(client=client, customer=customer, abonement="500001",
                                                password="2468")
    channel = factories.ChannelFactory(client=client, url_prefix="first")
    tariff = factories.TariffFactory(client=client, name="Base", basic_tariff_priority=1, sessions_count=1,
                                     basic_sessions_count=0, price=Decimal("0.00"))
    tariff.channels.add(channel)
    services.tariff_assign(customer=customer, tariff=tariff)
    factories.StreamServiceFactory(client=client, type=StreamServiceType.LIVE, check_key=CHECK_KEY,
                                   url_mask="http://127.0.0.1:8081/$prefix/index.m3u8?token=$token")
    return Subscriber(client=client, abonement=account.abonement, password=password, channel=channel)


def _call(base: str, method: str, **params) -> tuple[dict, str]:
    response = requests.get(base + API + method, params=params, timeout=10)
    assert response.status_code == 200, (method, response.status_code, response.text[:300])
    return response.json(), response.headers.get("X-Node", "")


def _login(base: str, who: Subscriber, device_uid: str, password: str | None = None) -> dict:
    body, _ = _call(base, "login/", client_id=who.client.pk, api_key="two-nodes-key", abonement=who.abonement,
                    password=who.password if password is None else password, device="android_stb",
                    device_uid=device_uid)
    return body


def test_a_session_opened_through_the_balancer_works_on_both_nodes(cluster, subscriber):
    login = _login(cluster.balancer, subscriber, "tn-device-1")
    assert login["error"] == 0, login
    nodes = set()
    for _ in range(10):
        body, node = _call(cluster.balancer, "account/status/", authkey=login["authkey"])
        assert body["error"] == 0, body
        nodes.add(node)
    assert len(nodes) == 2, nodes  # round-robin: both nodes answered, each with the same session


def test_a_token_minted_on_one_node_is_accepted_by_the_other(cluster, subscriber):
    login = _login(cluster.node_a, subscriber, "tn-device-1")
    body, _ = _call(cluster.node_a, "channel/url/", authkey=login["authkey"], cid=subscriber.channel.pk, redirect=0)
    assert body["error"] == 0, body
    token = parse_qs(urlsplit(body["uri"]).query)["token"][0]
    check = f"{API}streamservice/{CHECK_KEY}/token/check/"
    for node in (cluster.node_b, cluster.node_a):
        answer = requests.get(node + check, params={"token": token, "name": "first", "ip": "127.0.0.1"}, timeout=10)
        assert (answer.status_code, answer.json()) == (200, {"error": 0}), node
    other = requests.get(cluster.node_b + check, params={"token": token, "name": "second", "ip": "127.0.0.1"},
                         timeout=10)
    assert other.status_code == 403


def test_a_logout_on_one_node_ends_the_session_on_the_other(cluster, subscriber):
    login = _login(cluster.node_a, subscriber, "tn-device-1")
    assert _call(cluster.node_b, "account/status/", authkey=login["authkey"])[0]["error"] == 0  # cached on B
    assert _call(cluster.node_a, "logout/", authkey=login["authkey"])[0]["error"] == 0
    for node in (cluster.node_b, cluster.node_a, cluster.balancer):
        assert _call(node, "account/status/", authkey=login["authkey"])[0]["error"] == 403, node


def test_the_session_limit_counts_sessions_on_both_nodes(cluster, subscriber):
    first = _login(cluster.node_a, subscriber, "tn-device-1")
    assert first["error"] == 0, first
    second = _login(cluster.node_b, subscriber, "tn-device-2")
    assert second["error"] == 5, second  # SESSION_LIMIT: one concurrent session, opened on the other node
    assert _call(cluster.node_b, "logout/", authkey=first["authkey"])[0]["error"] == 0
    assert _login(cluster.node_a, subscriber, "tn-device-2")["error"] == 0


def test_failed_logins_are_counted_across_nodes(cluster, subscriber, settings):
    limit = 10  # TVMIDDLEWARE_LOGIN_FAILURES_PER_ABONEMENT's default, which the nodes run with
    answers = [_login(cluster.node_a if n % 2 else cluster.node_b, subscriber, "tn-device-1", password="0000")["error"]
               for n in range(limit)]
    assert 28 not in answers, answers  # each node alone saw only half the failures
    assert _login(cluster.balancer, subscriber, "tn-device-1")["error"] == 28  # even the right password now
    assert _login(cluster.node_a, subscriber, "tn-device-1")["error"] == 28
