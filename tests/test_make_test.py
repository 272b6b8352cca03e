"""`make test` is the README's promise: the whole suite, both passes, with its services set up —
and one clear line, not a wall of pytest errors, when a service cannot be had."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "test-services"


def _dry_run(target: str) -> str:
    result = subprocess.run(["make", "-n", target, "PY=python"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_make_test_sets_up_services_and_runs_both_passes():
    commands = _dry_run("test")
    assert "scripts/test-services" in commands
    assert "ruff check" in commands
    passes = [line for line in commands.splitlines() if "-m pytest" in line]
    assert len(passes) == 2, commands
    sqlite, postgres = passes
    assert "-u DATABASE_URL" in sqlite and '-m "not postgres"' in sqlite
    assert "DATABASE_URL=postgres://" in postgres and "REDIS_URL=redis://" in postgres
    assert " -m " not in postgres.split("pytest", 1)[1]  # the PostgreSQL pass deselects nothing


def test_make_test_fast_needs_no_service():
    commands = _dry_run("test-fast")
    assert "test-services" not in commands
    assert re.search(r'-m "not postgres and not services and not nginx and not browser and not mariadb"',
                     commands), commands


def test_ci_calls_the_readme_command_and_nothing_else():
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    assert lines[-1] == "make test"
    assert not [line for line in lines if "pytest" in line or "apt-get" in line]


def test_every_marker_of_the_suite_is_run_by_make_test():
    """A marker the PostgreSQL pass deselected would be a test no command runs."""
    ini = (ROOT / "pytest.ini").read_text()
    declared = set(re.findall(r"^\s{4}(\w+):", ini, re.M))
    assert {"postgres", "services", "nginx", "browser", "mariadb"} <= declared


def test_missing_service_stops_with_one_line_naming_it():
    env = {**os.environ, "TEST_SERVICES_CHECK_ONLY": "1", "PY": sys.executable,
           "TEST_REDIS_URL": f"redis://127.0.0.1:{_free_port()}/0"}
    result = subprocess.run([str(SCRIPT)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("make test: Redis") and "redis-server" in errors[0]


def test_missing_chromium_stops_with_one_line_naming_it():
    env = {**os.environ, "TEST_SERVICES_CHECK_ONLY": "1", "PY": sys.executable,
           "CHROMIUM_PATH": str(ROOT / "var" / "no-such-chromium")}
    result = subprocess.run([str(SCRIPT)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("make test: Chromium"), result.stderr


def test_browser_tests_need_no_browser_download():
    """Debian's chromium, through Playwright's `executable_path`: never `playwright install`."""
    harness = (ROOT / "tests" / "browser" / "harness.py").read_text()
    assert '"executable_path": chromium_path()' in harness
    for path in (ROOT / "Makefile", SCRIPT, ROOT / ".ci" / "run"):
        assert "playwright install" not in path.read_text()


def test_unreachable_mariadb_stops_with_one_line():
    env = {**os.environ, "TEST_SERVICES_CHECK_ONLY": "1", "PY": sys.executable,
           "TEST_MARIADB_URL": f"mysql://root@127.0.0.1:{_free_port()}/"}
    result = subprocess.run([str(SCRIPT)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("make test: MariaDB"), result.stderr
    assert "mariadb" in errors[0]


def test_unreachable_database_stops_with_one_line():
    env = {**os.environ, "TEST_SERVICES_CHECK_ONLY": "1", "PY": sys.executable,
           "TEST_DATABASE_URL": f"postgres://postgres@127.0.0.1:{_free_port()}/x"}
    result = subprocess.run([str(SCRIPT)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1 and "PostgreSQL" in errors[0], result.stderr
