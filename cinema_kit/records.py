"""The title record every online cinema's catalogue import speaks, and the helpers that make it.

A cinema adapter turns its partner's catalogue into `TitleRecord`s (with `GenreRecord`,
`SeasonRecord`, `EpisodeRecord`) and hands them to `cinema_kit.catalogue.import_catalogue` (or, like
MEGOGO, writes them with its own chunked writer).

One duration unit: SECONDS. Partners differ (MEGOGO and tvzavr send seconds, the Start/PREMIER feeds
minutes); each adapter converts what its partner sends into seconds when it builds the record
(`seconds_from_minutes`), and the import converts seconds into the library's minutes
(`Video.duration`, `Episode.duration`) when it writes (`minutes_from_seconds`). Nothing in between
guesses a unit. Ratings are 0–10 with two decimals; text is clipped to the library's columns.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from tvmiddleware.models import Video

@dataclass(frozen=True)
class GenreRecord:
    """A partner genre: its id at the partner and its display name."""

    ext_id: str
    name: str


@dataclass(frozen=True)
class EpisodeRecord:
    number: int
    name: str = ""
    ext_id: str = ""
    duration_seconds: int = 0
    description: str = ""


@dataclass(frozen=True)
class SeasonRecord:
    number: int
    name: str = ""
    ext_id: str = ""
    episodes: tuple[EpisodeRecord, ...] = ()


@dataclass(frozen=True)
class TitleRecord:
    """One title as the partner describes it: durations in seconds, ratings 0–10 (see the module doc)."""

    ext_id: str
    name: str
    name_orig: str = ""
    description: str = ""
    year: int | None = None
    countries: str = ""
    duration_seconds: int = 0
    age_rating: int | None = None
    imdb_rating: Decimal | None = None
    kinopoisk_rating: Decimal | None = None
    director: str = ""
    cover_url: str = ""
    genres: tuple[GenreRecord, ...] = ()
    is_series: bool = False
    seasons: tuple[SeasonRecord, ...] = ()


# --- duration units ----------------------------------------------------------------------------------

def minutes_from_seconds(seconds: Any) -> int:
    """Seconds (a record's unit) as the library's whole minutes, rounded to the nearest; junk is 0."""
    try:
        value = int(seconds or 0)
    except (TypeError, ValueError):
        return 0
    return max(0, round(value / 60))


def seconds_from_minutes(minutes: Any) -> int:
    """Minutes (what some partners send) as a record's seconds; None or junk is 0."""
    try:
        value = int(minutes or 0)
    except (TypeError, ValueError):
        return 0
    return max(0, value * 60)


# --- normalising partner values ------------------------------------------------------------------------

def field_max(model: type, name: str) -> int:
    """The length limit of a text column (partner values are clipped to it)."""
    return model._meta.get_field(name).max_length


def clip(value: Any, limit: int) -> str:
    """Text for a column of `limit` characters (partners send anything)."""
    text = "" if value is None else str(value).strip()
    return text[:limit]


def to_int(value: Any, *, low: int = 0, high: int = 32767) -> int | None:
    """An integer within [low, high], or None for junk."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = int(Decimal(str(value).strip()))
    except (InvalidOperation, ValueError):
        return None
    return number if low <= number <= high else None


def to_rating(value: Any) -> Decimal | None:
    """A 0–10 rating with two decimals, or None (0 from a partner means "no rating")."""
    if value is None or isinstance(value, bool) or str(value).strip() == "":
        return None
    try:
        rating = Decimal(str(value).strip().replace(",", ".")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return None
    return rating if Decimal("0") < rating <= Decimal("10") else None


def to_url(value: Any) -> str:
    text = clip(value, field_max(Video, "cover_url"))
    parts = urlsplit(text)
    return text if parts.scheme in ("http", "https") and parts.netloc else ""


def to_countries(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v).strip() for v in value if str(v).strip())
    return clip(value, field_max(Video, "countries"))


def to_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "on", "serial", "series"}
    return bool(value)


def video_values(record: TitleRecord) -> dict[str, Any]:
    """The Video columns a record sets, fitted to the columns' limits."""
    return {
        "name": clip(record.name, field_max(Video, "name")),
        "name_orig": clip(record.name_orig, field_max(Video, "name_orig")),
        "description": clip(record.description, 100_000),
        "year": record.year if record.year is None or 1800 <= record.year <= 2200 else None,
        "countries": to_countries(record.countries),
        "duration": minutes_from_seconds(record.duration_seconds),
        "age_rating": record.age_rating if record.age_rating is None or 0 <= record.age_rating <= 99 else None,
        "imdb_rating": to_rating(record.imdb_rating),
        "kinopoisk_rating": to_rating(record.kinopoisk_rating),
        "director": clip(record.director, field_max(Video, "director")),
        "cover_url": to_url(record.cover_url),
        "is_series": bool(record.is_series),
    }
