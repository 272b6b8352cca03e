from django.apps import apps
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "TV middleware — operator panel"
admin.site.site_title = "TV middleware"
admin.site.index_title = "Operator panel"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("tvmiddleware/", include("tvmiddleware.urls")),
    path("streaming/", include("tvmiddleware.streaming.urls")),
    path("billing/", include("billing.urls")),
    path("content/", include("tvmiddleware.content_api.site_urls")),
]

if apps.is_installed("payments"):
    # Optional app: gateway notifications and the device API's payment methods.
    urlpatterns += [
        path("billing/payment/", include("payments.urls")),
        path("tvmiddleware/api/", include("payments.api.device_urls")),
    ]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
