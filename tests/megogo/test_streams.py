"""video/url of MEGOGO titles: the partner stream, signed with the requesting device type's key pair,
with the partner sign-on token."""
import pytest

from tests.megogo.conftest import run_sync
from tests.megogo.fakes import md5
from tvmiddleware import services
from tvmiddleware.models import Video, VideoFile


@pytest.fixture
def watcher(viewer, django_capture_on_commit_callbacks):
    run_sync(viewer.megogo)
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=viewer.customer, tariff=viewer.megogo.svod)
    assert viewer.megogo.fake.subscriptions[viewer.identifier] == {viewer.megogo.fake.svod_service_id}
    return viewer


def title(ext_id: str) -> Video:
    return Video.objects.get(ext_id=ext_id)


def stream_calls(fake):
    return [(method, params, public) for method, params, public in fake.calls if method in ("stream", "auth/by_partners")]


@pytest.mark.parametrize("device, public", [
    ("mag", "_stb_test"), ("android_stb", "_stb_test"), ("samsung_smart_tv", "_smart_tv_test"),
    ("lg_webos", "_smart_tv_test"), ("android", "_mobile_test"), ("ios", "_mobile_test"), ("pc", "_stb_test"),
])
def test_the_stream_is_asked_for_with_the_device_types_key_pair(watcher, device, public):
    assert watcher.login(device)["error"] == 0
    body = watcher.api.json("video/url/", vid=title("1001").pk, redirect=0)
    assert body["error"] == 0, body
    assert body["uri"].startswith("https://cdn.fake-megogo.test/1001/index.m3u8")
    (auth, auth_params, auth_key), (stream, stream_params, stream_key) = stream_calls(watcher.megogo.fake)
    assert (auth, stream) == ("auth/by_partners", "stream") and auth_key == stream_key == public
    assert auth_params["isdn"] == watcher.identifier
    assert auth_params["token"] == md5(watcher.identifier + "777" + "pepper")
    assert stream_params["video_id"] == "1001"


def test_redirect_to_the_partner_stream_and_token_reuse(watcher):
    watcher.login()
    response = watcher.api.call("video/url/", vid=title("1003").pk)
    assert response.status_code == 302 and response["Location"].startswith("https://cdn.fake-megogo.test/1003/")
    watcher.api.call("video/url/", vid=title("1003").pk)
    assert [m for m, _, _ in stream_calls(watcher.megogo.fake)] == ["auth/by_partners", "stream", "stream"]


def test_an_episode_plays_by_its_file(watcher):
    watcher.login("android")
    series = title("2001")
    file = VideoFile.objects.get(video=series, ext_id="200102003")
    body = watcher.api.json("video/url/", vid=series.pk, vfid=file.pk, redirect=0)
    assert body["error"] == 0 and "/200102003/" in body["uri"]


def test_a_bought_title_plays_and_an_unbought_one_does_not(watcher):
    watcher.login()
    film = title("1002")
    assert watcher.api.json("video/url/", vid=film.pk, redirect=0)["error"] == 3  # core access: not bought
    services_fund = __import__("billing.services", fromlist=["transaction_create"]).transaction_create
    services_fund(client=watcher.megogo.client, customer=watcher.customer, amount="100", ext_id="seed")
    assert watcher.api.json("video/action/", vid=film.pk, action="buy")["error"] == 0
    body = watcher.api.json("video/url/", vid=film.pk, redirect=0)
    assert body["error"] == 0 and "/1002/" in body["uri"]


def test_catalogue_tariff_alone_does_not_open_subscription_titles(viewer):
    run_sync(viewer.megogo)
    viewer.login()
    body = viewer.api.json("video/url/", vid=title("1001").pk, redirect=0)
    # the core's rules refuse it (the catalogue tariff is listing-only) before MEGOGO is asked
    assert body["error"] == 3 and "subscribe" in body["error_message"]
    assert not stream_calls(viewer.megogo.fake)
    assert viewer.api.json("video/url/", vid=title("1003").pk, redirect=0)["error"] == 0  # free title


def test_partner_refusal_is_an_error_not_a_crash(watcher):
    watcher.login()
    watcher.megogo.set_attribute("salt", "wrong")
    body = watcher.api.json("video/url/", vid=title("1001").pk, redirect=0)
    assert body["error"] == 2 and "Wrong partner token" in body["error_message"]
