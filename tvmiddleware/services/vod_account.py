"""What a subscriber does to catalogue titles for themselves: favourites, their own rating, and taking
titles out of their "continue watching" and history listings.

Each function acts on one account and one title (or a few) of that account's operator; the views
find the title first through the VOD selectors (what the subscriber may see), so an id of another
operator's title never reaches here.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable

from django.db import transaction
from django.db.models import Avg, Count

from common.errors import Invalid
from tvmiddleware.models import (
    Account, AccountVideoSetting, ContentKind, ContentPosition, Video, VideoRating,
)
from tvmiddleware.models.video_ratings import MAX_RATING, MIN_RATING

# `video/listing/delete` listings, as `video/list` filters them (is_viewing, viewed_only, history_only).
LISTING_VIEWING = "is_viewing"
LISTING_VIEWED = "viewed_only"
LISTING_HISTORY = "history_only"
LISTINGS = (LISTING_VIEWING, LISTING_VIEWED, LISTING_HISTORY)

CENTS = Decimal("0.01")


def video_favorite_set(*, account: Account, video: Video, is_favorited: bool) -> AccountVideoSetting:
    """Add a title to the subscriber's favourites (`video/list` with `favorited_only`, `is_favorited`
    in every title row), or take it out."""
    with transaction.atomic():
        setting, _ = AccountVideoSetting.objects.update_or_create(
            account=account, video=video,
            defaults={"client_id": account.client_id, "is_favorited": is_favorited})
    return setting


def video_rate(*, account: Account, video: Video, rating: int) -> Decimal:
    """The subscriber rates a title from 1 to 10 (rating again replaces their mark). Returns the
    title's new average of subscribers' ratings, which lists show as `average_customers_rating`.

    The title's row is locked while the average is recomputed, so two subscribers rating at once
    both count."""
    if not MIN_RATING <= rating <= MAX_RATING:
        raise Invalid("rating must be from 1 to 10.", fields={"rating": "out of range"})
    with transaction.atomic():
        Video.objects.select_for_update().filter(pk=video.pk).values_list("pk", flat=True).first()
        VideoRating.objects.update_or_create(account=account, video=video,
                                             defaults={"client_id": account.client_id, "rating": rating})
        return video_rating_refresh(video_id=video.pk)


def video_rating_refresh(*, video_id: int) -> Decimal:
    """Recompute a title's average of subscribers' ratings from their rows (after a rating is given
    or removed). Runs inside the caller's transaction; returns the average (0 without ratings)."""
    totals = VideoRating.objects.filter(video_id=video_id).aggregate(average=Avg("rating"), count=Count("id"))
    average = None
    if totals["count"]:
        average = Decimal(str(totals["average"])).quantize(CENTS, rounding=ROUND_HALF_UP)
    Video.objects.filter(pk=video_id).update(customers_rating=average, customers_rating_count=totals["count"])
    return average if average is not None else Decimal("0.00")


def video_rating_delete(*, rating: VideoRating) -> None:
    """Remove one subscriber's rating (the operator's moderation); the title's average follows."""
    with transaction.atomic():
        Video.objects.select_for_update().filter(pk=rating.video_id).values_list("pk", flat=True).first()
        rating.delete()
        video_rating_refresh(video_id=rating.video_id)


def video_listing_delete(*, account: Account, video_ids: Iterable[int], listing: str) -> int:
    """Take titles out of one of the subscriber's viewing listings by forgetting where they stopped:
    `is_viewing` forgets the unfinished positions (the title leaves "continue watching"),
    `viewed_only` the finished ones, `history_only` both. Returns the number of positions removed.

    Other accounts' positions and other titles' stay. The account's cached positions follow the
    deletion signals."""
    if listing not in LISTINGS:
        raise Invalid(f"listing must be one of {', '.join(LISTINGS)}.", fields={"listing": "invalid"})
    positions = ContentPosition.objects.filter(account=account, content_type=ContentKind.VIDEO,
                                               content_id__in=list(video_ids))
    if listing == LISTING_VIEWING:
        positions = positions.filter(is_viewed=False)
    elif listing == LISTING_VIEWED:
        positions = positions.filter(is_viewed=True)
    with transaction.atomic():
        removed, _ = positions.delete()
    return removed
