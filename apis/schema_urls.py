"""`/api/`: the OpenAPI document of the APIs and the pages that browse it."""
from django.urls import path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

from . import schema


class SwaggerUI(SpectacularSwaggerView):
    # Pages to read: GET only (DRF's OPTIONS answer would be rendered by the page's template renderer).
    http_method_names = ["get", "head"]


class Redoc(SpectacularRedocView):
    http_method_names = ["get", "head"]
    # drf-spectacular's page without its font CDN links and ReDoc's CDN logo (templates/apis/redoc.html).
    template_name = "apis/redoc.html"
    # Nothing from another host: the page works without internet access and tells no third party
    # who reads it. ReDoc injects its styles and runs its search index in a blob: worker.
    content_security_policy = ("default-src 'self'; script-src 'self' 'unsafe-inline' blob:; "
                               "worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; font-src 'self' data:; base-uri 'none'; "
                               "form-action 'none'; object-src 'none'")

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = self.content_security_policy
        return response


urlpatterns = [
    path("schema/", schema.schema, name="api-schema"),
    path("schema/ui/", SwaggerUI.as_view(url_name="api-schema"), name="api-schema-ui"),
    path("schema/redoc/", Redoc.as_view(url_name="api-schema"), name="api-schema-redoc"),
]
