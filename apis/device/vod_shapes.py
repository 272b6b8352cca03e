"""What the VOD methods answer (`apikit.spec` shapes, for their specs)."""
from __future__ import annotations

from apikit.spec import FLAG, INT, NUMBER, STR, TIMESTAMP, ListOf, Obj, nullable

FILE = Obj(id=INT, promo_image=STR, name=STR, duration=INT, ext_id=STR, position=INT, is_viewed=FLAG, quality=INT)

GENRE = Obj(id=INT, name=STR, is_category=FLAG, count=INT, subgenres_count=INT, icon=STR, icon_tv=STR,
            dashboard_icon=STR)

_IMAGES = dict(thumbnail_small=STR, thumbnail_big=STR, screenshot_big=STR, screenshot_b_big=STR, vertical_poster=STR,
               horizontal_poster=STR, logo=STR, ad_banner=STR)

VIDEO_FIELDS = dict(
    id=INT, name=STR, name_orig=STR, **_IMAGES, description=STR, short_description=STR, year=nullable(INT),
    video_provider_id=nullable(INT), provider=STR, actors=STR, director=STR, genres=STR, countries=STR,
    genres_kinopoisk=STR, is_favorited=FLAG, is_viewed=FLAG, is_parent_control=FLAG, is_package=FLAG,
    is_season=FLAG, is_announcement=FLAG, has_subscription=FLAG, rating=NUMBER, kinopoisk_rating=NUMBER,
    imdb_rating=NUMBER, average_customers_rating=NUMBER, duration=INT, files=ListOf(FILE), language=STR,
    is_purchased=FLAG, position=INT, position_asset_id=nullable(INT),
    video_source={"type": "integer", "enum": [1, 2], "description": "1 the operator's own, 2 an online cinema's"},
    price_category_type={"type": "integer", "enum": [0, 1, 2],
                         "description": "0 subscription, 1 purchase, 2 free"},
    is_4k=FLAG, channel_id=nullable(INT), age_rating=nullable(INT),
    price_category={"type": "string", "enum": ["subscription", "purchase", "free"]}, price=NUMBER,
    rent_price=nullable(NUMBER), rent_hours=INT, purchase_expires_at=nullable(TIMESTAMP),
)
VIDEO = Obj(**VIDEO_FIELDS)

PERSON_FIELDS = dict(id=INT, name=STR, photo=STR, country=STR, gender=STR,
                     birthdate={"type": "string", "description": "YYYY-MM-DD, or empty"}, type=STR)

OFFER = Obj(
    action={"type": "string", "enum": ["play", "buy", "rent", "subscribe"]}, caption=STR, price=nullable(NUMBER),
    cost=nullable(NUMBER), activation_price=nullable(NUMBER), url=STR, video_id=STR, file_id=STR, episode_id=STR,
    duration=STR, quality=nullable(INT), subscription_id=nullable(INT), option_id=nullable(INT),
    tariff_id=nullable(INT), is_viewed=FLAG, periodical=nullable(FLAG), promo_image_url=STR, ext_id=STR,
    season_sort=nullable(INT), episode_sort=nullable(INT), rent_hours=nullable(INT),
)

VIDEO_DETAIL = Obj(
    **VIDEO_FIELDS, actions=ListOf(OFFER), package_videos=ListOf(Obj(id=INT)), customer_rating=INT,
    position_season_id=nullable(INT),
    reviews=ListOf(Obj(text=STR, user_name=STR, user_avatar=STR, date=STR)), actors_info=ListOf(Obj(**PERSON_FIELDS)),
    seasons=ListOf(Obj(id=INT, name=STR, number=INT)), ext_id=STR, ads_available=FLAG, episode_count=INT,
    is_similar_exist=FLAG, meta=STR,
)

EPISODE = Obj(id=INT, name=STR, number=INT, description=STR, duration=INT, preview_url=STR, video_id=INT,
              is_planned=FLAG, is_free=FLAG, season_id=nullable(INT), season_number=nullable(INT),
              files=ListOf(FILE))

ACTOR = Obj(**PERSON_FIELDS, profession=STR, biography=STR, film_count=INT)

ACTOR_DETAIL = Obj(
    **PERSON_FIELDS, name_orig=STR, screenshot_b_big=STR, profession=STR, biography=STR,
    genres=ListOf(Obj(id=INT, name=STR, is_category=FLAG)), videos=ListOf(VIDEO), videos_count=INT,
)

SELECTION = Obj(id=INT, name=STR, promo_image=STR, count=INT, type=INT, content_type=INT, videos=ListOf(VIDEO))
