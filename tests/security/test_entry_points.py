"""Production entry points never run with DEBUG or a key anyone can read.

The attack: `env -i DATABASE_URL=... gunicorn settings.wsgi:application` served DEBUG pages with any
Host and accepted a stream token forged with the SECRET_KEY published in the repository.
"""
from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
PUBLISHED_KEY = "insecure-local-development-key-change-me"  # the fallback earlier versions shipped
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def bare_env(**extra: str) -> dict[str, str]:
    """What `env -i` leaves, plus `extra`."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **extra}


def python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("module", ["settings.wsgi", "settings.asgi", "settings.celery"])
def test_entry_points_default_to_production_and_refuse_without_its_variables(module, tmp_path):
    result = python(f"import {module}; import django.conf as c; print(c.settings.DEBUG)",
                    bare_env(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3"))
    assert result.returncode != 0
    assert "settings.production needs these environment variables" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_gunicorn_with_the_documented_line_does_not_serve_without_configuration(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [GUNICORN, "-c", str(ROOT / "gunicorn.conf.py"), "settings.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT, env=bare_env(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3"), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        _, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        process.communicate()
        pytest.fail("gunicorn started serving without production configuration")
    assert process.returncode != 0
    assert "settings.production needs these environment variables" in stderr


def test_manage_py_still_defaults_to_local(tmp_path):
    result = python("import manage, os; os.environ.pop('DJANGO_SETTINGS_MODULE', None); "
                    "import sys; sys.argv = ['manage.py', 'diffsettings', '--output', 'unified']; manage.main()",
                    bare_env(TVMW_VAR_DIR=str(tmp_path)))
    assert result.returncode == 0, result.stderr
    assert "+ DEBUG = True" in result.stdout


class TestLocalSecretKey:
    CODE = ("import django, os; django.setup(); from django.conf import settings; "
            "from django.core import signing; print(settings.SECRET_KEY); "
            f"forged = signing.dumps({{'payment': 1}}, key={PUBLISHED_KEY!r}); "
            "exec('try:\\n signing.loads(forged)\\n print(\"ACCEPTED\")\\n"
            "except signing.BadSignature:\\n print(\"REFUSED\")')")

    def run(self, var_dir: Path, **extra: str) -> list[str]:
        result = python(self.CODE, bare_env(DJANGO_SETTINGS_MODULE="settings.local", TVMW_VAR_DIR=str(var_dir),
                                            **extra))
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    def test_random_per_install_key_kept_under_var(self, tmp_path):
        key, verdict = self.run(tmp_path)
        assert verdict == "REFUSED"
        assert key != PUBLISHED_KEY and len(key) >= 50
        stored = tmp_path / "secret_key"
        assert stored.read_text().strip() == key
        assert stat.S_IMODE(stored.stat().st_mode) == 0o600
        assert self.run(tmp_path)[0] == key  # stable: sessions and links survive a restart
        other_install = tmp_path / "other"
        other_install.mkdir()
        assert self.run(other_install)[0] != key

    def test_environment_key_wins(self, tmp_path):
        assert self.run(tmp_path, SECRET_KEY="k" * 60)[0] == "k" * 60
        assert not (tmp_path / "secret_key").exists()

    def test_no_published_key_left_in_the_settings(self):
        for path in (ROOT / "settings").glob("*.py"):
            assert PUBLISHED_KEY not in path.read_text(), path


def test_base_settings_have_no_fallback_key():
    result = python("import settings.base as b; print(repr(b.SECRET_KEY))", bare_env())
    assert result.stdout.strip() == "''"


def test_concurrent_first_start_agrees_on_one_key(tmp_path):
    """Two processes starting at once on a fresh install agree on one key."""
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    env = bare_env(DJANGO_SETTINGS_MODULE="settings.local", TVMW_VAR_DIR=str(tmp_path))
    processes = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                  text=True) for _ in range(4)]
    keys = {process.communicate(timeout=120)[0].strip() for process in processes}
    assert len(keys) == 1 and len(keys.pop()) >= 50
