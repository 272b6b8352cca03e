"""Guest browsing, trailers and provider logos in the operator panel: one guest browsing row per
operator, switched on by staff and then read by the noauth methods; nothing of another operator."""
import pytest

from tests import factories
from tests.admin_factories import admin_url, change_url, changeform_data
from tvmiddleware.models import GuestBrowsing, ProviderBranding, VideoTrailer
from tvmiddleware.selectors.guest import guest_view

pytest_plugins = ["tests.admin_factories"]  # staff_client, superuser_client, ... fixtures


def form_of(response):
    return response.context["adminform"].form


def test_staff_switch_guest_browsing_on_with_their_tariffs(staff_client, client_obj, other_client):
    assert guest_view(client=client_obj).enabled is False  # off until the operator switches it on
    mine = factories.TariffFactory(client=client_obj, name="Mine")
    foreign = factories.TariffFactory(client=other_client, name="Theirs")
    page = staff_client.get(admin_url(GuestBrowsing, "add"))
    assert [t.pk for t in form_of(page).fields["tariffs"].queryset] == [mine.pk]
    response = staff_client.post(admin_url(GuestBrowsing, "add"),
                                 changeform_data(page, enabled="on", tariffs=[foreign.pk]))
    assert response.status_code == 200 and "tariffs" in form_of(response).errors
    response = staff_client.post(admin_url(GuestBrowsing, "add"), changeform_data(page, enabled="on",
                                                                                  tariffs=[mine.pk]))
    assert response.status_code == 302
    settings = GuestBrowsing.objects.get()
    assert settings.client == client_obj and list(settings.tariffs.all()) == [mine]
    view = guest_view(client=client_obj)
    assert view.enabled and view.tariff_ids == frozenset({mine.pk})
    # one row per operator: no second add page
    assert staff_client.get(admin_url(GuestBrowsing, "add")).status_code == 403
    page = staff_client.get(change_url(settings))
    assert staff_client.post(change_url(settings), changeform_data(page, enabled="")).status_code == 302
    assert guest_view(client=client_obj).enabled is False


def test_staff_never_see_another_operators_rows(staff_client, client_obj, other_client):
    theirs = GuestBrowsing.objects.create(client=other_client, enabled=True)
    trailer = VideoTrailer.objects.create(client=other_client, video=factories.VideoFactory(client=other_client),
                                          url="https://cdn.example/t.mp4")
    logos = ProviderBranding.objects.create(client=other_client,
                                            external_system=factories.ExternalSystemFactory(client=other_client))
    for row in (theirs, trailer, logos):
        assert staff_client.get(change_url(row)).status_code in (302, 404)
        assert list(staff_client.get(admin_url(type(row), "changelist")).context["cl"].result_list) == []
    # the add page of my own guest browsing is still open: theirs does not count
    assert staff_client.get(admin_url(GuestBrowsing, "add")).status_code == 200


@pytest.mark.parametrize("url", ["ftp://cdn.example/t.mp4", "javascript:alert(1)", "not a url"])
def test_a_trailer_needs_a_web_address(staff_client, client_obj, url):
    video = factories.VideoFactory(client=client_obj)
    page = staff_client.get(admin_url(VideoTrailer, "add"))
    response = staff_client.post(admin_url(VideoTrailer, "add"), changeform_data(page, video=video.pk, url=url))
    assert response.status_code == 200 and "url" in form_of(response).errors
    assert not VideoTrailer.objects.exists()
