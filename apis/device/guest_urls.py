"""Routes of guest browsing (noauth/*), the providers and the v2 channel methods, relative to
`/tvmiddleware/api/`. Both spellings (with and without the trailing slash) are served."""
from . import channels_v2, guest
from .routing import both_spellings

_METHODS = [
    ("noauth/category/list", guest.category_list, "noauth-category-list"),
    ("noauth/genre/list", guest.genre_list, "noauth-genre-list"),
    ("noauth/actor/list", guest.actor_list, "noauth-actor-list"),
    ("noauth/actor/detail", guest.actor_detail, "noauth-actor-detail"),
    ("noauth/program/list", guest.program_list, "noauth-program-list"),
    ("noauth/program/detail", guest.program_detail, "noauth-program-detail"),
    ("noauth/selection/list", guest.selection_list, "noauth-selection-list"),
    ("noauth/selection/detail", guest.selection_detail, "noauth-selection-detail"),
    ("noauth/video/list", guest.video_list, "noauth-video-list"),
    ("noauth/video/detail", guest.video_detail, "noauth-video-detail"),
    ("noauth/video/episode/list", guest.video_episode_list, "noauth-video-episode-list"),
    ("noauth/video/url", guest.video_url, "noauth-video-url"),
    ("noauth/provider/list", guest.noauth_provider_list, "noauth-provider-list"),
    ("provider/list", guest.provider_list, "provider-list"),
    ("v2/channel/list", channels_v2.channel_list, "v2-channel-list"),
    ("v2/channel/info", channels_v2.channel_info, "v2-channel-info"),
    ("v2/noauth/channel/list", channels_v2.noauth_channel_list, "v2-noauth-channel-list"),
    ("v2/noauth/channel/info", channels_v2.noauth_channel_info, "v2-noauth-channel-info"),
]

urlpatterns = both_spellings(_METHODS)
