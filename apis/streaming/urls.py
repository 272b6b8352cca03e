"""Streaming API (`/streaming/`): the token check streaming servers call, and a liveness ping."""
from django.urls import path, re_path

from tvmiddleware.streaming import views
from . import methods as api_views

app_name = "streaming"

urlpatterns = [
    path("api/streamservice/token/check/", views.token_check, name="token-check"),
    re_path(r"^api/streamservice/(?P<check_key>[^/]{1,128})/token/check/\Z", views.token_check,
            name="service-token-check"),
    path("api/ping/", views.ping, name="ping"),
    # Signed Streaming API methods (after the token check, which must keep its route).
    path("api/maintenance/create/", api_views.maintenance_create, name="maintenance-create"),
    path("api/maintenance/edit/", api_views.maintenance_edit, name="maintenance-edit"),
]
