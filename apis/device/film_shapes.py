"""What the subscriber's film methods answer (`apikit.spec` shapes): video/episode/detail, video/similar,
video/subscription/list, selection/detail."""
from __future__ import annotations

from apikit.spec import ANY, BOOL, FLAG, INT, NUMBER, STR, ListOf, Obj, nullable

from .channel_shapes import PROGRAMME_META
from .vod_shapes import FILE, PERSON_FIELDS, VIDEO, VIDEO_FIELDS

EPISODE_DETAIL = Obj(id=INT, name=STR, number=INT, description=STR, duration=INT, preview_url=STR, video_id=INT,
                     season_id=nullable(INT), season_number=nullable(INT), files=ListOf(FILE), is_free=FLAG,
                     is_planned=FLAG)

SIMILAR = Obj(videos=ListOf(VIDEO), count=INT)

SUBSCRIPTION = Obj(id=INT, ext_id=STR, name=STR, description=STR, price=NUMBER, sort=INT, is_purchased=BOOL)

# --- selection/detail ----------------------------------------------------------------------------------
# An entry of `contents` holds one object named by its kind. Selections here are shelves of titles, so
# only `video` is ever sent; the other kinds Smarty's apps know are declared for them.

COMPACT_LEFT_OUT = ("actors", "director", "actors_info")  # not sent with compact=1
SELECTION_VIDEO = Obj(**VIDEO_FIELDS, actors_info=ListOf(Obj(**PERSON_FIELDS)), package_videos=ListOf(Obj(id=INT)),
                      optional=COMPACT_LEFT_OUT)


_CHANNEL = Obj(id=INT, actions=ListOf(Obj(action=STR, tariff_id=INT, caption=STR, price=NUMBER, periodical=FLAG,
                                          activation_price=NUMBER)),
               name=STR, icon=STR, has_subscription=FLAG)
_PROGRAM = Obj(id=INT, name=STR, description=STR, begin_time=INT, end_time=INT, short_name=STR, category=STR,
               preview=STR, rating=INT, meta=PROGRAMME_META, url=STR, has_record=FLAG, has_subscription=FLAG,
               ads_available=FLAG, position=INT, blocked=FLAG, channel_id=INT, channel_name=STR,
               channel_icon_url=STR)
_CAMERA = Obj(id=INT, url=STR, name=STR, icon=STR, category_id=INT, city_id=INT, city_name=STR, channel_sort=INT,
              additional_categories=ListOf(Obj(id=INT, name=STR)), option1=STR, option2=STR, option3=STR,
              program_id=INT, program_name=STR, program_begin_time=INT, program_end_time=INT,
              program_category_id=INT, program_category=STR, program_description=STR, program_meta=PROGRAMME_META,
              has_subscription=FLAG, max_archive_duration=INT, has_record=FLAG, is_favorited=FLAG, preview_url=STR)
_RADIO = Obj(id=INT, name=STR, url=STR, logo_url=STR, channel_name=STR, description=STR, has_subscription=FLAG)
_ADS = Obj(name=STR, url=STR)
_APPLICATION = Obj(id=INT, name=STR, system_name=STR, type=INT, url=STR, show_in_main_menu=FLAG, css_style=STR,
                   icon=STR, icon_focus=STR, attrs=ListOf(ANY))
_KINDS = dict(video=SELECTION_VIDEO, channel=_CHANNEL, program=_PROGRAM, camera=_CAMERA, radio=_RADIO, ads=_ADS,
              external_application=_APPLICATION)
SELECTION_CONTENT = Obj(**_KINDS, optional=tuple(_KINDS))

SELECTION_DETAIL = Obj(name=STR, count=INT, type=INT, promo_image=STR, next_cursor=INT,
                       contents=ListOf(SELECTION_CONTENT))
