"""Routes of the account settings and miscellaneous device methods, relative to `/tvmiddleware/api/`."""
from django.urls import path

from . import recent, reminders
from . import settings_views as views

urlpatterns = [
    path("settings/save/", views.settings_save, name="settings-save"),
    path("message/list/", views.message_list, name="message-list"),
    path("message/detail/", views.message_detail, name="message-detail"),
    path("message/delete/", views.message_delete_view, name="message-delete"),
    path("content/position/set/", views.position_set, name="content-position-set"),
    path("content/position/delete/", views.position_delete, name="content-position-delete"),
    path("content/position/remember/channel/", recent.remember_channel, name="content-position-remember-channel"),
    path("channel/list/last/", recent.channel_list_last, name="channel-list-last"),
    path("portal/settings/list/", views.portal_settings_list, name="portal-settings-list"),
    path("notification/create/", reminders.notification_create, name="notification-create"),
    path("notification/delete/", reminders.notification_delete, name="notification-delete"),
    path("notification/list/", reminders.notification_list, name="notification-list"),
]
