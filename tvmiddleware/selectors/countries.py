"""Countries: ISO 3166-1 from `pycountry` (names translated by its gettext catalogues), narrowed to
the ones an operator serves, and the country and city of a subscriber's address from the operator's
networks."""
from __future__ import annotations

import functools
import gettext
import ipaddress
from dataclasses import dataclass

import pycountry

from ..models import Client, CountryNetwork, OperatorCountry


@dataclass(frozen=True)
class Country:
    id: int  # ISO 3166-1 numeric
    code: str  # alpha-2
    alpha3: str
    name: str


@functools.lru_cache(maxsize=1)
def _by_code() -> dict[str, pycountry.db.Record]:
    return {record.alpha_2: record for record in pycountry.countries}


def is_country_code(code: str) -> bool:
    return code in _by_code()


@functools.lru_cache(maxsize=64)
def _translation(lang: str) -> gettext.NullTranslations:
    language = lang.split("-")[0].split("_")[0].lower()
    if not language.isascii() or not language.isalpha() or len(language) > 3:
        return gettext.NullTranslations()
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True)


def country_name(code: str, lang: str = "") -> str:
    """The country's common name (in `lang` when pycountry has it), '' for an unknown code."""
    record = _by_code().get(code)
    if record is None:
        return ""
    name = getattr(record, "common_name", None) or record.name
    return _translation(lang).gettext(name) if lang else name


def _country(code: str, lang: str) -> Country:
    record = _by_code()[code]
    return Country(id=int(record.numeric), code=code, alpha3=record.alpha_3, name=country_name(code, lang))


def country_list(*, client: Client, lang: str = "") -> list[Country]:
    """The operator's countries in its order; every country by name when it has chosen none. One query."""
    codes = [c for c in OperatorCountry.objects.for_client(client).order_by("sort", "code")
             .values_list("code", flat=True) if is_country_code(c)]
    if codes:
        return [_country(code, lang) for code in codes]
    return sorted((_country(code, lang) for code in _by_code()), key=lambda c: c.name.casefold())


@dataclass(frozen=True)
class Location:
    country: Country | None
    city_name: str


def locate(*, client: Client, ip: str | None, lang: str = "") -> Location:
    """The country and city of the operator's most specific network holding `ip` (no match: nothing)."""
    nowhere = Location(country=None, city_name="")
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return nowhere
    best: tuple[int, str, str] | None = None
    rows = (CountryNetwork.objects.for_client(client).values_list("network", "city_name", "country__code"))
    for network, city, code in rows:
        try:
            parsed = ipaddress.ip_network(network, strict=False)
        except ValueError:
            continue
        if parsed.version == address.version and address in parsed and is_country_code(code):
            if best is None or parsed.prefixlen > best[0]:
                best = (parsed.prefixlen, city, code)
    if best is None:
        return nowhere
    return Location(country=_country(best[2], lang), city_name=best[1])
