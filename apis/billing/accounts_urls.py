"""Billing API routes of the accounts group (relative to /billing/api/): accounts, their devices,
tariffs and messages, cameras (refused), device sessions and `authkey/delete/`."""
from django.urls import path

from . import accounts as views

urlpatterns = [
    path("account/activate/", views.account_activate, name="billing-account-activate"),
    path("account/camera/create/", views.account_camera_create, name="billing-account-camera-create"),
    path("account/camera/delete/", views.account_camera_delete, name="billing-account-camera-delete"),
    path("account/create/", views.account_create, name="billing-account-create"),
    path("account/deactivate/", views.account_deactivate, name="billing-account-deactivate"),
    path("account/delete/", views.account_delete, name="billing-account-delete"),
    path("account/device/create/", views.account_device_create, name="billing-account-device-create"),
    path("account/device/delete/", views.account_device_delete, name="billing-account-device-delete"),
    path("account/device/modify/", views.account_device_modify, name="billing-account-device-modify"),
    path("account/info/", views.account_info, name="billing-account-info"),
    path("account/list/", views.account_list, name="billing-account-list"),
    path("account/message/create/", views.account_message_create, name="billing-account-message-create"),
    path("account/modify/", views.account_modify, name="billing-account-modify"),
    path("account/tariff/assign/", views.account_tariff_assign, name="billing-account-tariff-assign"),
    path("account/tariff/remove/", views.account_tariff_remove, name="billing-account-tariff-remove"),
    path("authkey/delete/", views.authkey_delete, name="billing-authkey-delete"),
    path("session/list/", views.session_list, name="billing-session-list"),
]
