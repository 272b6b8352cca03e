"""`/api/`: the OpenAPI document of the APIs and the pages that browse it."""
from django.urls import path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

from . import schema

urlpatterns = [
    path("schema/", schema.schema, name="api-schema"),
    path("schema/ui/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-schema-ui"),
    path("schema/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-schema-redoc"),
]
