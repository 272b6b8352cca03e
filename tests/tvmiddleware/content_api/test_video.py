"""Content API, group Video: titles and their files."""
from decimal import Decimal

import pytest

from tests import factories
from tvmiddleware.models import DeviceType, Episode, Season, Video, VideoFile, VideoPurchase
from tvmiddleware.services import customer_create


@pytest.fixture
def catalogue(operator):
    return {
        "drama": factories.GenreFactory(client=operator, name="Drama"),
        "comedy": factories.GenreFactory(client=operator, name="Comedy"),
        "tariff": factories.TariffFactory(client=operator),
    }


def make_actor(client, name="Anna"):
    from tvmiddleware.models import Actor

    return Actor.objects.create(client=client, name=name)


class TestSignature:
    def test_content_key_signs_and_others_do_not(self, content_api, operator):
        assert content_api.code("video/list/") == 0
        assert content_api.code("video/list/", key=operator.billing_api_key) == -2
        assert content_api.code("video/list/", key=operator.streaming_api_key) == -2

    def test_unknown_client(self, content_api):
        assert content_api.code("video/list/", client_id=999999) == -3
        assert content_api.code("video/list/", client_id="x") == -3


class TestVideoCreate:
    def test_creates_with_columns_relations_and_extra_fields(self, content_api, operator, catalogue):
        actor = make_actor(operator)
        other = factories.VideoFactory(client=operator)
        body = content_api.ok(
            "video/create/", name="Film", name_lang1="Фильм", name_orig="Film orig", description="Long",
            short_description="Short", year=2021, countries="France,Italy", director="Someone", language="fr",
            duration=95, parent_control=1, is_season=0, kinopoisk_rating="7.25", imdb_rating="8",
            poster_url="https://img.example/p.jpg", logo="https://img.example/l.png", ext_id="X-1",
            genres=[catalogue["drama"].pk, catalogue["comedy"].pk], actors_set=str(actor.pk),
            tariffs=catalogue["tariff"].pk, similar_set=other.pk, meta='{"k": [1, 2]}', is_announcement=1,
            premiere_date="2021-05-01T10:00:00.0+03:00", average_customers_rating="4.5",
            available_on=DeviceType.objects.get(system_name="mag").pk)
        assert body["upload_errors"] == []
        video = Video.objects.get(pk=body["id"])
        assert video.client == operator and video.name == "Film" and video.year == 2021
        assert video.cover_url == "https://img.example/p.jpg" and video.is_parent_control
        assert video.kinopoisk_rating == Decimal("7.25") and video.ext_id == "X-1"
        assert set(video.genres.values_list("name", flat=True)) == {"Drama", "Comedy"}
        assert list(video.actors.all()) == [actor] and list(video.tariffs.all()) == [catalogue["tariff"]]

        detail = content_api.ok("video/detail/", id=video.pk)
        assert detail["name_lang1"] == "Фильм" and detail["name_lang2"] == ""
        assert detail["poster_big"] == "https://img.example/p.jpg" and detail["logo"] == "https://img.example/l.png"
        assert detail["genres"] == sorted([catalogue["drama"].pk, catalogue["comedy"].pk])
        assert detail["actors"] == [actor.pk] and detail["is_similar_exist"] == 1
        assert detail["meta"] == '{"k": [1, 2]}' and detail["is_announcement"] == 1
        assert detail["kinopoisk_rating"] == 7.25 and detail["average_customers_rating"] == 4.5
        assert detail["ext_id"] == "X-1" and detail["is_parent_control"] == 1 and detail["is_season"] == 0

    def test_load_meta_is_reported_not_failed(self, content_api):
        body = content_api.ok("video/create/", name="Film", load_meta=1, kinopoisk_id=42)
        assert body["upload_errors"] and body["upload_errors"][0]["field"] == "load_meta"
        assert Video.objects.filter(pk=body["id"]).exists()

    @pytest.mark.parametrize("params, field", [
        ({}, "name"),
        ({"name": "F", "year": "20x1"}, "year"),
        ({"name": "F", "year": 99999}, "year"),
        ({"name": "F", "poster_url": "javascript:alert(1)"}, "poster_url"),
        ({"name": "F", "logo": "ftp://x/y"}, "logo"),
        ({"name": "F", "meta": "{broken"}, "meta"),
        ({"name": "F", "imdb_rating": "11"}, "imdb_rating"),
        ({"name": "F", "imdb_rating": "NaN"}, "imdb_rating"),
        ({"name": "F", "parent_control": 2}, "parent_control"),
        ({"name": "F", "premiere_date": "yesterday"}, "premiere_date"),
        ({"name": "F", "genres": "1,x"}, "genres"),
        ({"name": "x" * 301}, "name"),
    ])
    def test_bad_parameters_answer_20(self, content_api, params, field):
        body = content_api.json("video/create/", **params)
        assert body["error"] == 20 and field in body["error_fields"], body
        assert not Video.objects.exists()

    def test_unknown_and_foreign_ids_answer_404(self, content_api, operator, foreign):
        foreign_genre = factories.GenreFactory(client=foreign)
        foreign_system = factories.ExternalSystemFactory(client=foreign)
        for params in ({"genres": foreign_genre.pk}, {"genres": 999999}, {"external_api_config": foreign_system.pk},
                       {"package_videos": factories.VideoFactory(client=foreign).pk}, {"available_on": 999999},
                       {"tariffs": factories.TariffFactory(client=foreign).pk}):
            body = content_api.json("video/create/", name="F", **params)
            assert body["error"] == 404 and list(body["error_fields"]) == list(params), body
        assert not Video.objects.for_client(operator).exists()

    def test_ext_id_unique_per_client_and_source(self, content_api, operator, foreign):
        content_api.ok("video/create/", name="A", ext_id="E1")
        body = content_api.json("video/create/", name="B", ext_id="E1")
        assert body["error"] == 21 and body["error_fields"] == {"ext_id": "duplicate"}
        system = factories.ExternalSystemFactory(client=operator)
        content_api.ok("video/create/", name="C", ext_id="E1", external_api_config=system.pk)
        assert content_api.code("video/create/", name="D", ext_id="E1", external_api_config=system.pk) == 21
        factories.VideoFactory(client=foreign, ext_id="E2")
        content_api.ok("video/create/", name="E", ext_id="E2")  # another operator's ext_id is no clash

    def test_package_cannot_contain_itself(self, content_api):
        video_id = content_api.ok("video/create/", name="Pack")["id"]
        body = content_api.json("video/modify/", id=video_id, package_videos=video_id)
        assert body["error"] == 21 and "package_videos" in body["error_fields"]


class TestVideoModify:
    def test_changes_only_what_is_given(self, content_api, operator, catalogue):
        video = factories.VideoFactory(client=operator, name="Old", year=1999, description="Keep")
        video.genres.add(catalogue["drama"])
        content_api.ok("video/modify/", id=video.pk, name="New", genres=catalogue["comedy"].pk, name_lang2="Neu")
        video.refresh_from_db()
        assert (video.name, video.year, video.description) == ("New", 1999, "Keep")
        assert list(video.genres.all()) == [catalogue["comedy"]]
        assert content_api.ok("video/detail/", id=video.pk)["name_lang2"] == "Neu"

    def test_similar_add_and_remove(self, content_api, operator):
        video, a, b, c = (factories.VideoFactory(client=operator) for _ in range(4))
        content_api.ok("video/modify/", id=video.pk, similar_set=[a.pk, b.pk])
        content_api.ok("video/modify/", id=video.pk, similar_add=c.pk, similar_remove=a.pk)
        assert video.extra.__class__.objects.get(video=video).data["similar"] == [b.pk, c.pk]
        content_api.ok("video/modify/", id=video.pk, similar_set="")
        assert content_api.ok("video/detail/", id=video.pk)["is_similar_exist"] == 0

    def test_unknown_foreign_and_bad_ids(self, content_api, foreign):
        assert content_api.code("video/modify/", id=factories.VideoFactory(client=foreign).pk, name="X") == 404
        assert content_api.code("video/modify/", id=999999, name="X") == 404
        assert content_api.code("video/modify/", name="X") == 20
        assert content_api.code("video/modify/", id="1 OR 1=1", name="X") == 20

    def test_ext_id_clash_on_modify(self, content_api, operator):
        factories.VideoFactory(client=operator, ext_id="TAKEN")
        video = factories.VideoFactory(client=operator)
        body = content_api.json("video/modify/", id=video.pk, ext_id="TAKEN")
        assert body["error"] == 21 and body["error_fields"] == {"ext_id": "duplicate"}

    def test_load_meta_reported(self, content_api, operator):
        video = factories.VideoFactory(client=operator)
        assert content_api.ok("video/modify/", id=video.pk, load_meta=1)["upload_errors"]


class TestVideoDelete:
    def test_deletes_with_seasons_and_files(self, content_api, operator):
        video = factories.VideoFactory(client=operator)
        Season.objects.create(client=operator, video=video, number=1)
        VideoFile.objects.create(client=operator, video=video, path="a.mp4")
        content_api.ok("video/delete/", id=video.pk)
        assert not Video.objects.filter(pk=video.pk).exists() and not VideoFile.objects.exists()

    def test_purchased_video_is_kept(self, content_api, operator):
        video = factories.VideoFactory(client=operator)
        customer = customer_create(client=operator, firstname="Ann")
        VideoPurchase.objects.create(client=operator, customer=customer, video=video, kind="buy", price=1)
        body = content_api.json("video/delete/", id=video.pk)
        assert body["error"] == 21 and Video.objects.filter(pk=video.pk).exists()

    def test_foreign_and_unknown(self, content_api, foreign):
        foreign_video = factories.VideoFactory(client=foreign)
        assert content_api.code("video/delete/", id=foreign_video.pk) == 404
        assert content_api.code("video/delete/", id=0) == 20
        assert Video.objects.filter(pk=foreign_video.pk).exists()


class TestVideoDetail:
    def test_by_id_and_by_ext_id(self, content_api, operator):
        video = factories.VideoFactory(client=operator, ext_id="EXT", is_series=True)
        season = Season.objects.create(client=operator, video=video, number=1)
        Episode.objects.create(client=operator, video=video, season=season, number=1)
        file = VideoFile.objects.create(client=operator, video=video, path="a.mp4")
        body = content_api.ok("video/detail/", ext_id="EXT", id=999999)  # ext_id wins
        assert body["id"] == video.pk and body["seasons"] == [season.pk] and body["files"] == [file.pk]
        assert body["has_seasons"] is True and body["has_episodes"] is True and body["episode_count"] == 1
        assert body["is_season"] == 1 and body["meta"] == "" and body["name_lang5"] == ""
        assert content_api.ok("video/detail/", id=video.pk)["ext_id"] == "EXT"

    def test_missing_unknown_and_foreign(self, content_api, foreign):
        assert content_api.json("video/detail/")["error"] == 20
        assert content_api.code("video/detail/", id=999999) == 404
        assert content_api.code("video/detail/", ext_id="nope") == 404
        assert content_api.code("video/detail/", id=factories.VideoFactory(client=foreign, ext_id="F").pk) == 404
        assert content_api.code("video/detail/", ext_id="F") == 404


class TestVideoList:
    def test_pages_and_counts(self, content_api, operator, foreign):
        videos = [factories.VideoFactory(client=operator) for _ in range(5)]
        factories.VideoFactory(client=foreign)
        VideoFile.objects.create(client=operator, video=videos[0], path="x/a.mp4", duration=60)
        body = content_api.ok("video/list/", limit=2, page=3)
        assert body["count"] == 5 and [v["id"] for v in body["videos"]] == [videos[0].pk]
        assert body["videos"][0]["files"] == [{"id": videos[0].files.get().pk, "name": "x/a.mp4", "duration": 60}]
        assert body["videos"][0]["has_seasons"] is False
        assert content_api.ok("video/list/", page=9)["videos"] == []
        assert len(content_api.ok("video/list/")["videos"]) == 5

    def test_limit_is_capped_and_validated(self, content_api, operator):
        for _ in range(3):
            factories.VideoFactory(client=operator)
        assert len(content_api.ok("video/list/", limit=1000)["videos"]) == 3
        for bad in ({"limit": 0}, {"limit": "ten"}, {"page": 0}, {"page": "-1"}):
            body = content_api.json("video/list/", **bad)
            assert body["error"] == 20 and body["error_fields"], body

    def test_constant_number_of_queries(self, content_api, operator, django_assert_max_num_queries):
        def add(count):
            for _ in range(count):
                video = factories.VideoFactory(client=operator)
                VideoFile.objects.create(client=operator, video=video, path="f.mp4")
                Season.objects.create(client=operator, video=video, number=1)

        add(2)
        with django_assert_max_num_queries(10) as few:
            content_api.ok("video/list/", limit=100)
        add(30)
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert len(content_api.ok("video/list/", limit=100)["videos"]) == 32


class TestVideoFiles:
    def test_create_detail_modify(self, content_api, operator):
        video = factories.VideoFactory(client=operator)
        season = Season.objects.create(client=operator, video=video, number=1)
        episode = Episode.objects.create(client=operator, video=video, season=season, number=1)
        body = content_api.ok("video/file/create/", vid=video.pk, name="Main", name_lang1="Основной",
                              filename="films/a.mp4", duration=5400, is_trailer=0, quality=3, ext_id="F-1",
                              episode_id=episode.pk)
        file = VideoFile.objects.get(pk=body["id"])
        assert (file.path, file.quality, file.duration, file.episode, file.ext_id) == (
            "films/a.mp4", 1080, 5400, episode, "F-1")
        detail = content_api.ok("video/file/detail/", id=file.pk)
        assert detail == {"id": file.pk, "name": "Main", "name_lang1": "Основной", "name_lang2": "",
                          "name_lang3": "", "name_lang4": "", "name_lang5": "", "duration": 5400,
                          "is_trailer": False, "skip_video_fragments": [], "error": 0, "error_message": ""}
        content_api.ok("video/file/modify/", id=file.pk, name="Trailer", is_trailer=1, quality=14, filename="t.mp4")
        file.refresh_from_db()
        assert file.quality == 720 and file.path == "t.mp4"
        detail = content_api.ok("video/file/detail/", id=file.pk)
        assert detail["name"] == "Trailer" and detail["is_trailer"] is True

    def test_errors(self, content_api, operator, foreign):
        video = factories.VideoFactory(client=operator)
        other_video = factories.VideoFactory(client=operator)
        other_episode = Episode.objects.create(client=operator, video=other_video, number=1)
        assert content_api.code("video/file/create/", vid=video.pk, filename="a.mp4") == 20  # no name
        assert content_api.code("video/file/create/", vid=video.pk, name="A") == 20  # no filename
        assert content_api.code("video/file/create/", vid=video.pk, name="A", filename="a", quality=8) == 20
        assert content_api.code("video/file/create/", vid=video.pk, name="A", filename="a",
                                episode_id=other_episode.pk) == 404
        assert content_api.code("video/file/create/", vid=factories.VideoFactory(client=foreign).pk, name="A",
                                filename="a") == 404
        assert content_api.code("video/file/create/", vid=video.pk, name="A", filename="a",
                                sort_after_vfid=999999) == 404
        foreign_file = VideoFile.objects.create(client=foreign, video=factories.VideoFactory(client=foreign), path="p")
        assert content_api.code("video/file/detail/", id=foreign_file.pk) == 404
        assert content_api.code("video/file/modify/", id=foreign_file.pk, name="X") == 404
        assert content_api.code("video/file/detail/") == 20
        assert not VideoFile.objects.filter(client=operator).exists()
