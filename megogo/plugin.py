"""`megogo_api_client`: the MEGOGO integration as the middleware sees it (see `tvmiddleware.plugins`).

- catalogue: `sync_catalogue` (the `megogo_sync_content` command, Celery beat);
- SVOD: the tariff hooks subscribe or unsubscribe the customer at MEGOGO (`subscriptions`);
- TVOD: `purchase_video` buys the title at MEGOGO after the ledger debit (`tvod`);
- streams: `get_video_url` answers video/url for MEGOGO titles (`streams`);
- pictures: `video_images` gives the device API the sync's thumbnails of the covers.
"""
from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from tvmiddleware.plugins import ExternalSystemAPI

from . import config as megogo_config
from .client import MegogoClient

if TYPE_CHECKING:
    from tvmiddleware.models import Account, Customer, DomainEvent, Video, VideoFile

API_CLASS = "megogo_api_client"


class MegogoAPI(ExternalSystemAPI):
    """MEGOGO online cinema: catalogue sync, SVOD subscriptions, TVOD purchases, partner streams."""

    verbose_name = "MEGOGO (megogo_api_client)"
    # The tariff hooks make MEGOGO match the customer's current tariffs (megogo/subscriptions.py).
    hooks_converge_in_any_order = True

    @classmethod
    def validate_attributes(cls, attributes: dict[str, str]) -> dict[str, str]:
        return megogo_config.validate(attributes)

    @cached_property
    def config(self) -> megogo_config.MegogoConfig:
        return megogo_config.parse(self.attributes)

    @cached_property
    def megogo(self) -> MegogoClient:
        return MegogoClient(self.config)

    @property
    def ignore_customer_balance_check(self) -> bool:
        """`ignore_customer_balance_check = 1`: purchases do not need money on the local balance
        (the operator's own billing settles them)."""
        return self.config.ignore_balance_check

    # --- SVOD -------------------------------------------------------------------------------------
    def on_tariff_assigned(self, event: "DomainEvent") -> None:
        from .subscriptions import on_tariff_change

        on_tariff_change(self, customer_id=event.payload["customer_id"], tariff_id=event.payload["tariff_id"])

    def on_tariff_removed(self, event: "DomainEvent") -> None:
        from .subscriptions import on_tariff_change

        on_tariff_change(self, customer_id=event.payload["customer_id"], tariff_id=event.payload["tariff_id"])

    # --- catalogue --------------------------------------------------------------------------------
    def sync_catalogue(self, **options: Any) -> dict[str, int]:
        from .sync.runner import run_sync

        return run_sync(self, **options).as_dict()

    # --- pictures ---------------------------------------------------------------------------------
    @classmethod
    def video_images(cls, videos: "list[Video]") -> dict[int, dict[str, str]]:
        """The thumbnails the sync made from MEGOGO's covers (`MegogoTitle.thumbnail_small/big`),
        for the device API's `thumbnail_small` / `thumbnail_big`: one query for a whole page."""
        from .models import MegogoTitle

        images: dict[int, dict[str, str]] = {}
        rows = MegogoTitle.objects.filter(video_id__in=[v.pk for v in videos]).only(
            "video_id", "thumbnail_small", "thumbnail_big")
        for title in rows:
            fields = {name: getattr(title, name).url for name in ("thumbnail_small", "thumbnail_big")
                      if getattr(title, name)}
            if fields:
                images[title.video_id] = fields
        return images

    # --- streams and purchases --------------------------------------------------------------------
    def get_video_url(self, *, account: "Account", video: "Video", file: "VideoFile | None" = None,
                      device: str = "") -> str:
        from .streams import partner_stream_url

        return partner_stream_url(self, account=account, video=video, file=file, device=device)

    def video_playback_credentials(self, *, account: "Account", video: "Video", device: str = "") -> dict[str, str]:
        from .streams import playback_credentials

        return playback_credentials(self, account=account, device=device)

    def purchase_video(self, *, account: "Account | None", video: "Video", price: Any,
                       customer: "Customer | None" = None, kind: str = "buy", **_: Any) -> dict[str, Any]:
        from .tvod import purchase_at_megogo

        return purchase_at_megogo(self, account=account, customer=customer, video=video, price=price, kind=kind)
