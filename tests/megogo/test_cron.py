"""Two `manage.py megogo_sync_content` processes at once on the embedded default (a SQLite file):
one syncs, the other exits with a message (the lock is a database lease, not a per-process cache)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cinema_kit.fake_partner import serving
from tests.megogo.fakes import TVOD_COLLECTION_ID, FakeMegogo

ROOT = Path(__file__).resolve().parents[2]

CONFIGURE = """
import json
from tvmiddleware.models import Client, ExternalSystem, ExternalSystemAttribute, Tariff
attributes = json.loads(open({path!r}).read())
client = Client.objects.create(name="Cron operator")
catalogue = Tariff.objects.create(client=client, name="MEGOGO catalogue", hidden=True, period=0)
system = ExternalSystem.objects.create(client=client, name="MEGOGO", api_class="megogo_api_client", tariff=catalogue)
for key, value in attributes.items():
    ExternalSystemAttribute.objects.create(client=client, external_system=system, key=key, value=value)
"""


def manage(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "manage.py", *args, "--settings=settings.local"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def slow_fake():
    with serving(FakeMegogo.large(150, delay=0.02, cover_size=(120, 180))) as fake:
        yield fake


def test_a_second_cron_run_exits_while_the_first_syncs(tmp_path, slow_fake):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "REDIS_URL")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", MEDIA_ROOT=str(tmp_path / "media"),
               LOG_LEVEL="WARNING", DEBUG="0")
    assert manage(env, "migrate", "-v0").wait(120) == 0
    (tmp_path / "attributes.json").write_text(json.dumps(
        slow_fake.attributes(available_tvod_collection_id=TVOD_COLLECTION_ID)))
    configure = manage(env, "shell", "-c", CONFIGURE.format(path=str(tmp_path / "attributes.json")))
    assert configure.wait(60) == 0, configure.stderr.read()

    first = manage(env, "megogo_sync_content")
    deadline = time.monotonic() + 60
    while slow_fake.requests["/v1/video/info"] < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    slow_fake.running.clear()  # the first run now waits on MEGOGO: it is certainly still syncing
    try:
        second = manage(env, "megogo_sync_content")
        second_out, second_err = second.communicate(timeout=60)
    finally:
        slow_fake.running.set()
    first_out, first_err = first.communicate(timeout=120)

    assert second.returncode == 0 and "Another megogo_sync_content run is syncing MEGOGO" in second_err
    assert first.returncode == 0, first_err
    assert "complete; listed 150, fetched 150" in first_out
    assert slow_fake.requests["/v1/video/info"] == 150  # the second run fetched nothing

    third = manage(env, "megogo_sync_content")
    out, err = third.communicate(timeout=60)
    assert third.returncode == 0 and "unchanged 150" in out, err
