"""The tvzavr client (signing, paging, errors) and the integration's deprecated-but-working setup."""
import hashlib
import logging

import pytest
from django.contrib.auth import get_user_model
from django.test import Client as HttpClient
from django.urls import reverse

from tests.tvzavr.fakes import PACKAGE, PLF, SECRET
from tvmiddleware.admin.external import ExternalSystemForm
from tvmiddleware.plugins import PluginError, registry
from tvzavr.plugin import TvzavrAPI
from tvzavr.client import TvzavrClient, sign
from tvzavr.models import TvzavrSubscription


def test_signature_of_the_assumed_contract():
    """md5 of "k=v" pairs sorted by name (empty values included, `sign` excluded) + the secret."""
    params = {"limit": "10", "offset": "0", "plf": "p1", "cats": ""}
    assert hashlib.md5(b"cats=limit=10offset=0plf=p1s3").hexdigest() == "4f6edef0c90eb664fd38a314bc83215b"
    assert sign(params, "s3") == "4f6edef0c90eb664fd38a314bc83215b"
    assert sign({**params, "sign": "ignored"}, "s3") == "4f6edef0c90eb664fd38a314bc83215b"
    assert sign({"user": "Пётр"}, "s") == hashlib.md5("user=Пётрs".encode("utf-8")).hexdigest()


def client_for(fake, secret=SECRET) -> TvzavrClient:
    return TvzavrClient(api_url=fake.url, plf=PLF, secret=secret, timeout=5, system_id=None)


def test_catalogue_pages_until_a_short_page(fake_tvzavr):
    clips = list(client_for(fake_tvzavr).iter_catalogue(page_size=10))
    assert [c["clip__id"] for c in clips] == list(range(1, 26))
    offsets = [params["offset"] for _, path, params in fake_tvzavr.requests if path.endswith("/catalog/get")]
    assert offsets == ["0", "10", "20"]


def test_a_partner_ignoring_offset_is_detected(fake_tvzavr, monkeypatch):
    client = client_for(fake_tvzavr)
    monkeypatch.setattr(client, "catalogue_page", lambda **kw: fake_tvzavr.clips[:10])
    with pytest.raises(PluginError, match="ignores `offset`"):
        list(client.iter_catalogue(page_size=10))


def test_errors_and_no_secret_in_logs_or_requests(fake_tvzavr, caplog):
    caplog.set_level(logging.INFO)
    with pytest.raises(PluginError, match="bad_sign"):
        client_for(fake_tvzavr, secret="wrong").genres()
    assert client_for(fake_tvzavr).genres()["11"] == "Комедия"
    state = client_for(fake_tvzavr).status(user="5", tariff=PACKAGE)
    assert not state.active and state.until is None
    with pytest.raises(PluginError, match="unknown_tariff"):
        client_for(fake_tvzavr).status(user="5", tariff="other")
    assert SECRET not in caplog.text and "wrong" not in caplog.text and "sign=" not in caplog.text
    assert all(SECRET not in str(params) for _, _, params in fake_tvzavr.requests)
    assert "partner=tvzavr" in caplog.text


def test_missing_configuration_is_a_plugin_error():
    with pytest.raises(PluginError, match="plf and secret"):
        TvzavrClient(api_url="", plf="", secret="", timeout=5, system_id=3)


# --- deprecated, still working as documented --------------------------------------------------------

VALID = {"tvzavr_tariff_id": PACKAGE, "plf": PLF, "secret": SECRET, "subscription_tariff_id": "7"}


def test_registered_under_the_documented_name_and_marked_deprecated():
    assert registry.get("tvzavr_api_client") is TvzavrAPI
    assert "(deprecated: service closed)" in dict(registry.choices())["tvzavr_api_client"]


def test_validate_attributes_warns_but_accepts_a_complete_setup():
    with pytest.warns(DeprecationWarning, match="tvzavr has closed"):
        assert TvzavrAPI.validate_attributes(VALID) == {}
    with pytest.warns(DeprecationWarning):
        problems = TvzavrAPI.validate_attributes({"subscription_tariff_id": "x", "page_size": "0",
                                                  "api_url": "ftp://x"})
    assert set(problems) == {"tvzavr_tariff_id", "plf", "secret", "subscription_tariff_id", "page_size", "api_url"}


def test_the_admin_offers_it_as_deprecated_and_lists_its_subscriptions(tvzavr_system, customer):
    labels = dict(ExternalSystemForm().fields["api_class"].choices)
    assert labels["tvzavr_api_client"] == "tvzavr, tvzavr_api_client (deprecated: service closed)"

    TvzavrSubscription.objects.create(client=customer.client, external_system=tvzavr_system, customer=customer,
                                      active=True)
    user = get_user_model().objects.create_superuser("root", "root@example.com", "root-pass")
    http = HttpClient()
    http.force_login(user)
    response = http.get(reverse("admin:tvzavr_tvzavrsubscription_changelist"))
    assert response.status_code == 200
    assert "deprecated: service closed" in response.content.decode()
    assert "tvzavr (deprecated)" in http.get(reverse("admin:index")).content.decode()
