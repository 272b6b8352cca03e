"""tvzavr clips as catalogue records (field names follow the `clip__…` convention seen in the API).

Assumed clip shape (`clip__imdb_rate` is the one field name seen in the wild; the others follow it):

    {"clip__id": 101, "clip__name": "…", "clip__name_orig": "…", "clip__description": "…",
     "clip__year": 2015, "clip__duration": 5400 (seconds), "clip__age": 16,
     "clip__countries": ["Россия"] | "Россия, США", "clip__director": "…",
     "clip__poster": "https://…", "clip__imdb_rate": 7.2, "clip__kinopoisk_rate": 7.5,
     "clip__genres": [12, 14] (ids of list_filters?type=genre) | [{"id": 12, "name": "…"}],
     "clip__is_serial": true,
     "clip__seasons": [{"season__id": 7, "season__number": 1, "season__name": "…",
                        "episodes": [{"clip__id": 701, "episode__number": 1, "clip__name": "…",
                                      "clip__duration": 2700, "clip__description": "…"}]}]}
"""
from __future__ import annotations

from typing import Any

from cinema_kit.records import (
    EpisodeRecord, GenreRecord, SeasonRecord, TitleRecord, clip, to_bool, to_countries, to_int, to_rating,
)


def seconds(value: Any) -> int:
    """tvzavr's durations are seconds, the kit's record unit: only junk is filtered out."""
    return to_int(value, high=10_000_000) or 0


def _genres(value: Any, names: dict[str, str]) -> tuple[GenreRecord, ...]:
    genres = []
    for genre in value if isinstance(value, list) else []:
        if isinstance(genre, dict):
            ext_id, name = str(genre.get("id", "")), str(genre.get("name") or names.get(str(genre.get("id")), ""))
        else:
            ext_id, name = str(genre), names.get(str(genre), "")
        if name.strip():
            genres.append(GenreRecord(ext_id=clip(ext_id, 128), name=clip(name, 100)))
    return tuple(genres)


def _seasons(value: Any) -> tuple[SeasonRecord, ...]:
    seasons = []
    for position, season in enumerate(value if isinstance(value, list) else [], start=1):
        if not isinstance(season, dict):
            continue
        episodes = tuple(
            EpisodeRecord(number=to_int(ep.get("episode__number"), high=100_000) or n,
                          name=clip(ep.get("clip__name"), 300), ext_id=clip(ep.get("clip__id"), 128),
                          duration_seconds=seconds(ep.get("clip__duration")), description=clip(ep.get("clip__description"),
                                                                                         100_000))
            for n, ep in enumerate(season.get("episodes") or [], start=1) if isinstance(ep, dict))
        seasons.append(SeasonRecord(number=to_int(season.get("season__number"), high=100_000) or position,
                                    name=clip(season.get("season__name"), 300),
                                    ext_id=clip(season.get("season__id"), 128), episodes=episodes))
    return tuple(seasons)


def title_from_clip(item: dict[str, Any], genre_names: dict[str, str]) -> TitleRecord:
    """One tvzavr clip as a `TitleRecord` (durations stay seconds, genre ids become names)."""
    seasons = _seasons(item.get("clip__seasons"))
    return TitleRecord(
        ext_id=clip(item.get("clip__id"), 128), name=clip(item.get("clip__name"), 300),
        name_orig=clip(item.get("clip__name_orig"), 300), description=clip(item.get("clip__description"), 100_000),
        year=to_int(item.get("clip__year"), low=1800, high=2200), countries=to_countries(item.get("clip__countries")),
        duration_seconds=seconds(item.get("clip__duration")), age_rating=to_int(item.get("clip__age"), high=99),
        imdb_rating=to_rating(item.get("clip__imdb_rate")), kinopoisk_rating=to_rating(item.get("clip__kinopoisk_rate")),
        director=clip(item.get("clip__director"), 300), cover_url=clip(item.get("clip__poster"), 500),
        genres=_genres(item.get("clip__genres"), genre_names),
        is_series=to_bool(item.get("clip__is_serial")) or bool(seasons), seasons=seasons,
    )
