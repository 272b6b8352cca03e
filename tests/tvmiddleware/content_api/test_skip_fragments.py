"""Content API, group SkipVideoFragment."""
from decimal import Decimal

import pytest

from tests import factories
from tvmiddleware.models import SkipVideoFragment, VideoFile


@pytest.fixture
def video_file(operator):
    return VideoFile.objects.create(client=operator, video=factories.VideoFactory(client=operator), path="a.mp4")


def test_create_modify_delete(content_api, operator, video_file):
    body = content_api.ok("skipvideofragment/create/", vfid=video_file.pk, type=0, begin_time="0",
                          end_time="85.125")
    fragment = SkipVideoFragment.objects.get(pk=body["id"])
    assert (fragment.client, fragment.type, fragment.end_time) == (operator, 0, Decimal("85.125"))
    assert content_api.ok("video/file/detail/", id=video_file.pk)["skip_video_fragments"] == [
        {"id": fragment.pk, "type": 0, "begin_time": 0.0, "end_time": 85.125}]
    other_file = VideoFile.objects.create(client=operator, video=video_file.video, path="b.mp4")
    content_api.ok("skipvideofragment/modify/", id=fragment.pk, type=2, begin_time="3000.5", end_time="3100",
                   vfid=other_file.pk)
    fragment.refresh_from_db()
    assert (fragment.type, fragment.begin_time, fragment.video_file) == (2, Decimal("3000.5"), other_file)
    content_api.ok("skipvideofragment/delete/", id=fragment.pk)
    assert not SkipVideoFragment.objects.exists()


@pytest.mark.parametrize("params, code", [
    ({"type": 0, "begin_time": "10", "end_time": "5"}, 21),
    ({"type": 0, "begin_time": "10", "end_time": "10"}, 21),
    ({"type": 4, "begin_time": "0", "end_time": "5"}, 20),
    ({"type": 0, "begin_time": "-1", "end_time": "5"}, 20),
    ({"type": 0, "begin_time": "0.0001", "end_time": "5"}, 20),
    ({"type": 0, "begin_time": "1e400", "end_time": "5"}, 20),
    ({"type": 0, "begin_time": "abc", "end_time": "5"}, 20),
    ({"type": 0, "end_time": "5"}, 20),
    ({"begin_time": "0", "end_time": "5"}, 20),
])
def test_create_errors(content_api, video_file, params, code):
    assert content_api.code("skipvideofragment/create/", vfid=video_file.pk, **params) == code
    assert not SkipVideoFragment.objects.exists()


def test_ids_of_other_operators(content_api, operator, foreign, video_file):
    foreign_file = VideoFile.objects.create(client=foreign, video=factories.VideoFactory(client=foreign), path="f")
    foreign_fragment = SkipVideoFragment.objects.create(client=foreign, video_file=foreign_file, type=1,
                                                        begin_time=0, end_time=1)
    fragment = SkipVideoFragment.objects.create(client=operator, video_file=video_file, type=1, begin_time=0,
                                                end_time=1)
    times = {"type": 0, "begin_time": "0", "end_time": "1"}
    assert content_api.code("skipvideofragment/create/", vfid=foreign_file.pk, **times) == 404
    assert content_api.code("skipvideofragment/modify/", id=foreign_fragment.pk, type=2) == 404
    assert content_api.code("skipvideofragment/modify/", id=fragment.pk, vfid=foreign_file.pk) == 404
    assert content_api.code("skipvideofragment/modify/", id=fragment.pk, begin_time="5") == 21
    assert content_api.code("skipvideofragment/delete/", id=foreign_fragment.pk) == 404
    assert content_api.code("skipvideofragment/delete/") == 20
    assert SkipVideoFragment.objects.count() == 2
