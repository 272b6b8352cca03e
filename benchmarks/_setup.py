"""Shared setup for benchmark scripts: a scratch database, migrated, with Django configured.

By default a PostgreSQL database `tvmw_bench` on 127.0.0.1 (created if missing); set
`BENCH_DATABASE_URL` to use another one.
"""
from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tvmw_bench"


def setup(url: str | None = None) -> str:
    url = url or os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if url.startswith("postgres"):
        _create_pg_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.local")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def _maintenance_connection(url: str):
    """An autocommit connection to the server's `postgres` database, and the parsed URL."""
    import psycopg2
    from dj_database_url import parse

    cfg = parse(url)
    conn = psycopg2.connect(dbname="postgres", user=cfg["USER"], password=cfg["PASSWORD"] or None,
                            host=cfg["HOST"], port=cfg["PORT"] or 5432)
    conn.autocommit = True
    return conn, cfg


def _create_pg_database(url: str) -> None:
    conn, cfg = _maintenance_connection(url)
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
    conn.close()


def fresh_database(url: str) -> None:
    """An empty database at `url` (PostgreSQL dropped and created again; a SQLite file removed)."""
    if not url.startswith("postgres"):
        path = url.split("sqlite:///", 1)[-1]
        if path and os.path.exists(path):
            os.remove(path)
        return
    conn, cfg = _maintenance_connection(url)
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{cfg["NAME"]}"')
        cur.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
    conn.close()


def percentiles(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {p50:.2f} ms, p99 {p99:.2f} ms"


# --- a gunicorn server of the project, for the HTTP benchmarks ------------------------------------------

PING_PATH = "/streaming/api/ping/"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int, threads: int, *, env: dict[str, str]):
    """gunicorn (gthread) serving the project with `env` over this process's environment; returns once
    the trivial endpoint answers."""
    import http.client
    import subprocess
    import time

    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    # The shipped gunicorn.conf.py (log redaction), and the settings named explicitly: the entry point's
    # own default is settings.production, which these benchmarks configure through `env`.
    server_env = {**os.environ, **env, "DATABASE_URL": os.environ["DATABASE_URL"]}
    server_env["DJANGO_SETTINGS_MODULE"] = env.get("DJANGO_SETTINGS_MODULE", "settings.production")
    process = subprocess.Popen(
        [gunicorn, "-c", str(ROOT / "gunicorn.conf.py"), "settings.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads), "--keep-alive", "30",
         "--log-level", "warning"],
        cwd=ROOT, env=server_env, start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", PING_PATH)
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    stop_gunicorn(process)
    raise SystemExit("gunicorn did not answer within 30 s")


def stop_gunicorn(process) -> None:
    import signal
    import subprocess

    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
