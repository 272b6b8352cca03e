"""Shared fixtures. Tests marked `postgres` fail loudly when the database is not PostgreSQL."""
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


@pytest.fixture(autouse=True)
def _require_postgres_for_marked_tests(request):
    if request.node.get_closest_marker("postgres"):
        request.getfixturevalue("transactional_db")
        assert connection.vendor == "postgresql", (
            "this test needs PostgreSQL: run with DATABASE_URL=postgres://... (see .ci/run)"
        )
