"""Parsing the generic partners' catalogue feeds (JSON and XML) into catalogue records."""
import json
from decimal import Decimal

import pytest

from cinema_kit.feeds import json_page, parse_field_map, title_from_item, xml_items
from tests.cinema_kit.fakes import make_titles, to_xml
from tvmiddleware.plugins import PluginError


def test_json_and_xml_of_the_same_titles_give_the_same_records():
    titles = make_titles(20)
    from_json = [title_from_item(item) for item in json_page(json.dumps({"items": titles, "next": None}).encode())[0]]
    from_xml = [title_from_item(item) for item in xml_items(to_xml(titles))]
    assert from_json == from_xml
    series = from_json[9]
    assert series.is_series and [s.number for s in series.seasons] == [1, 2]
    assert [e.name for e in series.seasons[0].episodes] == ["Episode 1", "Episode 2", "Episode 3"]
    assert from_json[0].imdb_rating == Decimal("5.10") and from_json[0].countries == "RU, US"


def test_json_pages():
    assert json_page(b'[{"id": "a", "title": "A"}]') == ([{"id": "a", "title": "A"}], None)
    assert json_page(b'{"items": [], "next": "/p2"}') == ([], "/p2")
    for bad in (b"<xml/>", b'{"data": []}', b'{"items": [], "next": 5}'):
        with pytest.raises(PluginError):
            json_page(bad)


def test_field_map_renames_partner_fields():
    fields = parse_field_map("title=name, poster=image_url")
    record = title_from_item({"id": 7, "name": "Renamed", "image_url": "https://i.example/7.jpg",
                              "genres": "Drama, Comedy"}, fields)
    assert (record.ext_id, record.name, record.cover_url) == ("7", "Renamed", "https://i.example/7.jpg")
    assert [g.name for g in record.genres] == ["Drama", "Comedy"]
    for bad in ("title", "unknown=x", "title="):
        with pytest.raises(ValueError):
            parse_field_map(bad)


def test_xml_with_entities_or_garbage_is_refused():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
            b'<catalogue><item id="1"><title>&lol2;</title></item></catalogue>')
    with pytest.raises(PluginError):
        list(xml_items(bomb))
    with pytest.raises(PluginError):
        list(xml_items(b"<catalogue><item id='1'>"))


def test_xml_item_tag_is_configurable():
    feed = b"<feed><movie id='m1'><title>M</title><year>2001</year></movie></feed>"
    (record,) = [title_from_item(i) for i in xml_items(feed, item_tag="movie")]
    assert (record.ext_id, record.name, record.year) == ("m1", "M", 2001)
