"""A fake tvzavr on loopback and a tvzavr integration of `client_obj` pointed at it."""
import pytest

from tests import factories
from tests.cinema_kit.fake_partner import serving
from tests.tvzavr.fakes import PACKAGE, PLF, SECRET, FakeTvzavr, make_clips
from tvmiddleware.models import ExternalSystem, ExternalSystemAttribute


@pytest.fixture
def fake_tvzavr():
    with serving(FakeTvzavr(clips=make_clips(25))) as fake:
        yield fake


@pytest.fixture
def catalogue_tariff(client_obj):
    """The hidden tariff that lists tvzavr titles in the apps (step 2 of the setup)."""
    return factories.TariffFactory(client=client_obj, name="tvzavr catalogue", hidden=True, period=0,
                                     basic_tariff_priority=0)


@pytest.fixture
def svod_tariff(client_obj):
    """The tariff that is the tvzavr subscription (step 3 of the setup)."""
    return factories.TariffFactory(client=client_obj, name="tvzavr SVOD", basic_tariff_priority=0, period=30)


def set_attributes(system: ExternalSystem, **values: str) -> None:
    for key, value in values.items():
        ExternalSystemAttribute.objects.update_or_create(
            external_system=system, key=key, defaults={"client": system.client, "value": str(value)})


@pytest.fixture
def tvzavr_system(client_obj, fake_tvzavr, catalogue_tariff, svod_tariff):
    system = ExternalSystem.objects.create(client=client_obj, name="tvzavr", api_class="tvzavr_api_client",
                                           tariff=catalogue_tariff)
    set_attributes(system, tvzavr_tariff_id=PACKAGE, plf=PLF, secret=SECRET, subscription_tariff_id=svod_tariff.pk,
                   api_url=fake_tvzavr.url, page_size=10, timeout=5)
    return system
