"""The panel's DRM profiles and a channel's tracks and qualities (inlines of the channel page), scoped to
the staff's operator; the radio station's carrying channel checked against the operator's line-up."""
from __future__ import annotations

from tests import factories
from tests.admin_factories import admin_url, change_url, changeform_data, inline_rows
from tvmiddleware.models import AudioTrack, DrmProfile, RadioStation, VideoQuality
from tvmiddleware.services.catalogue import radio_create

pytest_plugins = ["tests.admin_factories"]  # staff_client, superuser_client, ... fixtures


def test_staff_see_and_choose_only_their_operators_rows(staff_client, client_obj, other_client):
    own_channel = factories.ChannelFactory(client=client_obj)
    factories.ChannelFactory(client=other_client)
    own_service = factories.StreamServiceFactory(client=client_obj)
    factories.StreamServiceFactory(client=other_client)
    foreign = DrmProfile.objects.create(client=other_client, name="Theirs", type="widevine",
                                        license_url="https://license.example/theirs")
    listing = staff_client.get(admin_url(DrmProfile, "changelist"))
    assert foreign not in listing.context["cl"].result_list
    assert staff_client.get(change_url(foreign)).status_code in (302, 404)

    page = staff_client.get(admin_url(DrmProfile, "add"))
    form = page.context["adminform"].form
    assert list(form.fields["channels"].queryset) == [own_channel]
    assert list(form.fields["stream_services"].queryset) == [own_service]
    data = changeform_data(page, name="Ours", enabled="on", type="fairplay", provider="vendor",
                           license_url="https://license.example/ours", certificate_url="https://license.example/c",
                           priority=0, channels=[own_channel.pk], stream_services=[own_service.pk])
    assert staff_client.post(admin_url(DrmProfile, "add"), data).status_code == 302
    profile = DrmProfile.objects.get(name="Ours")
    assert profile.client == client_obj and list(profile.channels.all()) == [own_channel]


def test_tracks_and_qualities_are_edited_on_the_channel_page(staff_client, client_obj):
    channel = factories.ChannelFactory(client=client_obj)
    page = staff_client.get(change_url(channel))
    data = changeform_data(page)
    data.update(inline_rows("audio_tracks", [{"index": 0, "lang": "rus", "display_name": "Русский",
                                              "is_default": "on"}]))
    data.update(inline_rows("video_qualities", [{"index": 0, "display_name": "HD", "stream_name": "hd",
                                                 "bitrate": 4000}]))
    response = staff_client.post(change_url(channel), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    track = AudioTrack.objects.get(channel=channel)
    assert (track.client, track.lang, track.is_default) == (client_obj, "rus", True)
    assert VideoQuality.objects.get(channel=channel).stream_name == "hd"


def test_a_radio_station_is_carried_only_by_the_operators_channel(staff_client, client_obj, other_client):
    station = radio_create(client=client_obj, name="Jazz", enabled=True)
    foreign = factories.ChannelFactory(client=other_client)
    own = factories.ChannelFactory(client=client_obj)
    page = staff_client.get(change_url(station))
    refused = staff_client.post(change_url(station), changeform_data(page, radio_channel=foreign.pk))
    assert refused.status_code == 200 and "radio_channel" in refused.context["adminform"].form.errors
    assert staff_client.post(change_url(station), changeform_data(page, radio_channel=own.pk)).status_code == 302
    assert RadioStation.objects.get(pk=station.pk).radio_channel == own.pk
