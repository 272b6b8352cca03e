"""Settings and attributes of an Irdeto integration: defaults from IRDETO_*, per-operator overrides,
and the admin's checks of the attributes."""
from django.contrib.auth import get_user_model

from irdeto.plugin import API_CLASS, IrdetoAPI
from irdeto.config import defaults, parse, validate
from tests.admin_factories import admin_url, inline_rows
from tvmiddleware.models import ExternalSystem
from tvmiddleware.plugins import registry


def test_registered_and_subscribed_to_the_events_that_change_entitlements():
    assert registry.get(API_CLASS) is IrdetoAPI
    hooks = {"on_tariff_assigned", "on_tariff_removed", "on_account_status_changed", "on_device_added",
             "on_device_removed"}
    assert {h for h in hooks | {"on_video_purchased"} if IrdetoAPI.handles(h)} == hooks


def test_defaults_come_from_settings(settings):
    assert (defaults().host, defaults().nationality, defaults().region_tag) == ("http://127.0.0.1:80", "ENG", "MO")
    settings.IRDETO_HOST = "http://cas.example:8080/CasManagement"
    settings.IRDETO_NATIONALITY = "POL"
    settings.IRDETO_REGION_TAG = "WA"
    settings.IRDETO_TIMEOUT = 4
    config = parse({})
    assert (config.host, config.nationality, config.region_tag, config.timeout) == (
        "http://cas.example:8080/CasManagement", "POL", "WA", 4.0)
    assert config.wsdl.endswith("irdeto/wsdl/irdeto_cas.wsdl")
    settings.IRDETO_WSDL = "/etc/irdeto/vendor.wsdl"
    assert parse({}).wsdl == "/etc/irdeto/vendor.wsdl"


def test_attributes_override_per_operator():
    config = parse({"host": "https://cas.op.example/soap", "nationality": "ukr", "region_tag": "KV", "timeout": "2.5"})
    assert (config.host, config.nationality, config.region_tag, config.timeout) == (
        "https://cas.op.example/soap", "UKR", "KV", 2.5)


def test_validation_messages():
    assert validate({}) == {}
    assert validate({"host": "http://10.0.0.5:8080/Cas", "nationality": "ENG", "region_tag": "MO",
                     "timeout": "10"}) == {}
    problems = validate({"host": "cas.example", "nationality": "E1", "region_tag": "M O", "timeout": "0",
                         "hots": "x"})
    assert set(problems) == {"host", "nationality", "region_tag", "timeout", "hots"}
    assert "http://" in problems["host"] and "ENG" in problems["nationality"]
    assert "Unknown Irdeto attribute" in problems["hots"] and "host" in problems["hots"]
    assert "port" in validate({"host": "http://cas:99999/x"})["host"]
    assert "above 0" in validate({"timeout": "slow"})["timeout"]


def test_the_admin_refuses_bad_attributes_with_the_message(client, client_obj):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "root-pass")
    client.force_login(user)
    data = {"client": client_obj.pk, "name": "Irdeto", "api_class": API_CLASS, "enabled": "on",
            **inline_rows("attributes", [{"key": "host", "value": "ftp://cas"}, {"key": "timeout", "value": "3"}])}
    response = client.post(admin_url(ExternalSystem, "add"), data)
    assert response.status_code == 200
    assert "Must be an http:// or https:// address" in response.content.decode()
    data["attributes-0-value"] = "http://10.0.0.5:8080/CasManagementService"
    assert client.post(admin_url(ExternalSystem, "add"), data).status_code == 302
    system = ExternalSystem.objects.get(client=client_obj)
    assert system.get_api().config.host == "http://10.0.0.5:8080/CasManagementService"
