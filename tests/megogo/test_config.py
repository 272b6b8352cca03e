"""Attributes of a MEGOGO integration: parsing, validation, and the messages the admin shows."""
import pytest

from megogo.plugin import MegogoAPI
from megogo.config import parse, validate
from tests.admin_factories import admin_url, changeform_data, inline_rows
from tvmiddleware.models import ExternalSystem

pytest_plugins = ["tests.admin_factories"]

GOOD = {
    "stb_private_key": "p1", "stb_public_key": "_stb_x", "mobile_private_key": "p2", "mobile_public_key": "_mob_x",
    "partner_id": "777", "salt": "s", "svod_service_id": "55", "tariff_id": "3", "additional_tariffs_ids": "4, 5",
    "available_tvod_collection_id": "900", "ignore_customer_balance_check": "1",
    "typhoid_comment_category_id": "7", "sign_language_category_id": "8",
}


def test_a_complete_configuration_is_valid_and_parsed():
    assert validate(GOOD) == {}
    config = parse(GOOD)
    assert config.svod_tariff_ids == {3, 4, 5}
    assert config.ignore_balance_check is True
    assert (config.typhoid_genre_id, config.sign_language_genre_id) == (7, 8)
    assert config.billing_url == "https://billing.megogo.net/partners/777"
    assert config.api_url == "https://api.megogo.net/v1"


def test_device_kinds_fall_back_to_the_stb_pair():
    config = parse(GOOD)
    assert config.key_pair("mobile").public == "_mob_x"
    assert config.key_pair("smart_tv").public == "_stb_x"  # no Smart TV pair configured


@pytest.mark.parametrize("change, key, fragment", [
    ({"partner_id": ""}, "partner_id", "Required"),
    ({"salt": ""}, "salt", "Required"),
    ({"stb_public_key": ""}, "stb_public_key", "together with stb_private_key"),
    ({"mobile_public_key": "mob"}, "mobile_public_key", "begin with '_'"),
    ({"tariff_id": "abc"}, "tariff_id", "A number"),
    ({"additional_tariffs_ids": "4;5"}, "additional_tariffs_ids", "separated by commas"),
    ({"svod_service_id": ""}, "svod_service_id", "Required when tariff_id"),
    ({"ignore_customer_balance_check": "yes"}, "ignore_customer_balance_check", "0 or 1"),
    ({"api_url": "ftp://x"}, "api_url", "http"),
    ({"tarif_id": "3"}, "tarif_id", "Unknown MEGOGO attribute"),
    ({"typhoid_comment_category_id": "x"}, "typhoid_comment_category_id", "A number"),
])
def test_problems_have_clear_messages(change, key, fragment):
    problems = validate({**GOOD, **change})
    assert fragment in problems[key]


def test_at_least_one_key_pair():
    attributes = {k: v for k, v in GOOD.items() if "_key" not in k}
    assert "At least one device key pair" in validate(attributes)["stb_private_key"]


def test_the_plugin_is_registered_with_the_product_name():
    from tvmiddleware.plugins import registry

    assert registry.get("megogo_api_client") is MegogoAPI
    assert MegogoAPI.validate_attributes({"partner_id": "1"})["salt"].startswith("Required")


def test_admin_shows_the_messages_on_the_attributes(staff_client, client_obj):
    page = staff_client.get(admin_url(ExternalSystem, "add"))
    data = changeform_data(page, name="MEGOGO", api_class="megogo_api_client")
    data.update(inline_rows("attributes", [{"key": "partner_id", "value": "777"},
                                           {"key": "stb_public_key", "value": "stb"}]))
    response = staff_client.post(admin_url(ExternalSystem, "add"), data)
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert "begin with '_'" in formset.forms[1].errors["value"][0]
    assert any(e.startswith("salt: Required") for e in formset.non_form_errors())

    rows = [{"key": k, "value": v} for k, v in GOOD.items()]
    data.update(inline_rows("attributes", rows))
    assert staff_client.post(admin_url(ExternalSystem, "add"), data).status_code == 302
    assert ExternalSystem.objects.get(name="MEGOGO").attribute_map()["partner_id"] == "777"
