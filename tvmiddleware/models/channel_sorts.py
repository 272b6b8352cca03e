"""Named channel orders an operator offers besides its own (`channel/sort/list`, and `channel_sort_id`
of channel/list, channel/list/search and channel/list/programs)."""
from __future__ import annotations

from django.db import models

from .base import TenantModel


class ChannelSort(TenantModel):
    """A channel order the subscriber may pick in the app ("By number", "Sport first"...). Its channels
    come first in their positions; the operator's other visible channels follow in its own order."""

    name = models.CharField(max_length=100)
    sort = models.IntegerField(default=0, help_text="Place among the sorts apps list.")
    enabled = models.BooleanField(default=True, help_text="Offered to apps.")

    class Meta:
        ordering = ["sort", "name", "id"]

    def __str__(self) -> str:
        return self.name


class ChannelSortItem(models.Model):
    """A channel's place in a channel sort (scoped by its sort: no client column)."""

    channel_sort = models.ForeignKey(ChannelSort, on_delete=models.CASCADE, related_name="items")
    channel = models.ForeignKey("tvmiddleware.Channel", on_delete=models.CASCADE, related_name="+")
    position = models.IntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["channel_sort", "channel"], name="channelsortitem_unique")]

    def __str__(self) -> str:
        return f"{self.channel_sort_id}: {self.channel_id}"
