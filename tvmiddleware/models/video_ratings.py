"""Subscribers' own ratings of catalogue titles (`video/rating/set`)."""
from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from .base import TenantModel

MIN_RATING, MAX_RATING = 1, 10


class VideoRating(TenantModel):
    """A subscriber (one login) rated a title from 1 to 10; rating again replaces their mark.

    The title's `customers_rating` / `customers_rating_count` hold the average of these rows, kept
    by the rating service, so lists show it without reading the ratings.
    """

    account = models.ForeignKey("tvmiddleware.Account", on_delete=models.CASCADE, related_name="video_ratings")
    video = models.ForeignKey("tvmiddleware.Video", on_delete=models.CASCADE, related_name="ratings")
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(MIN_RATING),
                                                          MaxValueValidator(MAX_RATING)])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "video"], name="videorating_unique"),
            models.CheckConstraint(condition=Q(rating__gte=MIN_RATING) & Q(rating__lte=MAX_RATING),
                                   name="videorating_1_to_10"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.video_id} = {self.rating}"
