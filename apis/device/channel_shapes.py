"""What the channel and programme-guide methods answer (`apikit.spec` shapes, for their specs)."""
from __future__ import annotations

from typing import Any

from apikit.spec import ANY, BOOL, FLAG, INT, NUMBER, STR, TIMESTAMP, ListOf, Obj, nullable

# A programme's details from the guide (XMLTV: sub-title, date, category, country, credits, keyword,
# icon/image, the original-language title, review/url ratings), each present only when the guide has it.
_NAMES = ListOf(STR)
PROGRAMME_META = Obj(
    extra_name=STR, extra_description=STR, extra_previews=ANY, genres=_NAMES,
    participants=Obj(actor=_NAMES, composer=_NAMES, director=_NAMES, producer=_NAMES,
                     optional=("actor", "composer", "director", "producer")),
    countries=_NAMES, productions=_NAMES, year=STR, previews=_NAMES, tags=_NAMES, live=BOOL, sport_type=STR,
    championship=STR, sport_rival1=STR, sport_rival2=STR, kinopoisk_id=STR, kinopoisk=STR, imdb=STR,
    name_orig=STR, short_description=STR,
    optional=("extra_name", "extra_description", "extra_previews", "genres", "participants", "countries",
              "productions", "year", "previews", "tags", "live", "sport_type", "championship", "sport_rival1",
              "sport_rival2", "kinopoisk_id", "kinopoisk", "imdb", "name_orig", "short_description"),
)

CATEGORY = Obj(id=INT, name=STR, description=STR, color=STR, channels_count=INT, icon_url=STR, icon_tv_url=STR,
               dashboard_icon_url=STR)


def programme(prefix: str = "", *, present: bool = True) -> dict[str, Any]:
    """A guide entry in the names channel lists use (`programme_fields`), prefixed; `present=False`:
    a channel without a programme then has nulls and empty values."""
    key = INT if present else nullable(INT)
    time = TIMESTAMP if present else nullable(TIMESTAMP)
    fields = {"id": key, "name": STR, "begin_time": time, "end_time": time, "category_id": nullable(INT),
              "category": STR, "description": STR, "preview_url": STR, "rating": nullable(INT), "meta": PROGRAMME_META,
              "genres": ListOf(ANY)}
    return {prefix + name: shape for name, shape in fields.items()}


_NOW_AND_NEXT = {**programme("program_", present=False), **programme("next_program_", present=False),
                 "option1": STR, "option2": STR, "option3": STR}

CHANNEL = Obj(
    id=INT, name=STR, icon=STR, category_id=nullable(INT), url=STR, has_record=FLAG, max_archive_duration=INT,
    is_hidden=FLAG, is_favorited=FLAG, has_subscription=FLAG, is_parent_control=FLAG, timeshift_offset=INT,
    channel_sort=INT, lcn_number=nullable(INT), additional_categories=ListOf(Obj(id=INT, name=STR)),
    show_in_all=FLAG, ads_available=FLAG, drm_available=BOOL, hbb=ListOf(ANY), pause_live_tv_shift=INT,
    aspect_ratio=INT, telemeter=STR, telemeter_account_name=STR, telemeter_tmsec_name=STR, telemeter_cat_id=STR,
    telemeter_vc_id=STR, telemeter_vc_version=STR,
    **_NOW_AND_NEXT, optional=_NOW_AND_NEXT,  # without `compact=1`
)

_GRID_PROGRAMME = {**programme(), "program_meta": PROGRAMME_META, "program_genres": ListOf(ANY)}
del _GRID_PROGRAMME["meta"], _GRID_PROGRAMME["genres"]
GRID_CHANNEL = Obj(id=INT, current_program_id=nullable(INT), programs=ListOf(Obj(**_GRID_PROGRAMME)))

TARIFF_OFFER = Obj(action=STR, tariff_id=INT, is_virtual=BOOL, caption=STR, price=NUMBER, periodical=BOOL,
                   activation_price=NUMBER)

GUIDE_ENTRY = dict(
    id=INT, begin_time=TIMESTAMP, end_time=TIMESTAMP, name=STR, short_name=STR, description=STR, category=STR,
    preview=STR, rating=nullable(INT), meta=PROGRAMME_META, url=STR, has_record=FLAG, has_subscription=FLAG,
    ads_available=FLAG, position=INT, blocked=FLAG,
)

SEARCH_RESULT = Obj(
    id=INT, name=STR, icon=STR, category_id=nullable(INT), has_record=FLAG, blocked=FLAG, has_subscription=FLAG,
    url=STR, program_id=INT, program_begin_time=TIMESTAMP, program_end_time=TIMESTAMP, program_name=STR,
    program_short_name=STR, program_description=STR, program_category=STR, program_rating=nullable(INT),
    program_preview_url=STR, program_meta=PROGRAMME_META,
)
