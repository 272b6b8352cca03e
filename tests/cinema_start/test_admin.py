"""Start's screens in the operator panel: the genre map and the statistics switch, scoped to the
staff user's operator like every other page."""
import pytest

from cinema_start.models import StartDeviceStatistics, StartGenreMap
from tests import factories
from tests.admin_factories import admin_url, change_url, make_staff
from tvmiddleware.models import DeviceType

pytest_plugins = ["tests.admin_factories"]


@pytest.fixture
def panel(client_obj, client):
    client.force_login(make_staff(client_obj))
    return client


def shown(response) -> set[int]:
    return {obj.pk for obj in response.context["cl"].result_list}


def rows(client):
    mapping = StartGenreMap.objects.create(client=client, partner_genre_id="1", partner_name="Comedy")
    switch = StartDeviceStatistics.objects.create(client=client, device_type=DeviceType.objects.get(system_name="mag"))
    return mapping, switch


def test_staff_see_and_open_only_their_operators_rows(panel, client_obj):
    own, foreign = rows(client_obj), rows(factories.ClientFactory())
    for mine, theirs in zip(own, foreign):
        response = panel.get(admin_url(type(mine), "changelist"))
        assert response.status_code == 200
        assert mine.pk in shown(response) and theirs.pk not in shown(response)
        assert panel.get(change_url(theirs)).status_code in (302, 404)
        assert panel.get(change_url(mine)).status_code == 200


def test_staff_bind_a_start_genre_to_their_own_genres_only(panel, client_obj):
    mapping, _ = rows(client_obj)
    ours = factories.GenreFactory(client=client_obj, name="Humour")
    theirs = factories.GenreFactory(client=factories.ClientFactory(), name="Not ours")
    page = panel.get(change_url(mapping))
    choices = page.context["adminform"].form.fields["genre"].queryset
    assert ours in choices and theirs not in choices
    data = {"partner_genre_id": "1", "partner_name": "Comedy", "genre": theirs.pk}
    assert panel.post(change_url(mapping), data).status_code == 200  # the form refuses it
    mapping.refresh_from_db()
    assert mapping.genre_id is None
    assert panel.post(change_url(mapping), {**data, "genre": ours.pk}).status_code == 302
    mapping.refresh_from_db()
    assert mapping.genre == ours


def test_staff_switch_statistics_on_for_a_device_type(panel, client_obj):
    stb = DeviceType.objects.get(system_name="android_stb")
    response = panel.post(admin_url(StartDeviceStatistics, "add"), {"device_type": stb.pk, "send_statistics": "on"})
    assert response.status_code == 302
    row = StartDeviceStatistics.objects.get(device_type=stb)
    assert row.client_id == client_obj.pk and row.send_statistics is True
