"""`/api/`: the OpenAPI document of the APIs and the pages that browse it."""
from django.urls import path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

from . import schema


class SwaggerUI(SpectacularSwaggerView):
    # Pages to read: GET only (DRF's OPTIONS answer would be rendered by the page's template renderer).
    http_method_names = ["get", "head"]


class Redoc(SpectacularRedocView):
    http_method_names = ["get", "head"]


urlpatterns = [
    path("schema/", schema.schema, name="api-schema"),
    path("schema/ui/", SwaggerUI.as_view(url_name="api-schema"), name="api-schema-ui"),
    path("schema/redoc/", Redoc.as_view(url_name="api-schema"), name="api-schema-redoc"),
]
