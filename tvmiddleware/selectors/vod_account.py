"""Reads behind the subscriber's film methods: one episode, similar titles, one selection, the video
subscriptions (tariffs that open titles), and the subscriber's own rating of a title.

Titles are those of the catalogue a subscriber browses (`vod.catalogue_videos`) and come with the
subscriber's flags (`vod.decorate_videos`); lists run a constant number of queries whatever their size.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value,
)
from django.db.models.functions import Coalesce

from common.errors import NotFound

from ..models import (
    ContentKind, ContentPosition, Episode, ExternalSystem, PriceCategory, Selection, SelectionItem, Tariff,
    TariffSubscription, Video, VideoFile, VideoRating,
)
from . import vod
from .vod import Page, VideoItem, Viewer

VideoGenre = Video.genres.through
VideoActor = Video.actors.through
VideoTariff = Video.tariffs.through


# --- one episode -----------------------------------------------------------------------------------

@dataclass
class EpisodeDetail:
    episode: Episode  # with `file_list` loaded and `extra` (the Content API's fields) when it has one
    video: Video
    positions: dict[int, ContentPosition]  # by asset (file) id
    extra: dict


def episode_get(*, viewer: Viewer, episode_id: int, now: datetime | None = None) -> EpisodeDetail:
    """An episode of a series the subscriber may see (available, or held by a purchase), with its
    files by quality and where the account stopped in each."""
    episode = (Episode.objects.for_client(viewer.client_id).filter(pk=episode_id).select_related("extra")
               .prefetch_related(Prefetch("files", queryset=VideoFile.objects.order_by("-quality", "id"),
                                          to_attr="file_list")).first())
    if episode is None:
        raise NotFound("Episode not found.")
    video = vod.video_get(viewer=viewer, video_id=episode.video_id, now=now)
    file_ids = [f.pk for f in episode.file_list]
    positions: dict[int, ContentPosition] = {}
    if viewer.account_id is not None and file_ids:
        positions = {p.asset_id: p for p in ContentPosition.objects.for_client(viewer.client_id).filter(
            account_id=viewer.account_id, content_type=ContentKind.VIDEO, content_id=video.pk,
            asset_id__in=file_ids)}
    extra = getattr(episode, "extra", None)
    return EpisodeDetail(episode=episode, video=video, positions=positions,
                         extra=dict(extra.data) if extra is not None else {})


# --- similar titles ---------------------------------------------------------------------------------

# What makes two titles alike, and how much each shared thing weighs: a shared person (actor or
# director) says more than a shared genre, a shared genre more than a shared shelf.
PERSON_WEIGHT, GENRE_WEIGHT, SELECTION_WEIGHT = 3, 2, 1


def _shared(rows: QuerySet) -> Coalesce:
    """The number of `rows` (links of a candidate title, `video_id` = the candidate) as a subquery."""
    counted = rows.values("video_id").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _similar(viewer: Viewer, video: Video) -> QuerySet[Video]:
    """The catalogue's titles sharing people, genres or enabled selections with `video`, scored."""
    people = VideoActor.objects.filter(video_id=video.pk).values("actor_id")
    genres = VideoGenre.objects.filter(video_id=video.pk).values("genre_id")
    shelves = SelectionItem.objects.filter(video_id=video.pk, selection__enabled=True).values("selection_id")
    return (vod.catalogue_videos(client=viewer.client_id).exclude(pk=video.pk)
            .annotate(shared_people=_shared(VideoActor.objects.filter(video_id=OuterRef("pk"), actor_id__in=people)),
                      shared_genres=_shared(VideoGenre.objects.filter(video_id=OuterRef("pk"), genre_id__in=genres)),
                      shared_selections=_shared(SelectionItem.objects.filter(
                          video_id=OuterRef("pk"), selection_id__in=shelves)))
            .annotate(similarity=F("shared_people") * PERSON_WEIGHT + F("shared_genres") * GENRE_WEIGHT
                      + F("shared_selections") * SELECTION_WEIGHT)
            .filter(similarity__gt=0))


def similar_videos(*, viewer: Viewer, video: Video, page: int = 1, limit: int = 10,
                   now: datetime | None = None) -> Page:
    """Titles like `video`, the most alike first (then the better rated, then the newest), among those
    the catalogue shows; never the title itself. Constant queries whatever the page size."""
    queryset = _similar(viewer, video).order_by("-similarity", F("kinopoisk_rating").desc(nulls_last=True), "-id")
    rows, count = vod.paginate(queryset.prefetch_related(*vod.video_relations()), page=page, limit=limit)
    return Page(items=vod.decorate_videos(viewer=viewer, videos=rows, now=now), count=count)


def similar_exist(*, viewer: Viewer, video: Video) -> bool:
    """Does `video/similar` have anything for this title (`is_similar_exist` of video/detail)?"""
    return _similar(viewer, video).exists()


# --- the subscriber's rating -------------------------------------------------------------------------

def account_rating(*, viewer: Viewer, video_id: int) -> int:
    """The account's own rating of a title (1-10), 0 when it has not rated it."""
    if viewer.account_id is None:
        return 0
    value = (VideoRating.objects.for_client(viewer.client_id).filter(account_id=viewer.account_id, video_id=video_id)
             .values_list("rating", flat=True).first())
    return value or 0


# --- one selection ---------------------------------------------------------------------------------

@dataclass
class SelectionDetail:
    selection: Selection
    extra: dict  # the Content API's fields of the selection (promo_image, localized names)
    count: int  # the selection's titles the catalogue shows
    items: list[VideoItem]  # from `cursor`, in the selection's order
    next_cursor: int  # where the next page starts; 0 when this page is the last


def selection_detail(*, viewer: Viewer, selection_id: int, cursor: int = 0, limit: int = 200,
                     now: datetime | None = None) -> SelectionDetail:
    """An enabled selection of the operator and a page of its titles (those the catalogue shows), from
    the `cursor`-th on. Constant queries whatever the page size."""
    selection = (Selection.objects.for_client(viewer.client_id).filter(pk=selection_id, enabled=True)
                 .select_related("extra").first())
    if selection is None:
        raise NotFound("Selection not found.")
    items = (SelectionItem.objects.filter(selection=selection,
                                          video__in=vod.catalogue_videos(client=viewer.client_id).values("pk"))
             .order_by("sort", "id"))
    count = items.count()
    videos = [item.video for item in items.select_related("video")[cursor:cursor + limit]] if cursor < count else []
    following = cursor + len(videos)
    extra = getattr(selection, "extra", None)
    return SelectionDetail(selection=selection, extra=dict(extra.data) if extra is not None else {}, count=count,
                           items=vod.decorate_videos(viewer=viewer, videos=videos, now=now),
                           next_cursor=following if videos and following < count else 0)


# --- video subscriptions ------------------------------------------------------------------------------

@dataclass
class VideoSubscription:
    """A tariff that opens catalogue titles, as `video/subscription/list` shows it."""

    tariff: Tariff
    sort: int  # its place among the operator's video subscriptions, from 1
    is_purchased: bool  # the customer holds it


def _opens_titles() -> Exists:
    """The tariff opens at least one available subscription title. Listing an online cinema's titles
    as its catalogue tariff opens none (the access rules), so that link does not count."""
    return Exists(VideoTariff.objects.filter(tariff_id=OuterRef("pk"), video__available=True,
                                             video__price_category=PriceCategory.SUBSCRIPTION)
                  .exclude(video__external_system__tariff_id=F("tariff_id")))


def video_subscriptions(*, viewer: Viewer, is_purchased: bool | None = None) -> list[VideoSubscription]:
    """The operator's tariffs that open titles: those offered in the apps' video section (enabled, not
    hidden, used for the video list) and those the customer holds, in the operator's tariff order; `is_purchased` keeps only the held (1)
    or only the not held (0). One query."""
    catalogue_tariffs = ExternalSystem.objects.for_client(viewer.client_id).filter(
        tariff__isnull=False).values("tariff_id")
    held = TariffSubscription.objects.filter(customer_id=viewer.customer_id, tariff_id=OuterRef("pk"),
                                             is_closed=False)
    tariffs = (Tariff.objects.for_client(viewer.client_id).filter(_opens_titles())
               .exclude(pk__in=catalogue_tariffs).annotate(held=Exists(held))
               .filter(Q(held=True) | Q(enabled=True, hidden=False, used_for_video_list=True))
               .order_by("-basic_tariff_priority", "name", "id"))
    rows = [VideoSubscription(tariff=t, sort=n, is_purchased=t.held) for n, t in enumerate(tariffs, start=1)]
    if is_purchased is not None:
        rows = [row for row in rows if row.is_purchased == is_purchased]
    return rows


def held_video_subscription(*, viewer: Viewer, tariff_id: int) -> Tariff:
    """A video subscription (see `video_subscriptions`) the customer holds; NotFound otherwise."""
    for row in video_subscriptions(viewer=viewer, is_purchased=True):
        if row.tariff.pk == tariff_id:
            return row.tariff
    raise NotFound("Subscription not found.")


def videos_found(*, viewer: Viewer, video_ids: list[int]) -> int:
    """How many of these ids are titles of the operator (withdrawn ones included: they stay in the
    subscriber's history)."""
    return Video.objects.for_client(viewer.client_id).filter(pk__in=video_ids).count()


def package_contents(*, viewer: Viewer, videos: list[Video]) -> dict[int, list[int]]:
    """The catalogue titles inside each package of `videos` (by package id), in the catalogue's order:
    one query for the whole page."""
    packages = [v.pk for v in videos if v.is_package]
    contents: dict[int, list[int]] = {pk: [] for pk in packages}
    if not packages:
        return contents
    links = (Video.package_videos.through.objects
             .filter(from_video_id__in=packages,
                     to_video_id__in=vod.catalogue_videos(client=viewer.client_id).values("pk"))
             .order_by("to_video__sort", "-to_video_id").values_list("from_video_id", "to_video_id"))
    for package_id, video_id in links:
        contents[package_id].append(video_id)
    return contents
