"""Streaming API (`/streaming/`): the token check streaming servers call, and a liveness ping."""
from django.urls import path

from . import views

app_name = "streaming"

urlpatterns = [
    path("api/streamservice/token/check/", views.token_check, name="token-check"),
    path("api/ping/", views.ping, name="ping"),
]
