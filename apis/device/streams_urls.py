"""Routes of the stream URL methods."""
from django.urls import path

from . import streams

urlpatterns = [
    path("channel/url/", streams.channel_url, name="channel-url"),
    path("program/url/", streams.program_url, name="program-url"),
    path("video/url/", streams.video_url, name="video-url"),
]
