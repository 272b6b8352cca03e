"""Routes of the VOD methods, relative to `/tvmiddleware/api/` (`video/url/` lives elsewhere)."""
from django.urls import path

from . import radio, vod, vod_account

urlpatterns = [
    path("genre/list/", vod.genre_list, name="genre-list"),
    path("video/list/", vod.video_list, name="video-list"),
    path("video/detail/", vod.video_detail, name="video-detail"),
    path("video/episode/list/", vod.video_episode_list, name="video-episode-list"),
    path("video/action/", vod.video_action, name="video-action"),
    path("actor/list/", vod.actor_list, name="actor-list"),
    path("actor/list/search/", vod.actor_list_search, name="actor-list-search"),
    path("actor/detail/", vod.actor_detail, name="actor-detail"),
    path("selection/list/", vod.selection_list, name="selection-list"),
    path("radio/list/", radio.radio_list, name="radio-list"),
    path("video/episode/detail/", vod_account.video_episode_detail, name="video-episode-detail"),
    path("video/listing/delete/", vod_account.video_listing_delete, name="video-listing-delete"),
    path("video/rating/set/", vod_account.video_rating_set, name="video-rating-set"),
    path("video/settings/set/", vod_account.video_settings_set, name="video-settings-set"),
    path("video/similar/", vod_account.video_similar, name="video-similar"),
    path("video/subscription/list/", vod_account.video_subscription_list, name="video-subscription-list"),
    path("video/subscription/cancel/", vod_account.video_subscription_cancel, name="video-subscription-cancel"),
    path("selection/detail/", vod_account.selection_detail, name="selection-detail"),
]
