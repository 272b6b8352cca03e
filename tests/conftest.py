"""Shared fixtures. Tests marked `postgres` fail loudly when the database is not PostgreSQL, tests marked
`mariadb` when no MariaDB server answers."""
import pytest
from django.db import connection

from tests import factories


@pytest.fixture
def client_obj(db):
    return factories.ClientFactory()


@pytest.fixture
def other_client(db):
    return factories.ClientFactory()


@pytest.fixture
def customer(client_obj):
    return factories.CustomerFactory(client=client_obj)


@pytest.fixture
def account(customer):
    return factories.AccountFactory(customer=customer)


@pytest.fixture
def basic_tariff(client_obj):
    return factories.TariffFactory(client=client_obj, name="Base", basic_tariff_priority=1)


@pytest.fixture
def additional_tariff(client_obj):
    return factories.TariffFactory(client=client_obj, name="Sport", basic_tariff_priority=0)


def pytest_collection_modifyitems(items):
    """`postgres` tests commit for real (threads and processes must see the rows)."""
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.fixture(autouse=True)
def _require_postgres_for_marked_tests(request):
    if request.node.get_closest_marker("postgres"):
        request.getfixturevalue("transactional_db")
        assert connection.vendor == "postgresql", (
            "this test needs PostgreSQL: run with DATABASE_URL=postgres://... (see .ci/run)"
        )


def mariadb_server() -> dict:
    """Connection settings of the MariaDB server the `mariadb` tests use (TEST_MARIADB_URL, default
    mysql://root@127.0.0.1:3306/; `make test` starts it): host, port, user, password."""
    import os
    from urllib.parse import unquote, urlsplit

    url = urlsplit(os.environ.get("TEST_MARIADB_URL") or "mysql://root@127.0.0.1:3306/")
    return {"host": url.hostname or "127.0.0.1", "port": url.port or 3306, "user": unquote(url.username or "root"),
            "password": unquote(url.password or "")}


@pytest.fixture(autouse=True)
def _require_mariadb_for_marked_tests(request):
    """`mariadb` tests need a real MariaDB server: without one they fail, unless TEST_MARIADB_OPTIONAL=1
    says skipping is allowed (never under `make test`)."""
    if not request.node.get_closest_marker("mariadb"):
        return
    import os

    import pymysql

    server = mariadb_server()
    try:
        pymysql.connect(**server, connect_timeout=5).close()
    except pymysql.MySQLError as exc:
        message = (f"this test needs MariaDB at {server['host']}:{server['port']} ({exc}): run `make test` "
                   "(scripts/test-services starts it) or set TEST_MARIADB_URL")
        if os.environ.get("TEST_MARIADB_OPTIONAL") == "1":
            pytest.skip(message)
        pytest.fail(message)


@pytest.fixture
def test_plugin():
    """Register `test_plugin`: an API class that records the events it gets, and can be told to fail."""
    from tvmiddleware.plugins import ExternalSystemAPI, registry

    class Recorder(ExternalSystemAPI):
        verbose_name = "Recording test plugin"
        received: list = []
        failures_left: int = 0

        def on_tariff_assigned(self, event):
            self._record(event)

        def on_account_status_changed(self, event):
            self._record(event)

        def _record(self, event):
            if Recorder.failures_left > 0:
                Recorder.failures_left -= 1
                raise ConnectionError("partner is down")
            Recorder.received.append((self.external_system.pk, event.name, event.pk))

    Recorder.received = []
    registry.register("test_plugin", Recorder)
    yield Recorder
    registry.unregister("test_plugin")


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Rows are rolled back between tests and ids are reused: caches must not outlive a test."""
    from django.core.cache import cache

    from apikit import device as framework

    def clear():
        cache.clear()
        framework._clients.clear()
        framework._device_types.clear()
        from apis import health

        health._last_probe.clear()
        try:
            from tvmiddleware.streaming import access
        except ImportError:
            return
        access.clear_local_cache()

    clear()
    yield
    clear()


@pytest.fixture
def steady_caches(monkeypatch):
    """Stops the clock of this process's caches for the test: what a request keeps stays kept until a
    save drops it, however slowly the machine runs. A warm path then measures the same queries every
    run (a cache of one second, such as the line-up state, could otherwise expire between a warming
    request and the measured one on a loaded machine)."""
    from tvmiddleware.streaming import access

    start = access.time.monotonic()
    monkeypatch.setattr(access, "_clock_source", lambda: start)
    yield


@pytest.fixture
def keep_db_connection():
    """For tests that call a WSGI application directly: the request signals must not close the test's
    database connection (its transaction), as Django's own test client arranges for itself."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
