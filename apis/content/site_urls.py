"""Mount point of the Content API under `/content/`."""
from django.urls import include, path

urlpatterns = [
    path("api/", include("apis.content.urls")),
]
