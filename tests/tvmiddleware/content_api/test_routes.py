"""Every Content API route: signed, never a 500 or an HTML page, whatever the input; methods not
implemented yet answer a clear 22."""
import pytest
from django.urls import get_resolver

from tests import factories

UNSUPPORTED = ["camera/create/", "camera/modify/", "camera/delete/", "seance/create/", "seance/delete/",
               "seance/ticket/create/", "seance/ticket/delete/", "targetbanner/create/", "targetbanner/modify/",
               "targetbanner/delete/", "targetbanner/list/"]
DOCUMENTED = {-3, -2, 0, 1, 2, 3, 4, 5, 20, 21, 22, 404}


def content_routes() -> list[str]:
    from apis.content import urls

    return [str(pattern.pattern) for pattern in urls.urlpatterns]


def test_all_44_reference_methods_are_routed():
    assert len(content_routes()) == 44
    get_resolver().resolve("/content/api/video/create/")


@pytest.mark.parametrize("route", UNSUPPORTED)
def test_not_supported_methods(content_api, route):
    body = content_api.json(route, name="x", id=1)
    assert body["error"] == 22 and "not supported" in body["error_message"]
    assert content_api.json(route, key="wrong")["error"] == -2


JUNK = [
    {},
    {"id": "1' OR '1'='1", "vid": "<script>", "name": "<b>x</b>", "type": "drop", "limit": "9" * 30},
    {"id": "-5", "vid": "99999999999999999999", "page": "0", "episode_id": "1e9", "season_id": "\x00"},
    {"id": "1", "vid": "1", "name": "N" * 5000, "ext_id": "E" * 500, "begin_time": "Infinity", "end_time": "nan",
     "items_set": ",,,", "genres": "1,,2", "datetime_begin": "2024-02-30", "start": "0", "stop": "-1",
     "birthdate": "0000-00-00", "meta": "{" * 3000, "pid": "1", "prefix": "%", "time_start": "-1", "end_date": "x"},
]


@pytest.mark.parametrize("route", [r for r in content_routes() if r not in UNSUPPORTED])
def test_junk_never_breaks_a_method(content_api, operator, route):
    video = factories.VideoFactory(client=operator)
    for params in JUNK:
        response = content_api.call(route, **params)
        assert response["Content-Type"].startswith("application/json")
        body = response.json()
        assert body["error"] in DOCUMENTED and isinstance(body["error_message"], str), (route, params, body)
    assert content_api.call(route, get=True, id=video.pk, vid=video.pk).status_code == 200


def test_database_refusal_answers_22(content_api, operator, monkeypatch):
    from django.db import OperationalError

    from tvmiddleware.services import catalogue

    def broken(**kwargs):
        raise OperationalError("disk full")

    monkeypatch.setattr(catalogue, "actor_create", broken)
    body = content_api.json("actor/create/", name="X")
    assert body["error"] == 22 and "disk full" not in body["error_message"]


def test_ext_id_race_past_the_check_answers_21(content_api, operator, monkeypatch):
    from tvmiddleware.services import catalogue

    factories.VideoFactory(client=operator, ext_id="RACE")
    monkeypatch.setattr(catalogue, "_check_video_ext_id", lambda video: None)  # the other writer won meanwhile
    body = content_api.json("video/create/", name="Late", ext_id="RACE")
    assert body["error"] == 21
