"""Catalogue feeds of the assumed SVOD partner contract (Start, PREMIER), in JSON or XML, turned into `TitleRecord`s.

The assumed shape (adjust `feed_fields` to the partner's names until its specification arrives):

JSON — a list of items, or `{"items": [...], "next": "<URL of the next page>" | null}`:

    {"id": "st-1", "title": "…", "original_title": "…", "description": "…", "year": 2020,
     "countries": ["RU", "US"] | "RU, US", "duration": 95, "age_rating": 16,
     "rating_imdb": 7.1, "rating_kinopoisk": 7.4, "poster": "https://…", "director": "…",
     "genres": [{"id": "1", "name": "Comedy"}] | ["Comedy"],
     "is_series": true,
     "seasons": [{"id": "…", "number": 1, "title": "…",
                  "episodes": [{"id": "…", "number": 1, "title": "…", "duration": 45, "description": "…"}]}]}

XML — the same fields as child elements of `<item id="…">` (attributes count as fields too):

    <catalogue>
      <item id="st-1">
        <title>…</title><year>2020</year><countries>RU, US</countries><duration>95</duration>
        <genres><genre id="1">Comedy</genre></genres>
        <is_series>1</is_series>
        <seasons><season id="…" number="1" title="…">
          <episode id="…" number="1" title="…" duration="45">description</episode>
        </season></seasons>
      </item>
    </catalogue>

Durations are minutes in the feed (records carry seconds: converted here), ratings 0–10. `feed_fields` renames top-level fields: `title=name,poster=image`
reads our `title` from the partner's `name` and `poster` from `image`.
"""
from __future__ import annotations

import io
import json
from typing import Any, Iterator
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from tvmiddleware.plugins import PluginError

from .records import (
    EpisodeRecord, GenreRecord, SeasonRecord, TitleRecord, clip, seconds_from_minutes, to_bool, to_countries, to_int,
    to_rating,
)

FIELDS = ("id", "title", "original_title", "description", "year", "countries", "duration", "age_rating",
          "rating_imdb", "rating_kinopoisk", "poster", "director", "genres", "is_series", "seasons")


def parse_field_map(text: str) -> dict[str, str]:
    """`ours=theirs,ours=theirs` → {ours: theirs}. Raises ValueError naming a bad pair."""
    mapping: dict[str, str] = {}
    for pair in (text or "").split(","):
        pair = pair.strip()
        if not pair:
            continue
        ours, sep, theirs = pair.partition("=")
        ours, theirs = ours.strip(), theirs.strip()
        if not sep or ours not in FIELDS or not theirs:
            raise ValueError(f"{pair!r}: expected <field>=<partner field>, field one of {', '.join(FIELDS)}")
        mapping[ours] = theirs
    return mapping


# --- JSON ------------------------------------------------------------------------------------------

def json_page(content: bytes) -> tuple[list[dict[str, Any]], str | None]:
    """The items of one JSON page and the address of the next page (None at the end)."""
    try:
        body = json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PluginError(f"the catalogue feed is not JSON: {exc}") from exc
    if isinstance(body, list):
        items, next_url = body, None
    elif isinstance(body, dict) and isinstance(body.get("items"), list):
        items, next_url = body["items"], body.get("next") or None
    else:
        raise PluginError("the catalogue feed is neither a list nor {\"items\": [...]}")
    if next_url is not None and not isinstance(next_url, str):
        raise PluginError("the catalogue feed's `next` is not a URL")
    return [item for item in items if isinstance(item, dict)], next_url


# --- XML -------------------------------------------------------------------------------------------

def _element_dict(element: Element) -> dict[str, Any]:
    """An `<item>` as the JSON shape: attributes and child elements by tag."""
    item: dict[str, Any] = dict(element.attrib)
    for child in element:
        if child.tag == "genres":
            item["genres"] = [{"id": g.get("id", ""), "name": (g.text or g.get("name", "")).strip()}
                              for g in child if g.tag == "genre"]
        elif child.tag == "seasons":
            item["seasons"] = [
                {**season.attrib,
                 "episodes": [{**ep.attrib, "description": (ep.text or "").strip()}
                              for ep in season if ep.tag == "episode"]}
                for season in child if season.tag == "season"]
        else:
            item[child.tag] = (child.text or "").strip()
    return item


def xml_items(content: bytes, item_tag: str = "item") -> Iterator[dict[str, Any]]:
    """Items of an XML feed, streamed (entities and DTD tricks are refused by defusedxml)."""
    try:
        for _, element in iterparse(io.BytesIO(content), events=("end",), forbid_dtd=True):
            if element.tag == item_tag:
                yield _element_dict(element)
                element.clear()
    except (ParseError, DefusedXmlException) as exc:
        raise PluginError(f"the catalogue feed is not acceptable XML: {exc}") from exc


# --- items → records -------------------------------------------------------------------------------

def _genres(value: Any) -> tuple[GenreRecord, ...]:
    if isinstance(value, str):
        value = [v for v in (part.strip() for part in value.split(",")) if v]
    genres = []
    for genre in value if isinstance(value, list) else []:
        if isinstance(genre, dict):
            name = clip(genre.get("name"), 100)
            if name:
                genres.append(GenreRecord(ext_id=clip(genre.get("id"), 128), name=name))
        elif clip(genre, 100):
            genres.append(GenreRecord(ext_id="", name=clip(genre, 100)))
    return tuple(genres)


def _seasons(value: Any) -> tuple[SeasonRecord, ...]:
    seasons = []
    for position, season in enumerate(value if isinstance(value, list) else [], start=1):
        if not isinstance(season, dict):
            continue
        episodes = []
        for ep_position, ep in enumerate(season.get("episodes") or [], start=1):
            if isinstance(ep, dict):
                episodes.append(EpisodeRecord(
                    number=to_int(ep.get("number"), low=0, high=100_000) or ep_position,
                    name=clip(ep.get("title") or ep.get("name"), 300), ext_id=clip(ep.get("id"), 128),
                    duration_seconds=seconds_from_minutes(to_int(ep.get("duration"), high=100_000)),
                    description=clip(ep.get("description"), 100_000)))
        seasons.append(SeasonRecord(number=to_int(season.get("number"), low=0, high=100_000) or position,
                                    name=clip(season.get("title") or season.get("name"), 300),
                                    ext_id=clip(season.get("id"), 128), episodes=tuple(episodes)))
    return tuple(seasons)


def title_from_item(item: dict[str, Any], fields: dict[str, str] | None = None) -> TitleRecord:
    """One feed item (JSON object, or XML item as a dict) as a `TitleRecord`."""
    fields = fields or {}

    def get(name: str) -> Any:
        return item.get(fields.get(name, name))

    seasons = _seasons(get("seasons"))
    return TitleRecord(
        ext_id=clip(get("id"), 128), name=clip(get("title"), 300), name_orig=clip(get("original_title"), 300),
        description=clip(get("description"), 100_000), year=to_int(get("year"), low=1800, high=2200),
        countries=to_countries(get("countries")), duration_seconds=seconds_from_minutes(to_int(get("duration"), high=100_000)),
        age_rating=to_int(get("age_rating"), high=99), imdb_rating=to_rating(get("rating_imdb")),
        kinopoisk_rating=to_rating(get("rating_kinopoisk")), director=clip(get("director"), 300),
        cover_url=clip(get("poster"), 500), genres=_genres(get("genres")),
        is_series=to_bool(get("is_series")) or bool(seasons), seasons=seasons,
    )
