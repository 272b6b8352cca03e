"""The widgets in the operator panel: scoped to the staff's operator, built types only, the embed code."""
import pytest

from tests.admin_factories import admin_url, change_url
from widgets.models import BUILT_TYPES, Widget, WidgetType

pytest_plugins = ["tests.admin_factories"]  # staff_client, superuser_client

pytestmark = pytest.mark.django_db


def _form(**overrides):
    data = {"name": "Channels", "type": "channel_list", "enabled": "on", "allowed_hostnames": "tv.example",
            "css_url": "", "settings": "{}"}
    data.update(overrides)
    return data


def test_staff_add_a_widget_for_their_operator(staff_client, client_obj):
    response = staff_client.post(admin_url(Widget, "add"), _form(allowed_hostnames="TV.example\n127.0.0.1:8001"))
    assert response.status_code == 302, response.content.decode()[:2000]
    widget = Widget.objects.get()
    assert widget.client == client_obj and widget.allowed_hostnames == "tv.example\n127.0.0.1:8001"
    assert widget.settings == {"show_logos": True, "show_search": True, "language": ""}


@pytest.mark.parametrize("overrides, message", [
    ({"allowed_hostnames": "https://tv.example/"}, "Not a hostname"),
    ({"allowed_hostnames": ""}, "This field is required"),
    ({"settings": '{"nope": 1}'}, "Unknown settings"),
    ({"settings": '{"days_back": 2}'}, "Unknown settings"),
    ({"settings": "[1]"}, "JSON object"),
    ({"type": "no_such_type"}, "Select a valid choice"),
    ({"css_url": "javascript:alert(1)"}, "Enter a valid URL"),
])
def test_bad_input_is_shown_on_the_form(staff_client, overrides, message):
    response = staff_client.post(admin_url(Widget, "add"), _form(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Widget.objects.exists()


def test_only_built_types_are_offered(staff_client):
    body = staff_client.get(admin_url(Widget, "add")).content.decode()
    for kind in WidgetType:
        assert (f'value="{kind.value}"' in body) == (kind in BUILT_TYPES), kind


def test_the_change_page_shows_the_embed_code(staff_client, client_obj, settings):
    widget = Widget.objects.create(client=client_obj, name="Guide", type="tv_guide", allowed_hostnames="tv.example")
    body = staff_client.get(change_url(widget)).content.decode()
    assert "Embed code" in body
    assert f"http://testserver/widgets/api/get/{widget.public_id}?container_id=widget-content" in body
    settings.WIDGETS_BASE_URL = "https://mw.example.net/"
    body = staff_client.get(change_url(widget)).content.decode()
    assert f"https://mw.example.net/widgets/api/get/{widget.public_id}" in body


def test_staff_never_reach_another_operators_widget(staff_client, other_client):
    foreign = Widget.objects.create(client=other_client, name="Foreign", type="tv_guide", allowed_hostnames="a.example")
    assert foreign.public_id not in staff_client.get(admin_url(Widget, "changelist")).content.decode()
    assert staff_client.get(change_url(foreign)).status_code in (302, 404)
