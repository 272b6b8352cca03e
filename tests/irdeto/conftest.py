"""An operator with an Irdeto integration pointed at the fake CAS, its CAS product map, and a subscriber."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from irdeto.models import CasProduct
from irdeto.selectors import cas_customer_id
from tests import factories
from tests.irdeto.fakes import FakeIrdeto
from tvmiddleware import services
from tvmiddleware.models import (
    Account, AccountDevice, Client, Customer, DeviceType, EventDelivery, ExternalSystem, ExternalSystemAttribute,
    Tariff,
)

WRITES = {"CreateSubscriber", "PairDevice", "UnpairDevice", "AddEntitlement", "RemoveEntitlement"}


@dataclass
class Irdeto:
    client: Client
    system: ExternalSystem
    fake: FakeIrdeto
    tv: Tariff  # basic: TV-STB on MAG boxes, TV-ASTB on Android set-top boxes
    sport: Tariff  # additional: SPORT on MAG boxes only
    mag: DeviceType
    android_stb: DeviceType
    phone: DeviceType  # no CAS product: never paired

    def api(self):
        return ExternalSystem.objects.get(pk=self.system.pk).get_api()

    def set_attribute(self, key: str, value: str) -> None:
        ExternalSystemAttribute.objects.update_or_create(
            external_system=self.system, key=key, defaults={"client": self.client, "value": value})

    def cas_id(self, customer: Customer) -> str:
        return cas_customer_id(self.client.pk, customer.pk)

    def writes(self) -> list[str]:
        return [name for name in self.fake.operations() if name in WRITES]


@pytest.fixture
def fake():
    server = FakeIrdeto().start()
    yield server
    server.stop()


@pytest.fixture
def irdeto(db, fake) -> Irdeto:
    client = factories.ClientFactory()
    tv = factories.TariffFactory(client=client, name="TV", basic_tariff_priority=1)
    sport = factories.TariffFactory(client=client, name="Sport", basic_tariff_priority=0)
    mag, android_stb, phone = (DeviceType.objects.get(system_name=n) for n in ("mag", "android_stb", "android"))
    system = ExternalSystem.objects.create(client=client, name="Irdeto", api_class="irdeto_api_client")
    for key, value in {"host": fake.url, "timeout": "2", "nationality": "UKR", "region_tag": "KV"}.items():
        ExternalSystemAttribute.objects.create(client=client, external_system=system, key=key, value=value)
    for tariff, device_type, product in ((tv, mag, "TV-STB"), (tv, android_stb, "TV-ASTB"), (sport, mag, "SPORT")):
        CasProduct.objects.create(client=client, tariff=tariff, device_type=device_type, product_id=product)
    return Irdeto(client=client, system=system, fake=fake, tv=tv, sport=sport, mag=mag, android_stb=android_stb,
                  phone=phone)


@dataclass
class Home:
    """A customer with one login, a MAG box with a smartcard and a phone (bound without events)."""

    customer: Customer
    account: Account
    box: AccountDevice
    phone: AccountDevice


@pytest.fixture
def home(irdeto) -> Home:
    customer = services.customer_create(client=irdeto.client, firstname="Ivan")
    account, _ = services.account_create(client=irdeto.client, customer=customer, abonement="300001",
                                         password="1111")
    box = services.device_bind(account=account, device_type=irdeto.mag, device_uid="00:1A:79:00:00:01",
                               serial_number="SC-0001")
    phone = services.device_bind(account=account, device_type=irdeto.phone, device_uid="phone-1")
    EventDelivery.objects.all().delete()  # set up without a CAS: the tests start from here
    return Home(customer=customer, account=account, box=box, phone=phone)


def make_due() -> None:
    EventDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
