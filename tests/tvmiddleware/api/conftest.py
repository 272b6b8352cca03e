"""Fixtures for device API tests: an operator with a subscriber who can log in."""
from dataclasses import dataclass
from decimal import Decimal

import pytest

from billing.services import transaction_create
from tests import factories
from tvmiddleware import services
from tvmiddleware.models import Account, Client, Customer, Tariff

API = "/tvmiddleware/api/"


@pytest.fixture(autouse=True)
def _steady(steady_caches):
    """Device API tests count the queries of warm paths: the per-process caches keep what they hold
    for the whole test (expired only by saves), so the counts do not depend on the machine's speed."""
    yield


@dataclass
class Subscriber:
    client: Client
    customer: Customer
    account: Account
    password: str
    tariff: Tariff


@pytest.fixture
def subscriber(db) -> Subscriber:
    client = factories.ClientFactory(api_key="device-key")
    customer = services.customer_create(client=client, firstname="Ivan", lastname="Petrov", ext_id="C-1")
    account, password = services.account_create(client=client, customer=customer, abonement="100001", password="1111")
    tariff = factories.TariffFactory(client=client, name="Base", basic_tariff_priority=1, sessions_count=1,
                                     basic_sessions_count=1, price=Decimal("300.00"))
    services.tariff_assign(customer=customer, tariff=tariff)
    transaction_create(client=client, customer=customer, amount="100.00", ext_id="seed")
    return Subscriber(client=client, customer=customer, account=account, password=password, tariff=tariff)


class DeviceAPI:
    """Calls the device API like an app does (GET with query parameters, authkey once logged in)."""

    def __init__(self, http, subscriber: Subscriber):
        self.http = http
        self.subscriber = subscriber
        self.authkey = ""

    def call(self, method: str, *, post: bool = False, auth: bool = True, **params):
        params = {k: v for k, v in params.items() if v is not None}
        params.setdefault("client_id", self.subscriber.client.pk)
        if auth and self.authkey:
            params.setdefault("authkey", self.authkey)
        url = API + method
        response = self.http.post(url, params) if post else self.http.get(url, params)
        assert response.status_code < 500, response.content
        return response

    def json(self, method: str, **params) -> dict:
        return self.call(method, **params).json()

    def login(self, **params) -> dict:
        params = {"abonement": self.subscriber.account.abonement, "password": self.subscriber.password,
                  "api_key": self.subscriber.client.api_key, "device": "mag", "device_uid": "00:1A:79:00:00:01",
                  **params}
        body = self.json("login/", auth=False, **params)
        if body["error"] == 0:
            self.authkey = body["authkey"]
        return body


@pytest.fixture
def api(client, subscriber) -> DeviceAPI:
    return DeviceAPI(client, subscriber)


@pytest.fixture
def logged_in(api) -> DeviceAPI:
    assert api.login()["error"] == 0
    return api
