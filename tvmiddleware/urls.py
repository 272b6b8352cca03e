"""Device API (`/tvmiddleware/api/`)."""
from django.urls import include, path

from .api import health
from .streaming import views as streaming_views

app_name = "tvmiddleware"

urlpatterns = [
    path("api/health/check/", health.health_check, name="health-check"),
    path("api/streamservice/token/check/", streaming_views.token_check, name="streamservice-token-check"),
    path("api/", include("tvmiddleware.api.device.urls")),
]
