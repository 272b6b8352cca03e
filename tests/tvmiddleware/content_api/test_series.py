"""Content API, groups Season and Episode: the structure of a series and its order."""
import pytest

from tests import factories
from tvmiddleware.models import Episode, Season, Video


@pytest.fixture
def series(operator):
    return factories.VideoFactory(client=operator, name="Series")


def numbers(queryset):
    return list(queryset.order_by("number").values_list("name", "number"))


class TestSeasons:
    def test_create_at_the_end_or_after_a_season(self, content_api, series):
        first = content_api.ok("season/create/", vid=series.pk, name="S1")["id"]
        content_api.ok("season/create/", vid=series.pk, name="S3", name_lang1="С3")
        content_api.ok("season/create/", vid=series.pk, name="S2", sort_after_sid=first)
        assert numbers(series.seasons) == [("S1", 1), ("S2", 2), ("S3", 3)]
        series.refresh_from_db()
        assert series.is_series
        assert Season.objects.get(name="S3").extra.data == {"name_lang1": "С3"}

    def test_modify_renames_and_moves(self, content_api, series):
        ids = [content_api.ok("season/create/", vid=series.pk, name=f"S{n}")["id"] for n in (1, 2, 3)]
        content_api.ok("season/modify/", season_id=ids[0], name="First", sort_after_sid=ids[2])
        assert numbers(series.seasons) == [("S2", 1), ("S3", 2), ("First", 3)]
        content_api.ok("season/modify/", season_id=ids[0], name_lang2="Erste")
        assert Season.objects.get(pk=ids[0]).name == "First"

    def test_delete(self, content_api, series, operator):
        season = Season.objects.create(client=operator, video=series, number=1)
        Episode.objects.create(client=operator, video=series, season=season, number=1)
        content_api.ok("season/delete/", id=season.pk)
        assert not Season.objects.exists() and not Episode.objects.exists()

    def test_errors(self, content_api, series, operator, foreign):
        other = factories.VideoFactory(client=operator)
        other_season = Season.objects.create(client=operator, video=other, number=1)
        foreign_season = Season.objects.create(client=foreign, video=factories.VideoFactory(client=foreign), number=1)
        assert content_api.code("season/create/", vid=series.pk) == 20
        assert content_api.code("season/create/", name="S") == 20
        assert content_api.code("season/create/", vid="abc", name="S") == 20
        assert content_api.code("season/create/", vid=foreign_season.video_id, name="S") == 404
        body = content_api.json("season/create/", vid=series.pk, name="S", sort_after_sid=other_season.pk)
        assert body["error"] == 404 and body["error_fields"] == {"sort_after_sid": "unknown"}
        assert content_api.code("season/modify/", season_id=foreign_season.pk, name="X") == 404
        assert content_api.code("season/modify/", name="X") == 20
        assert content_api.code("season/delete/", id=foreign_season.pk) == 404
        season = Season.objects.create(client=operator, video=series, number=1)
        assert content_api.code("season/modify/", season_id=season.pk, sort_after_sid=season.pk) == 21
        assert not Season.objects.filter(video=series).exclude(pk=season.pk).exists()


class TestEpisodes:
    def test_create_in_a_season_and_order(self, content_api, series, operator):
        season = Season.objects.create(client=operator, video=series, number=1)
        first = content_api.ok("episode/create/", vid=series.pk, season_id=season.pk, name="E1", duration=42,
                               description="D", description_lang1="Д", preview_url="https://i.example/e.jpg",
                               is_free=1)
        assert first["upload_errors"] == []
        content_api.ok("episode/create/", vid=series.pk, season_id=season.pk, name="E3")
        content_api.ok("episode/create/", vid=series.pk, season_id=season.pk, name="E2", sort_after_eid=first["id"])
        assert numbers(season.episodes) == [("E1", 1), ("E2", 2), ("E3", 3)]
        episode = Episode.objects.get(pk=first["id"])
        assert (episode.duration, episode.description, episode.season) == (42, "D", season)
        assert episode.extra.data == {"description_lang1": "Д", "preview_url": "https://i.example/e.jpg",
                                      "is_free": 1}

    def test_episode_without_season(self, content_api, series):
        body = content_api.ok("episode/create/", vid=series.pk, name="Pilot")
        assert Episode.objects.get(pk=body["id"]).season is None

    def test_modify(self, content_api, series, operator):
        ids = [content_api.ok("episode/create/", vid=series.pk, name=f"E{n}")["id"] for n in (1, 2, 3)]
        body = content_api.ok("episode/modify/", episode_id=ids[2], name="Last", duration=10, sort_after_eid=ids[0])
        assert body["upload_errors"] == []
        assert numbers(Episode.objects.filter(video=series)) == [("E1", 1), ("Last", 2), ("E2", 3)]
        assert Episode.objects.get(pk=ids[2]).duration == 10

    def test_delete(self, content_api, series, operator):
        episode = Episode.objects.create(client=operator, video=series, number=1)
        content_api.ok("episode/delete/", id=episode.pk)
        assert not Episode.objects.exists()

    def test_errors(self, content_api, series, operator, foreign):
        other_season = Season.objects.create(client=operator, video=factories.VideoFactory(client=operator), number=1)
        foreign_episode = Episode.objects.create(client=foreign, video=factories.VideoFactory(client=foreign), number=1)
        assert content_api.code("episode/create/", vid=series.pk) == 20
        assert content_api.code("episode/create/", vid=series.pk, name="E", season_id=other_season.pk) == 404
        assert content_api.code("episode/create/", vid=series.pk, name="E", duration=-1) == 20
        assert content_api.code("episode/create/", vid=series.pk, name="E", preview_url="not a url") == 20
        assert content_api.code("episode/create/", vid=foreign_episode.video_id, name="E") == 404
        assert content_api.code("episode/modify/", episode_id=foreign_episode.pk, name="E") == 404
        assert content_api.code("episode/delete/", id=foreign_episode.pk) == 404
        assert content_api.code("episode/delete/", id="") == 20
        in_season = content_api.ok("episode/create/", vid=series.pk, name="E", season_id=Season.objects.create(
            client=operator, video=series, number=1).pk)["id"]
        loose = content_api.ok("episode/create/", vid=series.pk, name="Loose")["id"]
        # sort_after_eid must name an episode of the same season
        assert content_api.code("episode/modify/", episode_id=in_season, sort_after_eid=loose) == 404
        assert Video.objects.get(pk=series.pk).episodes.count() == 2
