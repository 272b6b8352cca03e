"""An operator with a MEGOGO integration configured as Smarty's MEGOGO chapter describes, against the fake."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.cache import cache

from tests import factories
from tests.cinema_kit.fake_partner import serving
from tests.megogo.fakes import TVOD_COLLECTION_ID, FakeMegogo
from tvmiddleware.models import Client, ExternalSystem, ExternalSystemAttribute, Tariff


@dataclass
class Megogo:
    client: Client
    system: ExternalSystem
    catalogue: Tariff  # hidden tariff attached to every imported title
    svod: Tariff  # tariff_id
    mixed: Tariff  # additional_tariffs_ids
    fake: FakeMegogo

    def api(self):
        return ExternalSystem.objects.get(pk=self.system.pk).get_api()

    def set_attribute(self, key: str, value: str) -> None:
        ExternalSystemAttribute.objects.update_or_create(
            external_system=self.system, key=key, defaults={"client": self.client, "value": value})


def small_catalogue(fake: FakeMegogo) -> None:
    """Films of every delivery kind, a series, two collections and the TVOD collection."""
    fake.add_title(1001, title="Svod film", rules=("svod",), genres=(1, 2))
    fake.add_title(1002, title="Tvod film", rules=("tvod", "dto"), genres=(2,), price="99.00", rent_price="39.00")
    fake.add_title(1003, title="Free film", rules=("fvod",), genres=(3,))
    fake.add_title(1004, title="Tvod elsewhere", rules=("tvod",), genres=(3,), rent_price="10.00")
    fake.add_title(1005, title="Described film", rules=("svod",), genres=(1,), audio_description=True)
    fake.add_title(2001, title="A series", series=True, rules=("svod",), genres=(4,), seasons=2, episodes=3)
    fake.add_collection(301, "New", [2001, 1001, 1002])
    fake.add_collection(302, "Top", [1003])
    fake.add_collection(TVOD_COLLECTION_ID, "TVOD", [1002])


@pytest.fixture
def fake():
    with serving(FakeMegogo()) as server:
        small_catalogue(server)
        yield server


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEGOGO_SYNC_WORKERS = 4
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def megogo(db, fake) -> Megogo:
    client = factories.ClientFactory(api_key="device-key")
    catalogue = factories.TariffFactory(client=client, name="MEGOGO catalogue", hidden=True, basic_tariff_priority=0,
                                        price=Decimal("0.00"), period=0)
    svod = factories.TariffFactory(client=client, name="MEGOGO subscription", basic_tariff_priority=0,
                                   price=Decimal("5.00"))
    mixed = factories.TariffFactory(client=client, name="TV + MEGOGO", basic_tariff_priority=0, price=Decimal("9.00"))
    system = ExternalSystem.objects.create(client=client, name="MEGOGO", api_class="megogo_api_client",
                                           tariff=catalogue)
    attributes = fake.attributes(tariff_id=str(svod.pk), additional_tariffs_ids=str(mixed.pk),
                                 available_tvod_collection_id=TVOD_COLLECTION_ID)
    ExternalSystemAttribute.objects.bulk_create([
        ExternalSystemAttribute(client=client, external_system=system, key=k, value=v) for k, v in attributes.items()])
    return Megogo(client=client, system=system, catalogue=catalogue, svod=svod, mixed=mixed, fake=fake)


@dataclass
class Viewer:
    """A subscriber of the MEGOGO operator who holds the hidden catalogue tariff, with an app session."""

    megogo: Megogo
    subscriber: object  # tests.tvmiddleware.api.conftest.Subscriber
    api: object  # DeviceAPI

    @property
    def customer(self):
        return self.subscriber.customer

    @property
    def identifier(self) -> str:
        return f"{self.customer.client_id}-{self.customer.pk}"

    def login(self, device: str = "mag") -> dict:
        return self.api.login(device=device, device_uid=f"uid-{device}")


@pytest.fixture
def viewer(megogo, client) -> Viewer:
    from tests.tvmiddleware.api.conftest import DeviceAPI, Subscriber
    from tvmiddleware import services

    customer = services.customer_create(client=megogo.client, firstname="Olena", lastname="K")
    account, password = services.account_create(client=megogo.client, customer=customer, abonement="200001",
                                                 password="2222")
    services.tariff_assign(customer=customer, tariff=megogo.catalogue)
    subscriber = Subscriber(client=megogo.client, customer=customer, account=account, password=password,
                            tariff=megogo.catalogue)
    return Viewer(megogo=megogo, subscriber=subscriber, api=DeviceAPI(client, subscriber))


def run_sync(megogo: Megogo) -> None:
    from megogo.sync.runner import run_sync as run

    assert run(megogo.api()).complete


@pytest.fixture
def subscriber(db):
    """A subscriber of an operator without MEGOGO (as in the core device API tests)."""
    from tests.tvmiddleware.api.conftest import Subscriber
    from tvmiddleware import services

    client = factories.ClientFactory(api_key="device-key")
    customer = services.customer_create(client=client, firstname="Ivan", lastname="Petrov")
    account, password = services.account_create(client=client, customer=customer, abonement="100001",
                                                 password="1111")
    tariff = factories.TariffFactory(client=client, name="Base", basic_tariff_priority=1)
    services.tariff_assign(customer=customer, tariff=tariff)
    return Subscriber(client=client, customer=customer, account=account, password=password, tariff=tariff)


@pytest.fixture
def logged_in(client, subscriber):
    from tests.tvmiddleware.api.conftest import DeviceAPI

    api = DeviceAPI(client, subscriber)
    assert api.login()["error"] == 0
    return api
