"""A private `redis-server` for outage tests: started on a free loopback port, killed, paused (SIGSTOP)
and resumed at will. Never the shared Redis."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time

import pytest
import redis


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    def __init__(self, workdir: str) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.paused = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2, socket_connect_timeout=2)

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.workdir, "--protected-mode", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def kill(self) -> None:
        if self.process is not None:
            if self.paused:
                self.resume()
            self.process.kill()
            self.process.wait(10)
            self.process = None

    def pause(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)
        self.paused = False

    def commands_processed(self) -> int:
        return int(self.client().info("stats")["total_commands_processed"])


@pytest.fixture
def private_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(str(tmp_path))
    server.start()
    yield server
    server.kill()


@pytest.fixture
def redis_cache(private_redis, settings):
    """The default cache is the project's Redis backend on the private server (short timeouts and a
    one-second retry period, so tests see recovery quickly)."""
    from common.cache import reset_circuits

    reset_circuits()
    settings.CACHES = {"default": {
        "BACKEND": "common.cache.RedisCache", "LOCATION": private_redis.url, "KEY_PREFIX": "sec",
        "OPTIONS": {"socket_timeout": 0.3, "socket_connect_timeout": 0.3}, "OUTAGE_RETRY_SECONDS": 1,
    }}
    yield private_redis
    private_redis.kill()  # before the settings go back: nothing may be left paused
    reset_circuits()
