"""Content API routes (relative to /content/api/), as Smarty's Content API reference lists them."""
from django.urls import path

from . import (
    views_actor, views_channel, views_episode, views_epg_channel, views_epg_program, views_program_blocking,
    views_radio, views_season, views_selection, views_skip_fragment, views_unsupported, views_video,
)

app_name = "content_api"

urlpatterns = [
    path("video/create/", views_video.video_create, name="video-create"),
    path("video/modify/", views_video.video_modify, name="video-modify"),
    path("video/delete/", views_video.video_delete, name="video-delete"),
    path("video/detail/", views_video.video_detail, name="video-detail"),
    path("video/list/", views_video.video_list, name="video-list"),
    path("video/file/create/", views_video.video_file_create, name="video-file-create"),
    path("video/file/detail/", views_video.video_file_detail, name="video-file-detail"),
    path("video/file/modify/", views_video.video_file_modify, name="video-file-modify"),
    path("season/create/", views_season.season_create, name="season-create"),
    path("season/modify/", views_season.season_modify, name="season-modify"),
    path("season/delete/", views_season.season_delete, name="season-delete"),
    path("episode/create/", views_episode.episode_create, name="episode-create"),
    path("episode/modify/", views_episode.episode_modify, name="episode-modify"),
    path("episode/delete/", views_episode.episode_delete, name="episode-delete"),
    path("channel/create/", views_channel.channel_create, name="channel-create"),
    path("channel/list/", views_channel.channel_list, name="channel-list"),
    path("channel/delete/", views_channel.channel_delete, name="channel-delete"),
    path("actor/create/", views_actor.actor_create, name="actor-create"),
    path("actor/modify/", views_actor.actor_modify, name="actor-modify"),
    path("actor/delete/", views_actor.actor_delete, name="actor-delete"),
    path("actor/detail/", views_actor.actor_detail, name="actor-detail"),
    path("actor/list/", views_actor.actor_list, name="actor-list"),
    path("radio/create/", views_radio.radio_create, name="radio-create"),
    path("radio/delete/", views_radio.radio_delete, name="radio-delete"),
    path("selection/create/", views_selection.selection_create, name="selection-create"),
    path("selection/modify/", views_selection.selection_modify, name="selection-modify"),
    path("epgchannel/list/", views_epg_channel.epg_channel_list, name="epgchannel-list"),
    path("epgchannel/icon/upload/", views_epg_channel.epg_channel_icon_upload, name="epgchannel-icon-upload"),
    path("epg/program/time/specify/", views_epg_program.epg_program_time_specify, name="epg-program-time-specify"),
    path("skipvideofragment/create/", views_skip_fragment.skip_fragment_create, name="skipvideofragment-create"),
    path("skipvideofragment/modify/", views_skip_fragment.skip_fragment_modify, name="skipvideofragment-modify"),
    path("skipvideofragment/delete/", views_skip_fragment.skip_fragment_delete, name="skipvideofragment-delete"),
    path("programblocking/create/", views_program_blocking.program_blocking_create, name="programblocking-create"),
    # Not implemented yet: answer 22 "not supported" (views_unsupported).
    path("camera/create/", views_unsupported.camera_create, name="camera-create"),
    path("camera/modify/", views_unsupported.camera_modify, name="camera-modify"),
    path("camera/delete/", views_unsupported.camera_delete, name="camera-delete"),
    path("seance/create/", views_unsupported.seance_create, name="seance-create"),
    path("seance/delete/", views_unsupported.seance_delete, name="seance-delete"),
    path("seance/ticket/create/", views_unsupported.seance_ticket_create, name="seance-ticket-create"),
    path("seance/ticket/delete/", views_unsupported.seance_ticket_delete, name="seance-ticket-delete"),
    path("targetbanner/create/", views_unsupported.target_banner_create, name="targetbanner-create"),
    path("targetbanner/modify/", views_unsupported.target_banner_modify, name="targetbanner-modify"),
    path("targetbanner/delete/", views_unsupported.target_banner_delete, name="targetbanner-delete"),
    path("targetbanner/list/", views_unsupported.target_banner_list, name="targetbanner-list"),
]
