"""What the operator sets for Start in the panel: the genre map and the statistics switch.

- `StartGenreMap`: a Start genre (by its id at Start) and the operator's genre its titles get. The
  catalogue import lists every Start genre it meets here; a row bound to a genre links Start's titles
  of that genre to it (applied at the next `cinema_start_sync_content`). An unbound row changes
  nothing: the title gets the genre of the same name (created if missing), as before the map.
- `StartDeviceStatistics`: per device type, whether the operator sends viewing statistics of Start
  titles watched on that kind of device to Start (`cinema_start.statistics`).
"""
from __future__ import annotations

from django.db import models

from cinema_kit.genres import PartnerGenreMap, operator_genre
from tvmiddleware.models import TenantModel


class StartGenreMap(PartnerGenreMap):
    """A Start genre and the operator's genre its titles get (none: matched by name); one map per
    operator (the kit's `PartnerGenreMap`)."""

    partner_label = "Start"

    partner_genre_id = models.CharField("Start genre id", max_length=128)
    partner_name = models.CharField("Start name", max_length=200, blank=True, default="")
    genre = operator_genre("Start's titles of this genre get this genre (applied on the next sync). "
                           "Empty: the genre of the same name.")

    class Meta:
        ordering = ["partner_name", "partner_genre_id"]
        verbose_name = "Start genre mapping"
        constraints = [
            models.UniqueConstraint(fields=["client", "partner_genre_id"], name="startgenremap_unique",
                                    violation_error_message="This Start genre is already mapped."),
        ]


class StartDeviceStatistics(TenantModel):
    """Whether viewing of Start titles on one device type is reported to Start (off unless set)."""

    device_type = models.ForeignKey("tvmiddleware.DeviceType", on_delete=models.CASCADE, related_name="+")
    send_statistics = models.BooleanField("send viewing statistics to Start", default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["device_type"]
        verbose_name = "Start statistics by device type"
        verbose_name_plural = "Start statistics by device type"
        constraints = [
            models.UniqueConstraint(fields=["client", "device_type"], name="startdevicestatistics_unique",
                                    violation_error_message="This device type already has a setting."),
        ]

    def __str__(self) -> str:
        return f"{self.device_type}: {'sends' if self.send_statistics else 'does not send'} statistics to Start"
