"""Routes of the VOD methods, relative to `/tvmiddleware/api/` (`video/url/` lives elsewhere)."""
from django.urls import path

from . import radio, vod

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
]
