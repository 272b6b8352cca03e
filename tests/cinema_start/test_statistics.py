"""Viewing statistics sent to Start, per device type as the operator switched them on."""
import logging

import pytest

from cinema_start.models import StartDeviceStatistics
from cinema_start.statistics import view_to_report
from tests import factories
from tests.cinema_kit.conftest import make_system
from tvmiddleware.models import ContentKind, ContentPosition, DeviceType, Episode, Video, VideoFile
from tvmiddleware.services.account_settings import content_position_set
from tvmiddleware.services.sessions import session_create


@pytest.fixture
def synced(start_system):
    start_system.get_api().sync_catalogue()
    return start_system


@pytest.fixture
def viewer(client_obj, fake_partner):
    """An account watching on an Android set-top box, known to Start as a user."""
    account = factories.AccountFactory(customer=factories.CustomerFactory(client=client_obj))
    session_create(account=account, device=None, device_type=DeviceType.objects.get(system_name="android_stb"),
                   device_uid="stb-1", is_basic_device=True, ip_address="10.0.0.7")
    fake_partner.users.add(str(account.customer_id))
    return account


def switch(client, system_name: str, on: bool = True) -> None:
    StartDeviceStatistics.objects.update_or_create(
        client=client, device_type=DeviceType.objects.get(system_name=system_name),
        defaults={"send_statistics": on})


def watch(account, video: Video, position: int, capture, **options) -> ContentPosition:
    """The device saves its position in the title's file (the operator's), or in the episode given."""
    if "asset_id" not in options:
        file = VideoFile.objects.filter(video=video).first() or VideoFile.objects.create(
            client_id=video.client_id, video=video, path=f"vod/{video.ext_id}.mp4", duration=video.duration * 60)
        options["asset_id"] = file.pk
    with capture(execute=True):
        return content_position_set(account=account, content_type=ContentKind.VIDEO, content_id=video.pk,
                                    position=position, **options)


def test_a_switched_on_device_type_reports_the_view_to_start(synced, viewer, fake_partner, client_obj,
                                                             django_capture_on_commit_callbacks):
    switch(client_obj, "android_stb")
    film = Video.objects.get(external_system=synced, ext_id="st-1")
    watch(viewer, film, 600, django_capture_on_commit_callbacks)
    assert len(fake_partner.views) == 1
    view = fake_partner.views[0]
    assert view["user_id"] == str(viewer.customer_id) and view["content_id"] == "st-1"
    assert view["device_type"] == "android_stb" and view["position"] == 600 and view["episode_id"] is None
    assert view["duration"] == film.duration * 60 and view["completed"] is False  # seconds, the kit's unit
    assert view["watched_at"].endswith("Z")


def test_an_episode_is_reported_with_its_start_id(synced, viewer, fake_partner, client_obj,
                                                  django_capture_on_commit_callbacks):
    switch(client_obj, "android_stb")
    series = Video.objects.get(external_system=synced, ext_id="st-10")
    episode = Episode.objects.get(video=series, ext_id="st-10-s1e2")
    watch(viewer, series, 2700, django_capture_on_commit_callbacks, asset_id=episode.pk)
    assert [v["episode_id"] for v in fake_partner.views] == ["st-10-s1e2"]
    assert fake_partner.views[0]["completed"] is True  # 45 of 45 minutes


def test_nothing_is_sent_unless_the_device_type_is_switched_on(synced, viewer, fake_partner, client_obj,
                                                               django_capture_on_commit_callbacks):
    film = Video.objects.get(external_system=synced, ext_id="st-1")
    watch(viewer, film, 60, django_capture_on_commit_callbacks)          # no setting at all
    switch(client_obj, "android_stb", on=False)
    watch(viewer, film, 120, django_capture_on_commit_callbacks)         # switched off
    switch(client_obj, "mag")
    watch(viewer, film, 180, django_capture_on_commit_callbacks)         # on for another device type only
    switch(factories.ClientFactory(), "android_stb")
    watch(viewer, film, 240, django_capture_on_commit_callbacks)         # on at another operator only
    assert fake_partner.views == []
    assert ContentPosition.objects.get(account=viewer, content_id=film.pk).position == 240


def test_other_titles_are_not_reported(synced, viewer, fake_partner, client_obj, django_capture_on_commit_callbacks):
    switch(client_obj, "android_stb")
    own = factories.VideoFactory(client=client_obj)
    watch(viewer, own, 60, django_capture_on_commit_callbacks)
    assert fake_partner.views == []


def test_integrations_under_the_old_api_class_name_report_too(client_obj, fake_partner, catalogue_tariff,
                                                              svod_tariff, viewer,
                                                              django_capture_on_commit_callbacks):
    old = make_system(client_obj, fake_partner, api_class="start_api_client", tariff=catalogue_tariff,
                      svod_tariff=svod_tariff)
    old.get_api().sync_catalogue()
    switch(client_obj, "android_stb")
    watch(viewer, Video.objects.get(external_system=old, ext_id="st-2"), 30, django_capture_on_commit_callbacks)
    assert [v["content_id"] for v in fake_partner.views] == ["st-2"]


def test_start_failing_never_costs_the_position(synced, viewer, fake_partner, client_obj, caplog,
                                                django_capture_on_commit_callbacks):
    switch(client_obj, "android_stb")
    film = Video.objects.get(external_system=synced, ext_id="st-1")
    fake_partner.down = 503
    with caplog.at_level(logging.WARNING, logger="cinema_start.statistics"):
        watch(viewer, film, 90, django_capture_on_commit_callbacks)
    assert ContentPosition.objects.get(account=viewer, content_id=film.pk).position == 90
    assert "viewing statistics not sent" in caplog.text and fake_partner.views == []
    assert "svod-partner-token" not in caplog.text  # the token never reaches the logs


def test_one_query_when_no_device_type_is_switched_on(synced, viewer, django_assert_num_queries):
    film = Video.objects.get(external_system=synced, ext_id="st-1")
    position = ContentPosition(client_id=viewer.client_id, account=viewer, content_type=ContentKind.VIDEO,
                               content_id=film.pk, position=10)
    with django_assert_num_queries(1):
        assert view_to_report(position) is None
