"""Content API, group Actor: people credited in videos."""
import datetime

from tests import factories
from tvmiddleware.models import Actor


def person(client, **fields):
    return Actor.objects.create(client=client, **{"name": "Someone", **fields})


def test_create_and_detail(content_api, operator):
    body = content_api.ok("actor/create/", name="Anna K", name_lang1="Анна К", birthdate="1980-02-29", gender=2,
                          country="France", profession="Actress", biography="Born...", name_orig="Anna Kovalenko",
                          movie_db_id=77, type="director", photo_url="https://img.example/a.jpg")
    assert body["upload_errors"][0]["field"] == "movie_db_id"  # kept, but nothing is loaded from it
    actor = Actor.objects.get(pk=body["id"])
    assert (actor.client, actor.gender, actor.type, actor.description) == (operator, "female", "director", "Born...")
    assert actor.birthdate == datetime.date(1980, 2, 29)
    detail = content_api.ok("actor/detail/", id=actor.pk)
    assert detail["name"] == "Anna K" and detail["name_lang1"] == "Анна К" and detail["name_lang2"] == ""
    assert detail["gender"] == "2" and detail["birthdate"] == "1980-02-29" and detail["type"] == "director"
    assert detail["photo"] == "https://img.example/a.jpg" and detail["profession"] == "Actress"
    assert detail["biography"] == "Born..." and detail["movie_db_id"] == 77 and detail["country"] == "France"


def test_create_errors(content_api, operator):
    assert content_api.json("actor/create/")["error_fields"] == {"name": "required"}
    assert content_api.code("actor/create/", movie_db_id=5) == 5  # nothing to load from
    for bad in ({"gender": 3}, {"birthdate": "1980-13-01"}, {"birthdate": "01.02.1980"}, {"type": "writer"},
                {"photo_url": "file:///etc/passwd"}, {"movie_db_id": "x"}):
        body = content_api.json("actor/create/", name="X", **bad)
        assert body["error"] == 20 and list(body["error_fields"]) == list(bad), body
    assert not Actor.objects.exists()


def test_modify(content_api, operator, foreign):
    actor = person(operator, name="Old", country="UK")
    content_api.ok("actor/modify/", id=actor.pk, name="New", gender=1, biography_lang1="Био")
    actor.refresh_from_db()
    assert (actor.name, actor.country, actor.gender) == ("New", "UK", "male")
    assert content_api.ok("actor/detail/", id=actor.pk)["biography_lang1"] == "Био"
    assert content_api.code("actor/modify/", id=actor.pk, load_meta=1) == 5
    assert content_api.code("actor/modify/", id=person(foreign).pk, name="X") == 404
    assert content_api.code("actor/modify/", name="X") == 20


def test_delete_keeps_videos(content_api, operator, foreign):
    actor = person(operator)
    video = factories.VideoFactory(client=operator)
    video.actors.add(actor)
    content_api.ok("actor/delete/", id=actor.pk)
    assert not Actor.objects.filter(pk=actor.pk).exists() and video.actors.count() == 0
    assert content_api.code("actor/delete/", id=person(foreign).pk) == 404
    assert content_api.code("actor/detail/", id=actor.pk) == 404


def test_list_filters_orders_and_pages(content_api, operator, foreign):
    anna = person(operator, name="Anna", country="France", birthdate=datetime.date(1980, 1, 1))
    bob = person(operator, name="Bob", country="USA", type="director", birthdate=datetime.date(1970, 1, 1))
    cid = person(operator, name="Cid", country="France")
    person(foreign, name="Foreign")
    film, other = factories.VideoFactory(client=operator), factories.VideoFactory(client=operator)
    film.actors.add(anna, bob)
    other.actors.add(bob)
    assert content_api.ok("actor/list/")["actors"] == [cid.pk, bob.pk, anna.pk]
    assert content_api.ok("actor/list/", order="name")["actors"] == [anna.pk, bob.pk, cid.pk]
    assert content_api.ok("actor/list/", order="-film_count")["actors"][0] == bob.pk
    assert content_api.ok("actor/list/", order="birthdate", movie_id=film.pk)["actors"] == [bob.pk, anna.pk]
    assert content_api.ok("actor/list/", order="-birthdat", movie_id=film.pk)["actors"] == [anna.pk, bob.pk]
    assert content_api.ok("actor/list/", country="france")["actors"] == [cid.pk, anna.pk]
    assert content_api.ok("actor/list/", type="director")["actors"] == [bob.pk]
    assert content_api.ok("actor/list/", movie_id=film.pk, order="id")["actors"] == [anna.pk, bob.pk]
    assert content_api.ok("actor/list/", limit=1, page=2)["actors"] == [bob.pk]
    assert content_api.code("actor/list/", movie_id=factories.VideoFactory(client=foreign).pk) == 404
    assert content_api.code("actor/list/", order="salary") == 20
    assert content_api.code("actor/list/", type="writer") == 20


def test_list_is_one_query_whatever_the_page(content_api, operator, django_assert_max_num_queries):
    film = factories.VideoFactory(client=operator)
    for n in range(30):
        film.actors.add(person(operator, name=f"P{n}"))
    with django_assert_max_num_queries(3):  # the client lookup, then the page of ids
        assert len(content_api.ok("actor/list/", limit=100, order="film_count", movie_id=film.pk)["actors"]) == 30
