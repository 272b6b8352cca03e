"""Start and PREMIER hand apps the operator's partner id and the key the cinema issues for apps
(`video/url`'s `ext_partner_id`, `ext_apikey`), never the server secret; no per-subscriber token."""
from tests import factories
from tests.cinema_kit.conftest import catalogue_tariff, fake_partner, make_system, svod_tariff  # noqa: F401
from tvmiddleware.models import Video


def test_partner_id_and_app_key_from_the_attributes(client_obj, fake_partner, catalogue_tariff,  # noqa: F811
                                                    svod_tariff):  # noqa: F811
    system = make_system(client_obj, fake_partner, api_class="cinema_start_api_client", tariff=catalogue_tariff,
                         svod_tariff=svod_tariff, partner_id="op-42", app_api_key="app-key-1")
    account = factories.AccountFactory(customer=factories.CustomerFactory(client=client_obj))
    title = Video.objects.create(client=client_obj, name="Start title", external_system=system, ext_id="s1")
    given = system.get_api().video_playback_credentials(account=account, video=title, device="android")
    assert given == {"ext_partner_id": "op-42", "ext_apikey": "app-key-1"}
    assert system.get_api().attribute("api_token") not in given.values()


def test_nothing_without_the_attributes(client_obj, fake_partner, catalogue_tariff, svod_tariff):  # noqa: F811
    system = make_system(client_obj, fake_partner, api_class="cinema_premier_api_client", tariff=catalogue_tariff,
                         svod_tariff=svod_tariff)
    account = factories.AccountFactory(customer=factories.CustomerFactory(client=client_obj))
    title = Video.objects.create(client=client_obj, name="Premier title", external_system=system, ext_id="p1")
    assert system.get_api().video_playback_credentials(account=account, video=title) == {
        "ext_partner_id": "", "ext_apikey": ""}
