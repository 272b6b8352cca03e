"""Content API methods of the reference this middleware does not implement yet (cameras, cinema
seances and tickets, targeted banners): signed like the others, they answer code 22 (SAVE_FAILED,
"not supported") with a clear message instead of a 404 page. Their specs declare no parameters: the
documentation does not list them, and nothing is read."""
from __future__ import annotations

from .helpers import not_supported

camera_create = not_supported("CameraCreate")
camera_modify = not_supported("CameraModify")
camera_delete = not_supported("CameraDelete")
seance_create = not_supported("SeanceCreate")
seance_delete = not_supported("SeanceDelete")
seance_ticket_create = not_supported("SeanceTicketCreate")
seance_ticket_delete = not_supported("SeanceTicketDelete")
target_banner_create = not_supported("TargetBannerCreate")
target_banner_modify = not_supported("TargetBannerModify")
target_banner_delete = not_supported("TargetBannerDelete")
target_banner_list = not_supported("TargetBannerList")
