"""A fake SVOD partner on loopback and Start / PREMIER integrations of `client_obj` pointed at it."""
import pytest

from tests import factories
from tests.cinema_kit.fake_partner import serving
from tests.cinema_kit.fakes import SERVICE_ID, TOKEN, FakeSvodPartner, make_titles
from tvmiddleware.models import ExternalSystem, ExternalSystemAttribute


@pytest.fixture
def fake_partner():
    with serving(FakeSvodPartner(titles=make_titles(25), page_size=10)) as fake:
        yield fake


@pytest.fixture
def catalogue_tariff(client_obj):
    return factories.TariffFactory(client=client_obj, name="Cinema catalogue", hidden=True, period=0,
                                   basic_tariff_priority=0)


@pytest.fixture
def svod_tariff(client_obj):
    return factories.TariffFactory(client=client_obj, name="Cinema SVOD", basic_tariff_priority=0)


def set_attributes(system: ExternalSystem, **values) -> None:
    for key, value in values.items():
        ExternalSystemAttribute.objects.update_or_create(
            external_system=system, key=key, defaults={"client": system.client, "value": str(value)})


def make_system(client, fake, *, api_class: str, tariff, svod_tariff, **attributes) -> ExternalSystem:
    system = ExternalSystem.objects.create(client=client, name=api_class, api_class=api_class, tariff=tariff)
    values = {"api_url": fake.url, "api_token": TOKEN, "service_id": SERVICE_ID, "tariff_id": svod_tariff.pk,
              "timeout": 5}
    set_attributes(system, **{**values, **attributes})
    return system


@pytest.fixture(params=["start_api_client", "premier_api_client"])
def partner_system(request, client_obj, fake_partner, catalogue_tariff, svod_tariff):
    """The same tests run for Start and for PREMIER."""
    return make_system(client_obj, fake_partner, api_class=request.param, tariff=catalogue_tariff,
                       svod_tariff=svod_tariff)
