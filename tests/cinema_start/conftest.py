"""A Start integration (`cinema_start_api_client`) of `client_obj` against the fake partner."""
import pytest

from tests.cinema_kit.conftest import catalogue_tariff, fake_partner, make_system, svod_tariff  # noqa: F401


@pytest.fixture
def start_system(client_obj, fake_partner, catalogue_tariff, svod_tariff):  # noqa: F811
    return make_system(client_obj, fake_partner, api_class="cinema_start_api_client", tariff=catalogue_tariff,
                       svod_tariff=svod_tariff)
