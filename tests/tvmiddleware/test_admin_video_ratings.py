"""Subscribers' ratings in the operator panel: each operator sees its own; deleting one (moderation)
recomputes the title's average."""
from __future__ import annotations

from decimal import Decimal

from tests import factories
from tests.admin_factories import admin_url, change_url
from tvmiddleware.models import Video, VideoRating
from tvmiddleware.services.vod_account import video_rate

pytest_plugins = ["tests.admin_factories"]


def _rate(client, rating: int, video=None) -> VideoRating:
    account = factories.AccountFactory(customer=factories.CustomerFactory(client=client))
    video = video or factories.VideoFactory(client=client)
    video_rate(account=account, video=video, rating=rating)
    return VideoRating.objects.get(account=account, video=video)


def test_staff_see_their_operator_s_ratings_and_delete_one(staff_client, client_obj):
    mine = _rate(client_obj, 9)
    second = _rate(client_obj, 4, video=mine.video)
    theirs = _rate(factories.ClientFactory(), 2)
    assert Video.objects.get(pk=mine.video_id).customers_rating == Decimal("6.50")
    page = staff_client.get(admin_url(VideoRating, "changelist"))
    assert page.status_code == 200
    shown = {row.pk for row in page.context["cl"].result_list}
    assert shown == {mine.pk, second.pk}
    assert staff_client.get(change_url(theirs)).status_code in (302, 404)
    response = staff_client.post(admin_url(VideoRating, "delete", second.pk), {"post": "yes"})
    assert response.status_code == 302
    video = Video.objects.get(pk=mine.video_id)
    assert (video.customers_rating, video.customers_rating_count) == (Decimal("9.00"), 1)
    assert staff_client.post(admin_url(VideoRating, "delete", theirs.pk), {"post": "yes"}).status_code in (302, 404)
    assert VideoRating.objects.filter(pk=theirs.pk).exists()


def test_the_title_page_shows_the_average(staff_client, client_obj):
    rating = _rate(client_obj, 8)
    page = staff_client.get(change_url(rating.video))
    assert page.status_code == 200 and b"8.00" in page.content
