"""What the device API shows of synced MEGOGO titles: the sync's thumbnails (through the core's
`video_images` plugin hook), and actions (video/detail, video/list) that agree with video/url
under the one VOD rule set — the hidden catalogue tariff lists titles but opens none."""
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from billing.services import transaction_create
from megogo.models import MegogoTitle
from tests.megogo.conftest import run_sync
from tvmiddleware import services
from tvmiddleware.models import Video
from tvmiddleware.plugins import registry
from tvmiddleware.streaming import access


def title(ext_id: str) -> Video:
    return Video.objects.get(ext_id=ext_id)


def rows_by_id(body: dict) -> dict[int, dict]:
    return {row["id"]: row for row in body["videos"]}


def actions(body: dict) -> list[tuple]:
    return sorted((a["action"], a["tariff_id"]) for a in body["actions"])


def url_error(viewer, video: Video) -> int:
    return viewer.api.json("video/url/", vid=video.pk, redirect=0)["error"]


@pytest.fixture
def synced(viewer):
    run_sync(viewer.megogo)
    assert viewer.login()["error"] == 0
    return viewer


# --- thumbnails ------------------------------------------------------------------------------------

def thumbnail_urls(ext_id: str) -> dict[str, str]:
    state = MegogoTitle.objects.get(ext_id=ext_id)
    return {"thumbnail_small": state.thumbnail_small.url, "thumbnail_big": state.thumbnail_big.url}


def test_megogo_implements_the_image_hook():
    assert registry.get("megogo_api_client").handles("video_images")


def test_video_list_and_detail_serve_the_sync_thumbnails(synced, settings):
    film = title("1001")
    expected = thumbnail_urls("1001")
    assert expected["thumbnail_small"] != expected["thumbnail_big"]
    row = rows_by_id(synced.api.json("video/list/", limit=100))[film.pk]
    detail = synced.api.json("video/detail/", vid=film.pk)
    for shown in (row, detail):
        for name, url in expected.items():
            assert shown[name] == f"http://testserver{url}", (name, shown[name])
        # the poster itself stays the vertical poster
        assert shown["vertical_poster"] == f"http://testserver{film.cover.url}"
    # the served files are the sync's thumbnails, of their sizes
    state = MegogoTitle.objects.get(ext_id="1001")
    with state.thumbnail_small.open() as handle, Image.open(handle) as image:
        assert max(image.size) <= 225


def test_titles_without_plugin_thumbnails_keep_their_cover(synced):
    # a MEGOGO title whose thumbnails are not stored yet, and a title of the operator's own
    MegogoTitle.objects.filter(ext_id="1003").update(thumbnail_small="", thumbnail_big="")
    own = Video.objects.create(client=synced.megogo.client, name="Own film", cover_url="https://img.example/own.jpg",
                               price_category="free")
    rows = rows_by_id(synced.api.json("video/list/", limit=100))
    free = title("1003")
    cover = f"http://testserver{free.cover.url}"
    assert rows[free.pk]["thumbnail_small"] == rows[free.pk]["thumbnail_big"] == cover
    assert rows[own.pk]["thumbnail_small"] == rows[own.pk]["thumbnail_big"] == "https://img.example/own.jpg"


def test_a_failing_image_hook_does_not_break_the_catalogue(synced, monkeypatch):
    cls = registry.get("megogo_api_client")

    def broken(videos):
        raise RuntimeError("boom")

    monkeypatch.setattr(cls, "video_images", classmethod(lambda c, videos: broken(videos)))
    body = synced.api.json("video/list/", limit=100)
    film = title("1001")
    assert body["error"] == 0
    assert rows_by_id(body)[film.pk]["thumbnail_small"] == f"http://testserver{film.cover.url}"


def test_video_list_query_count_is_constant_with_many_megogo_titles(viewer, django_assert_max_num_queries):
    fake = viewer.megogo.fake
    for n in range(3):
        fake.add_title(5000 + n, title=f"Extra {n}", rules=("svod",), genres=(1,))
    run_sync(viewer.megogo)
    viewer.login()
    viewer.api.json("video/list/", limit=100)  # warm the session
    with CaptureQueriesContext(connection) as few:
        small = viewer.api.json("video/list/", limit=100)
    for n in range(3, 40):
        fake.add_title(5000 + n, title=f"Extra {n}", rules=("svod",), genres=(1,))
    run_sync(viewer.megogo)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = viewer.api.json("video/list/", limit=100)
    assert body["count"] == small["count"] + 37
    assert all(row["thumbnail_small"].endswith("_small.jpg") for row in body["videos"])


# --- one rule set: actions, flags and video/url agree ----------------------------------------------

def test_catalogue_tariff_alone_lists_subscription_titles_but_opens_none(synced):
    film = title("1001")
    row = rows_by_id(synced.api.json("video/list/", limit=100))[film.pk]  # listed…
    assert row["has_subscription"] == 0
    detail = synced.api.json("video/detail/", vid=film.pk)
    assert detail["has_subscription"] == 0
    # …offered through MEGOGO's subscription tariffs (tariff_id, additional_tariffs_ids), never the
    # hidden catalogue tariff, and not playable
    assert actions(detail) == sorted([("subscribe", synced.megogo.svod.pk), ("subscribe", synced.megogo.mixed.pk)])
    assert url_error(synced, film) == 3
    assert not access.can_watch(synced.subscriber.account.pk, "vod", film.pk)


@pytest.mark.parametrize("tariff", ["svod", "mixed"])
def test_a_subscription_tariff_opens_subscription_titles(synced, tariff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=synced.customer, tariff=getattr(synced.megogo, tariff))
    film = title("1001")
    assert rows_by_id(synced.api.json("video/list/", limit=100))[film.pk]["has_subscription"] == 1
    detail = synced.api.json("video/detail/", vid=film.pk)
    assert detail["has_subscription"] == 1 and {a["action"] for a in detail["actions"]} == {"play"}
    assert url_error(synced, film) == 0
    assert access.can_watch(synced.subscriber.account.pk, "vod", film.pk)


def test_free_titles_play_with_the_catalogue_tariff_only(synced):
    film = title("1003")
    detail = synced.api.json("video/detail/", vid=film.pk)
    assert detail["has_subscription"] == 1 and {a["action"] for a in detail["actions"]} == {"play"}
    assert url_error(synced, film) == 0


def test_tvod_titles_play_once_bought(synced):
    film = title("1002")
    detail = synced.api.json("video/detail/", vid=film.pk)
    assert detail["has_subscription"] == 0 and {a["action"] for a in detail["actions"]} == {"buy", "rent"}
    assert url_error(synced, film) == 3
    transaction_create(client=synced.megogo.client, customer=synced.customer, amount=Decimal("100"), ext_id="seed")
    assert synced.api.json("video/action/", vid=film.pk, action="buy")["error"] == 0
    detail = synced.api.json("video/detail/", vid=film.pk)
    assert detail["is_purchased"] == 1 and {a["action"] for a in detail["actions"]} == {"play"}
    row = rows_by_id(synced.api.json("video/list/", limit=100))[film.pk]
    assert row["is_purchased"] == 1 and row["has_subscription"] == 1
    assert url_error(synced, film) == 0


def test_the_sync_warns_when_the_catalogue_tariff_is_also_a_subscription_tariff(viewer):
    viewer.megogo.set_attribute("tariff_id", str(viewer.megogo.catalogue.pk))
    from megogo.sync.runner import run_sync as run

    result = run(viewer.megogo.api())
    assert any("catalogue tariff" in warning and "listing-only" in warning for warning in result.warnings), \
        result.warnings
