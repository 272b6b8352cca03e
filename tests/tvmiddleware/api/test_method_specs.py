"""The channel, guide and VOD methods answer what their specs declare (`apikit.spec`): a success
answer matches the declared response shape, and an error answer carries a declared code."""
from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import jsonschema
import pytest
from django.core.cache import cache
from django.urls import resolve
from django.utils import timezone

from tests import factories
from tests.tvmiddleware.api.test_channels import build_lineup
from tests.tvmiddleware.api.test_vod import catalogue  # noqa: F401  (fixture)
from tvmiddleware.models import Episode, Season, Selection, SelectionItem, VideoFile

GUEST_AND_V2 = ["noauth/category/list/", "noauth/genre/list/", "noauth/actor/list/", "noauth/actor/detail/",
                "noauth/program/list/", "noauth/program/detail/", "noauth/selection/list/", "noauth/selection/detail/",
                "noauth/video/list/", "noauth/video/detail/", "noauth/video/episode/list/", "noauth/video/url/",
                "noauth/provider/list/", "provider/list/", "v2/channel/list/", "v2/channel/info/",
                "v2/noauth/channel/list/", "v2/noauth/channel/info/"]
SPECIFIED = ["category/list/", "channel/list/", "channel/list/search/", "channel/list/programs/", "channel/detail/",
             "program/list/", "program/detail/", "program/list/search/", "genre/list/", "video/list/",
             "video/detail/", "video/episode/list/", "video/action/", "actor/list/", "actor/list/search/",
             "actor/detail/", "selection/list/"]


def view_of(method: str):
    return resolve(f"/tvmiddleware/api/{method}").func


def spec_of(method: str):
    return view_of(method).api_spec


def json_schema(schema):
    """OpenAPI 3.0's `nullable` as JSON Schema."""
    if isinstance(schema, list):
        return [json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: json_schema(value) for key, value in schema.items() if key != "nullable"}
    return {"anyOf": [converted, {"type": "null"}]} if schema.get("nullable") is True else converted


def check_answer(method: str, body: dict) -> None:
    spec = spec_of(method)
    if body["error"] == 0:
        answer = {k: v for k, v in body.items() if k not in ("error", "error_message")}
        jsonschema.validate(answer, json_schema(spec.response.schema()))
    else:
        allowed = {int(code) for code in (*spec.all_errors(), *view_of(method).auth_errors)}
        assert body["error"] in allowed, (method, body)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.mark.parametrize("method", SPECIFIED)
def test_every_method_declares_its_spec(method):
    spec = spec_of(method)
    assert spec.summary and spec.response is not None and spec.invalid_param is not None
    assert all(param.description for param in spec.params), [p.name for p in spec.params if not p.description]


@pytest.mark.parametrize("method", GUEST_AND_V2)
def test_guest_and_v2_methods_declare_their_specs(method):
    """Their answers and codes are checked against the specs in test_guest.py."""
    test_every_method_declares_its_spec(method)


@pytest.fixture
def world(subscriber, catalogue):  # noqa: F811
    c = subscriber.client
    lineup = build_lineup(subscriber)
    factories.TariffFactory(client=c, basic_tariff_priority=0, price=Decimal("9.90")).channels.add(lineup.second)
    now = timezone.now()
    factories.EpgProgramFactory(epg_channel=lineup.epg, begin_time=now - timedelta(hours=5),
                                end_time=now - timedelta(hours=4), name="Morning news")
    season = Season.objects.create(client=c, video=catalogue.base, number=1)
    episode = Episode.objects.create(client=c, video=catalogue.base, season=season, number=1, duration=45)
    VideoFile.objects.create(client=c, video=catalogue.base, episode=episode, path="/e1.mp4")
    top = Selection.objects.create(client=c, name="Top")
    SelectionItem.objects.create(selection=top, video=catalogue.base)
    hour = int(now.timestamp())
    return {
        "category/list/": [{}],
        "channel/list/": [{}, {"compact": 1}, {"limit": 1, "page": 2}],
        "channel/list/search/": [{"search": "sport"}],
        "channel/list/programs/": [{"programs_from_ts": hour - 3600, "programs_to_ts": hour + 7200},
                                   {"channel_ids": lineup.first.pk, "programs_from_ts": hour - 86400,
                                    "programs_to_ts": hour - 3600}],
        "channel/detail/": [{"cid": lineup.second.pk}],
        "program/list/": [{"cid": lineup.first.pk}, {"cid": lineup.second.pk},
                          {"cid": lineup.first.pk, "date": timezone.localdate().strftime("%d.%m.%Y")}],
        "program/detail/": [{"pid": lineup.current.pk}, {"pid": lineup.following.pk, "cid": lineup.first.pk}],
        "program/list/search/": [{"search": "news"}, {"search": "weather", "skip_unavailable": 1}],
        "genre/list/": [{}, {"categories": 1}],
        "video/list/": [{}, {"kinopoisk_rating_from": "7.5", "country": "Россия"}],
        "video/detail/": [{"vid": catalogue.base.pk}, {"vid": catalogue.paid.pk}, {"vid": catalogue.free.pk}],
        "video/episode/list/": [{"season_id": season.pk}, {"vid": catalogue.base.pk}],
        "video/action/": [{"vid": catalogue.paid.pk, "action": "rent"}],
        "actor/list/": [{}, {"vid": catalogue.base.pk}],
        "actor/list/search/": [{"search": "Иван"}],
        "actor/detail/": [{"aid": catalogue.actor.pk}],
        "selection/list/": [{}],
    }


def test_success_answers_match_the_declared_shapes(logged_in, world):
    assert sorted(world) == sorted(SPECIFIED)
    for method, calls in world.items():
        for params in calls:
            body = logged_in.json(method, **params)
            assert body["error"] == 0, (method, params, body)
            check_answer(method, body)


BAD_VALUES = ["", "abc", "-1", "0", "1", "2", "1,,2", "9" * 30, "31.02.2024", "１", "x" * 300]


def test_error_answers_carry_declared_codes(logged_in, world):
    for method in SPECIFIED:
        names = [param.name for param in spec_of(method).params]
        for value in BAD_VALUES:
            for name in names:
                response = logged_in.call(method, **{**world[method][0], name: value})
                check_answer(method, json.loads(response.content))


@pytest.mark.parametrize("day", ["31.12.9999", "01.01.0001", "1.1.1899", "٣١.١٢.٢٠٢٤", "2024-12-31"])
def test_guide_days_out_of_range_are_refused(logged_in, subscriber, day):
    channel = factories.ChannelFactory(client=subscriber.client, epg_channel=factories.EpgChannelFactory(
        client=subscriber.client))
    body = logged_in.json("program/list/", cid=channel.pk, date=day)
    assert body["error"] == 1 and body["error_fields"] == {"date": "not a DD.MM.YYYY date"}
