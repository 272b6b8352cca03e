"""Device types set to the XML response format get every device-API answer as XML."""
from xml.etree.ElementTree import fromstring

import pytest

from apikit import device as framework
from apikit.xml import render_xml
from tvmiddleware.models import DeviceType, ResponseFormat


@pytest.fixture
def xml_device(db):
    DeviceType.objects.filter(system_name="dune").update(response_format=ResponseFormat.XML)
    framework._device_types.clear()
    return "dune"


def parse(response):
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    return fromstring(response.content)


def xml_login(api, device: str):
    response = api.call("login/", auth=False, abonement=api.subscriber.account.abonement,
                        password=api.subscriber.password, api_key=api.subscriber.client.api_key, device=device,
                        device_uid="00:1A:79:00:00:09")
    root = parse(response)
    assert root.tag == "response" and root.findtext("error") == "0"
    api.authkey = root.findtext("authkey")


def test_login_and_later_calls_answer_xml_for_the_sessions_device_type(api, xml_device):
    xml_login(api, xml_device)
    assert len(api.authkey) == 128

    # later calls name no device: the session's type decides
    root = parse(api.call("customer/info/"))
    assert root.findtext("error") == "0" and root.findtext("firstname") == "Ivan"
    tariffs = root.find("tariffs")
    assert [item.findtext("name") for item in tariffs.findall("item")] == ["Base"]


def test_errors_are_xml_too_even_without_a_session(api, xml_device):
    root = parse(api.call("channel/list/", auth=False, device=xml_device))
    assert root.findtext("error") == "403" and root.findtext("error_message")


def test_json_devices_and_unreadable_device_names_stay_json(api, xml_device):
    assert api.call("channel/list/", auth=False, device="mag")["Content-Type"].startswith("application/json")
    assert api.call("channel/list/", auth=False, device="x" * 500)["Content-Type"].startswith("application/json")
    assert api.call("channel/list/", auth=False)["Content-Type"].startswith("application/json")


def test_the_etag_survives_and_a_revalidation_still_answers_304(api, xml_device):
    xml_login(api, xml_device)
    first = api.call("channel/list/")
    parse(first)
    assert first.has_header("ETag")
    again = api.http.get("/tvmiddleware/api/channel/list/", {"client_id": api.subscriber.client.pk,
                                                             "authkey": api.authkey},
                         HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_rendering_of_values_keys_and_characters_xml_cannot_carry():
    root = fromstring(render_xml({"error": 0, "flag": True, "none": None, "n": 1.5, "12": "numeric key",
                                  "list": [1, {"a": "x"}], "text": "a\x00b<&>"}))
    assert root.findtext("flag") == "1" and root.findtext("none") == "" and root.findtext("n") == "1.5"
    assert root.find("item[@key='12']").text == "numeric key"
    assert [item.text for item in root.find("list").findall("item")][0] == "1"
    assert root.find("list").findall("item")[1].findtext("a") == "x"
    assert root.findtext("text") == "ab<&>"


def _device_routes() -> list[str]:
    from tests.tvmiddleware.api.test_fuzz import discover_routes

    return [route.removeprefix("tvmiddleware/api/") for route in discover_routes()
            if route.startswith("tvmiddleware/api/") and route != "tvmiddleware/api/health/check/"]


def test_every_device_method_answers_an_xml_device_in_xml(api, xml_device):
    """Every routed method, called by a session of an XML device (the key methods: naming the device)
    with no parameters of its own (so each answers its success or its documented refusal), answers
    XML with an `error` element."""
    xml_login(api, xml_device)
    routes = _device_routes()
    json_answers = []
    assert len(routes) > 110  # the reference has 175 methods; the routes of twin paths count once
    for route in routes:
        if route == "logout/" or route.rstrip("/").rsplit("/", 1)[-1].isdigit():
            continue  # would end the session the other calls use; a page or image of one payment
        response = api.call(route, api_key=api.subscriber.client.api_key, device=xml_device)
        if response.status_code in (301, 302, 304):
            continue
        assert response.status_code == 200, (route, response.status_code)
        if not response["Content-Type"].startswith("application/xml"):
            json_answers.append(route)
            continue
        root = parse(response)
        assert root.tag == "response" and root.findtext("error") is not None, route
    assert json_answers == [], " ".join(json_answers)
