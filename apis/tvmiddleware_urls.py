"""Device API (`/tvmiddleware/api/`)."""
from django.urls import include, path, re_path

from . import health
from tvmiddleware.streaming import views as streaming_views

app_name = "tvmiddleware"

urlpatterns = [
    path("api/health/check/", health.health_check, name="health-check"),
    path("api/streamservice/token/check/", streaming_views.token_check, name="streamservice-token-check"),
    # A stream service's own check URL (the key is its `check_key`): accepts only that service's tokens.
    re_path(r"^api/streamservice/(?P<check_key>[^/]{1,128})/token/check/\Z", streaming_views.token_check,
            name="service-token-check"),
    path("api/", include("apis.device.urls")),
]
