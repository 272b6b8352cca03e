from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from tvmiddleware.plugin_apps import plugin_urlpatterns

admin.site.site_header = "TV middleware — operator panel"
admin.site.site_title = "TV middleware"
admin.site.index_title = "Operator panel"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("tvmiddleware/", include("apis.tvmiddleware_urls")),
    path("streaming/", include("apis.streaming.urls")),
    path("billing/", include("apis.billing_urls")),
    path("content/", include("apis.content.site_urls")),
    path("api/", include("apis.schema_urls")),
    path("widgets/captcha/", include("captcha.urls")),
    path("widgets/", include("widgets.urls")),
]

# Optional apps' routes (gateway notifications, extra device-API methods...), as each declares them
# in its AppConfig (`urls`); after the core's, so a core route keeps its path.
urlpatterns += plugin_urlpatterns()

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
