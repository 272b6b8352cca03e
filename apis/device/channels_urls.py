"""Routes of the channel and programme-guide methods, relative to `/tvmiddleware/api/`.

Both spellings (with and without the trailing slash) are served: the reference lists paths with the
slash, some apps call them without it.
"""
from django.urls import path

from . import channels

_METHODS = [
    ("category/list", channels.category_list, "category-list"),
    ("channel/list", channels.channel_list, "channel-list"),
    ("channel/list/search", channels.channel_list_search, "channel-list-search"),
    ("channel/list/programs", channels.channel_list_programs, "channel-list-programs"),
    ("channel/detail", channels.channel_detail, "channel-detail"),
    ("program/list", channels.program_list, "program-list"),
    ("program/list/search", channels.program_list_search, "program-list-search"),
    ("program/detail", channels.program_detail, "program-detail"),
]

urlpatterns = [path(f"{route}/", view, name=name) for route, view, name in _METHODS]
urlpatterns += [path(route, view) for route, view, _ in _METHODS]
