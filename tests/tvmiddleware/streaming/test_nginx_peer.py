"""A real nginx in front of HLS files, asking our token check through `auth_request`.

nginx (Debian package nginx-light or nginx) runs as a subprocess on loopback with the config shape of
docs/streaming.md ("Configuring the streaming servers") and proxies `/_auth` to Django's live
server. A missing nginx fails the test: the integration must be proven, never skipped (`make test`
installs nginx; `make test-fast` deselects the `nginx` marker).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tvmiddleware.models import Account
from tvmiddleware.streaming import access
from tvmiddleware.streaming.stream_urls import stream_url

from .conftest import SERVICE_CHECK_PATHS, make_world

pytestmark = pytest.mark.nginx

PLAYLIST = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXTINF:6.0,\nseg-1.ts\n"
# The live server's own check URLs (what an operator configures), and Smarty's shared ones.
CHECK_PATHS = [*SERVICE_CHECK_PATHS,
               "/tvmiddleware/api/streamservice/token/check/", "/streaming/api/streamservice/token/check/"]

CONFIG = """
@@USER@@
worker_processes 1;
pid @@DIR@@/nginx.pid;
error_log @@DIR@@/error.log info;
events { worker_connections 64; }
http {
    access_log @@DIR@@/access.log;
    client_body_temp_path @@DIR@@/tmp/body;
    proxy_temp_path @@DIR@@/tmp/proxy;
    @@OPTIONAL_TEMP_PATHS@@
    types { application/vnd.apple.mpegurl m3u8; }
    server {
        listen 127.0.0.1:@@PORT@@;
        location ~ ^/live/(?<stream>[^/]+)/ {
            root @@DIR@@/www;
            set $auth_token $arg_token;            # rewrite phase runs before auth_request
            set $auth_stream $stream;
            auth_request /_auth;
        }
        location = /_auth {
            internal;
            proxy_pass http://@@BACKEND@@@@CHECK_PATH@@?name=$auth_stream&token=$auth_token&ip=$remote_addr&proto=hls;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Original-URI $request_uri;
        }
    }
}
"""


@dataclass
class Nginx:
    port: int
    www: Path

    def get(self, url: str) -> requests.Response:
        assert urlsplit(url).netloc == f"127.0.0.1:{self.port}", url
        return requests.get(url, timeout=10)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _nginx_binary() -> str:
    binary = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx")
                                            if os.access(p, os.X_OK)), None)
    if binary is None:
        pytest.fail("nginx is not installed: `apt-get install -y nginx-light` (the CI script installs it).")
    return binary


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _optional_temp_paths(binary: str, directory: Path) -> str:
    """Temp paths of the modules this build has, so nginx never touches /var/lib/nginx."""
    build = subprocess.run([binary, "-V"], capture_output=True, text=True).stderr
    lines = []
    for module in ("fastcgi", "uwsgi", "scgi"):
        if f"--without-http_{module}_module" not in build:
            lines.append(f"{module}_temp_path {directory}/tmp/{module};")
    return "\n    ".join(lines)


def _config(binary: str, directory: Path, port: int, backend: str, check_path: str) -> str:
    replacements = {
        "@@USER@@": "user root;" if os.geteuid() == 0 else "",  # workers must read files in tmp_path
        "@@DIR@@": str(directory), "@@PORT@@": str(port), "@@BACKEND@@": backend,
        "@@CHECK_PATH@@": check_path, "@@OPTIONAL_TEMP_PATHS@@": _optional_temp_paths(binary, directory),
    }
    text = CONFIG
    for marker, value in replacements.items():
        text = text.replace(marker, value)
    return text


def _wait_listening(process: subprocess.Popen, port: int, error_log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = error_log.read_text() if error_log.exists() else ""
            pytest.fail(f"nginx exited with {process.returncode}:\n{process.stdout.read()}\n{log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"nginx did not listen on 127.0.0.1:{port} within 15 s")


def start_nginx(binary: str, directory: Path, conf: Path, port: int) -> subprocess.Popen:
    """nginx in the foreground with `directory` as its prefix, once it listens on `port`."""
    process = subprocess.Popen(
        [binary, "-p", f"{directory}/", "-e", str(directory / "error.log"), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        _wait_listening(process, port, directory / "error.log")
    except BaseException:
        stop_process(process)
        raise
    return process


def stop_process(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(params=CHECK_PATHS, ids=["service-tvmiddleware", "service-streaming", "shared-tvmiddleware",
                                          "shared-streaming"])
def nginx(request, tmp_path, live_server):
    """nginx on a free loopback port, serving HLS from tmp_path behind the token check."""
    binary = _nginx_binary()
    (tmp_path / "tmp").mkdir()
    www = tmp_path / "www"
    for stream in ("first", "second"):
        (www / "live" / stream).mkdir(parents=True)
        (www / "live" / stream / "index.m3u8").write_text(PLAYLIST.replace("seg-1", f"{stream}-1"))
    port = _free_port()
    backend = f"127.0.0.1:{urlsplit(live_server.url).port}"
    conf = tmp_path / "nginx.conf"
    conf.write_text(_config(binary, tmp_path, port, backend, request.param))
    process = start_nginx(binary, tmp_path, conf, port)
    try:
        yield Nginx(port=port, www=www)
    finally:
        stop_process(process)


@pytest.fixture
def world(nginx, transactional_db):
    return make_world(live_mask=f"http://127.0.0.1:{nginx.port}/live/$prefix/index.m3u8?token=$token")


def url_for(world, channel, **kwargs) -> str:
    url, service = stream_url(account=world.account, kind="live", channel=channel, **kwargs)
    assert service == world.live
    return url


def test_valid_token_plays(nginx, world):
    response = nginx.get(url_for(world, world.channel))
    assert response.status_code == 200, response.text
    assert response.text == PLAYLIST.replace("seg-1", "first-1")


def test_forged_token_is_refused(nginx, world):
    url = url_for(world, world.channel)
    token = url.split("token=")[1]
    forged = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    assert nginx.get(url.replace(token, forged)).status_code == 403
    assert nginx.get(url.split("?")[0]).status_code == 403  # no token at all
    assert nginx.get(url.split("?")[0] + "?token=" + "A" * 600).status_code == 403


def test_expired_token_is_refused(nginx, world):
    assert nginx.get(url_for(world, world.channel, now=time.time() - 4000)).status_code == 403


def test_token_for_another_channel_is_refused(nginx, world):
    world.tariff.channels.add(world.other_channel)  # the account may watch both channels...
    access.invalidate_customer(world.customer.pk)
    url_second = url_for(world, world.other_channel)
    assert nginx.get(url_second).status_code == 200
    stolen = url_second.replace("/live/second/", "/live/first/")  # ...but a token opens only its own
    assert nginx.get(stolen).status_code == 403


def test_revocation_reaches_the_viewer(nginx, world):
    url = url_for(world, world.channel)
    assert nginx.get(url).status_code == 200
    Account.objects.filter(pk=world.account.pk).update(active=False, status_reason="DEBT")
    access.invalidate_account(world.account.pk)
    assert nginx.get(url).status_code == 403


def test_ip_bound_token_follows_remote_addr(nginx, world):
    world.live.check_ip = True
    world.live.save()
    assert nginx.get(url_for(world, world.channel, ip="127.0.0.1")).status_code == 200
    assert nginx.get(url_for(world, world.channel, ip="192.0.2.1")).status_code == 403


def test_another_operators_token_for_a_stream_of_the_same_name_is_refused(nginx, world):
    """The cross-operator attack through a real streamer: operator 2 also has a channel `first`.

    Through the live server's own check URL the token is not this service's; through the shared URL
    the installation now has two operators, so the shared URL accepts nothing.
    """
    other = make_world(live_mask=f"http://127.0.0.1:{nginx.port}/live/$prefix/index.m3u8?token=$token",
                       live_check_key="another-operators-check-key-0001")
    other_url, _ = stream_url(account=other.account, kind="live", channel=other.channel)
    assert "/live/first/" in other_url
    assert nginx.get(other_url).status_code == 403
    assert nginx.get(url_for(world, world.channel)).status_code == (
        200 if "/streamservice/token/" not in _check_path_of(nginx) else 403)


def _check_path_of(nginx: Nginx) -> str:
    return (nginx.www.parent / "nginx.conf").read_text().split("proxy_pass http://")[1].split("?")[0]
