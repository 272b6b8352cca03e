"""Device API (`/tvmiddleware/api/`)."""
from django.urls import include, path

from .api import health

app_name = "tvmiddleware"

urlpatterns = [
    path("api/health/check/", health.health_check, name="health-check"),
    path("api/", include("tvmiddleware.api.device.urls")),
]
