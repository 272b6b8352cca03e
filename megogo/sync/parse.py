"""MEGOGO's `video/info` answer → what the catalogue keeps (`TitleData`).

Fields documented for `video/info`: title, title_original, description, year, countries, genres,
image.{small,big,original}, duration, rating_imdb, rating_kinopoisk, age_limit, people[],
delivery_rules (svod|tvod|fvod|dto), is_series, season_list[].episode_list[].

Not documented, read where present (an adapter to adjust once the real shape is known):
prices in `purchase_info.{tvod,dto}.price` (and `tvod.period_hours`), accessibility flags
(`audio_description` / `sign_language` booleans, or those words among `tags`).
Parsing is lenient: a field of an unexpected shape is treated as missing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from tvmiddleware.models import PriceCategory

MAX_RATING = Decimal("99.99")
DEFAULT_RENT_HOURS = 48


@dataclass(frozen=True)
class Person:
    ext_id: str
    name: str
    name_orig: str
    type: str  # "actor" or "director"


@dataclass(frozen=True)
class EpisodeData:
    number: int
    name: str
    ext_id: str
    duration: int  # seconds


@dataclass(frozen=True)
class SeasonData:
    number: int
    name: str
    ext_id: str
    episodes: list[EpisodeData]


@dataclass
class TitleData:
    """One MEGOGO title, as the catalogue stores it."""

    ext_id: str
    name: str
    name_orig: str = ""
    description: str = ""
    year: int | None = None
    countries: str = ""
    duration: int = 0  # seconds
    age_rating: int | None = None
    imdb_rating: Decimal | None = None
    kinopoisk_rating: Decimal | None = None
    is_series: bool = False
    genres: list[str] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    cover_url: str = ""
    delivery_rules: tuple[str, ...] = ()
    buy_price: Decimal | None = None
    rent_price: Decimal | None = None
    rent_hours: int | None = None
    audio_description: bool = False
    sign_language: bool = False
    seasons: list[SeasonData] = field(default_factory=list)

    @property
    def director(self) -> str:
        return ", ".join(p.name for p in self.people if p.type == "director")[:300]

    @property
    def price_category(self) -> str | None:
        """Free beats subscription beats purchase; None when MEGOGO offers the title no way we sell."""
        rules = set(self.delivery_rules)
        if "fvod" in rules:
            return PriceCategory.FREE
        if "svod" in rules:
            return PriceCategory.SUBSCRIPTION
        if rules & {"tvod", "dto"}:
            return PriceCategory.PURCHASE
        return None


def _text(value: Any, limit: int) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value).strip()[:limit]


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    match = re.search(r"\d+", str(value or ""))
    return int(match.group()) if match else None


def _rating(value: Any) -> Decimal | None:
    if value in (None, "", 0, "0"):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number <= 0:
        return None
    return min(number, MAX_RATING)


def _money(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() and number >= 0 else None


def _names(value: Any) -> list[str]:
    """A list of strings or of {title|name: ...}, or a comma separated string."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    names = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict):
            item = item.get("title") or item.get("name") or ""
        if str(item).strip():
            names.append(str(item).strip())
    return names


def _ids(value: Any) -> list[str]:
    ids = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict):
            item = item.get("id")
        if item not in (None, "") and not isinstance(item, (dict, list)):
            ids.append(str(item))
    return ids


def _people(value: Any) -> list[Person]:
    people = []
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict) or item.get("id") in (None, ""):
            continue
        kind = str(item.get("type") or "actor").lower()
        people.append(Person(
            ext_id=str(item["id"]), name=_text(item.get("name"), 200),
            name_orig=_text(item.get("name_original") or item.get("name_orig"), 200),
            type="director" if "direct" in kind else "actor",
        ))
    return people


def _seasons(value: Any) -> list[SeasonData]:
    seasons: list[SeasonData] = []
    used: set[int] = set()
    for index, season in enumerate(value if isinstance(value, list) else [], start=1):
        if not isinstance(season, dict):
            continue
        number = _int(season.get("number") or season.get("order")) or index
        while number in used:
            number += 1
        used.add(number)
        episodes: list[EpisodeData] = []
        taken: set[int] = set()
        for e_index, episode in enumerate(season.get("episode_list") or [], start=1):
            if not isinstance(episode, dict) or episode.get("id") in (None, ""):
                continue
            e_number = _int(episode.get("number") or episode.get("order")) or e_index
            while e_number in taken:
                e_number += 1
            taken.add(e_number)
            episodes.append(EpisodeData(number=e_number, name=_text(episode.get("title"), 300),
                                        ext_id=str(episode["id"]), duration=_int(episode.get("duration")) or 0))
        seasons.append(SeasonData(number=number, name=_text(season.get("title"), 300),
                                  ext_id=str(season.get("id") or ""), episodes=episodes))
    return seasons


def _flag(info: dict, key: str, tags: set[str]) -> bool:
    return bool(info.get(key) is True or info.get(f"has_{key}") is True or key in tags)


def parse_title(info: dict[str, Any], ext_id: str) -> TitleData:
    """The catalogue's view of a `video/info` answer (`ext_id` is the id it was asked for)."""
    image = info.get("image") if isinstance(info.get("image"), dict) else {}
    rules = info.get("delivery_rules") or []
    if isinstance(rules, str):
        rules = rules.split(",")
    purchase = info.get("purchase_info") if isinstance(info.get("purchase_info"), dict) else {}
    tvod = purchase.get("tvod") if isinstance(purchase.get("tvod"), dict) else {}
    dto = purchase.get("dto") if isinstance(purchase.get("dto"), dict) else {}
    tags = {str(t).lower() for t in info.get("tags") or [] if not isinstance(t, (dict, list))}
    rent = _money(tvod.get("price")) if tvod else None
    year = _int(info.get("year"))
    return TitleData(
        ext_id=ext_id,
        name=_text(info.get("title"), 300) or f"MEGOGO {ext_id}",
        name_orig=_text(info.get("title_original"), 300),
        description=_text(info.get("description"), 20000),
        year=year if year is not None and 1800 <= year <= 9999 else None,
        countries=", ".join(_names(info.get("countries")))[:300],
        duration=_int(info.get("duration")) or 0,
        age_rating=_int(info.get("age_limit")),
        imdb_rating=_rating(info.get("rating_imdb")),
        kinopoisk_rating=_rating(info.get("rating_kinopoisk")),
        is_series=bool(info.get("is_series")),
        genres=_ids(info.get("genres")),
        people=_people(info.get("people")),
        cover_url=_text(image.get("big") or image.get("original") or image.get("small"), 500),
        delivery_rules=tuple(sorted({str(r).strip().lower() for r in rules if str(r).strip()})),
        buy_price=_money(dto.get("price")) if dto else None,
        rent_price=rent,
        rent_hours=_int(tvod.get("period_hours")) or DEFAULT_RENT_HOURS if rent is not None else None,
        audio_description=_flag(info, "audio_description", tags),
        sign_language=_flag(info, "sign_language", tags),
        seasons=_seasons(info.get("season_list")) if info.get("is_series") else [],
    )
