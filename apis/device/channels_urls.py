"""Routes of the channel and programme-guide methods, relative to `/tvmiddleware/api/`.

Both spellings (with and without the trailing slash) are served: the reference lists paths with the
slash, some apps call them without it.
"""
from . import account_lists, channel_extras, channels
from .routing import both_spellings

_METHODS = [
    ("category/list", channels.category_list, "category-list"),
    ("channel/list", channels.channel_list, "channel-list"),
    ("channel/list/search", channels.channel_list_search, "channel-list-search"),
    ("channel/list/programs", channels.channel_list_programs, "channel-list-programs"),
    ("channel/detail", channels.channel_detail, "channel-detail"),
    ("program/list", channels.program_list, "program-list"),
    ("program/list/search", channels.program_list_search, "program-list-search"),
    ("program/detail", channels.program_detail, "program-detail"),
    ("channel/action", channel_extras.channel_action, "channel-action"),
    ("channel/icon/list", channel_extras.channel_icon_list, "channel-icon-list"),
    ("channel/programs", channel_extras.channel_programs, "channel-programs"),
    ("channel/sort/list", channel_extras.channel_sort_list, "channel-sort-list"),
    ("premiere/list", channel_extras.premiere_list, "premiere-list"),
    ("v2/account/channels/accountsettingsinfo", account_lists.channels_settings_info,
     "v2-account-channels-accountsettingsinfo"),
    ("v2/account/channels/sort", account_lists.channels_sort, "v2-account-channels-sort"),
    ("v2/account/channels/update", account_lists.channels_update, "v2-account-channels-update"),
    ("v2/account/video/update", account_lists.video_update, "v2-account-video-update"),
]

urlpatterns = both_spellings(_METHODS)
