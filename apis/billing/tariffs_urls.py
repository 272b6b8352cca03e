"""Billing API routes of the tariffs group (relative to /billing/api/)."""
from django.urls import path

from . import tariffs

urlpatterns: list = [
    path("tariff/additional/list/", tariffs.tariff_additional_list),
    path("tariff/basic/list/", tariffs.tariff_basic_list),
    path("tariff/create/", tariffs.tariff_create),
    path("tariff/delete/", tariffs.tariff_delete),
    path("tariff/list/", tariffs.tariff_list),
    path("tariff/modify/", tariffs.tariff_modify),
    path("tariff/option/list/", tariffs.tariff_option_list),
    path("tariff/streamservice/assign/", tariffs.tariff_streamservice_assign),
    path("tariff/streamservice/remove/", tariffs.tariff_streamservice_remove),
]
