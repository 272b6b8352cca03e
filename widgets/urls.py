"""`/widgets/`: the embed script and the framed pages (docs/widgets.md)."""
from django.urls import path

from . import views

app_name = "widgets"

urlpatterns = [
    path("api/get/<str:public_id>", views.embed, name="embed"),
    path("api/show/<str:public_id>", views.show, name="show"),
    path("demo/", views.demo_page, name="demo"),
]
