"""Reads for visitors of the operator's apps who have not logged in (guests), and the catalogue's providers.

Guest browsing is the operator's choice (`GuestBrowsing`, off by default). When it is on, guests see
the channels and titles of the guest tariffs (those the operator chose, or every tariff for sale:
enabled and offered in apps), and, when the operator allows it, free titles and titles sold one by
one. They see them as a non-subscriber does: no tariff, no purchase, no personal flags. A guest never
gets a stream of a channel or of a film; a title's trailer (`VideoTrailer`) at most.

The operator's guest settings are kept per process (`guest_view`), renewed within a second of a
change anywhere (`common.generations`); the guest line-up comes from the per-process tariff
contents, so a warm guest channel list reads nothing from the database.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.signals import m2m_changed, post_delete, post_save

from common.errors import NotFound
from common.generations import SharedGeneration

from ..models import (
    Client, ExternalSystem, GuestBrowsing, PriceCategory, Selection, SelectionItem, Tariff, Video, VideoFile,
    VideoTrailer,
)
from ..streaming.access import LocalCache
from ..streaming.reference import tariff_channels
from .vod import Viewer, catalogue_videos

GUEST_SETTINGS = SharedGeneration("guest-browsing")
GUEST_VIEW_SECONDS = 60
_views = LocalCache(1000)


@dataclass(frozen=True)
class GuestView:
    """What the operator shows to guests: `enabled` (the switch), the guest tariffs, and whether free
    and pay-per-view titles are shown too."""

    client_id: int
    enabled: bool
    tariff_ids: frozenset[int] = frozenset()
    untariffed_titles: bool = False


def guest_view(*, client: Client | int) -> GuestView:
    """The operator's guest settings (two queries when not kept by this process)."""
    client_id = client if isinstance(client, int) else client.pk
    key = (client_id, GUEST_SETTINGS.current())
    view = _views.get(key)
    if view is None:
        view = _load_view(client_id)
        _views.set(key, view, GUEST_VIEW_SECONDS)
    return view


def _load_view(client_id: int) -> GuestView:
    settings = GuestBrowsing.objects.for_client(client_id).filter(enabled=True).first()
    if settings is None:
        return GuestView(client_id=client_id, enabled=False)
    # Chosen tariffs count while they are enabled; none chosen: every tariff for sale.
    tariffs = Tariff.objects.for_client(client_id).filter(enabled=True)
    chosen = GuestBrowsing.tariffs.through.objects.filter(guestbrowsing_id=settings.pk)
    tariffs = tariffs.filter(Q(Exists(chosen.filter(tariff_id=OuterRef("pk")))) | Q(~Exists(chosen), hidden=False))
    return GuestView(client_id=client_id, enabled=True, tariff_ids=frozenset(tariffs.values_list("pk", flat=True)),
                     untariffed_titles=settings.untariffed_titles)


def _forget(**kwargs: Any) -> None:
    GUEST_SETTINGS.bump_on_commit()


for _model in (GuestBrowsing, Tariff):
    post_save.connect(_forget, sender=_model, dispatch_uid=f"tvmw-guest-save-{_model.__name__}")
    post_delete.connect(_forget, sender=_model, dispatch_uid=f"tvmw-guest-delete-{_model.__name__}")
m2m_changed.connect(_forget, sender=GuestBrowsing.tariffs.through, dispatch_uid="tvmw-guest-tariffs")


def guest_viewer(view: GuestView) -> Viewer:
    """A guest as the VOD reads see them: no customer, no login, no tariff (so `has_subscription` 0
    everywhere, and no purchase, favourite or position)."""
    return Viewer(client_id=view.client_id, customer_id=0, account_id=None, active=False, tariff_ids=frozenset())


# --- channels --------------------------------------------------------------------------------------

def guest_channel_ids(view: GuestView) -> frozenset[int]:
    """The enabled channels the guest tariffs open (from the per-process tariff contents)."""
    contents = tariff_channels(view.client_id)
    return frozenset().union(*(contents.get(t, ()) for t in view.tariff_ids))


def channels_of_tariffs(*, client: Client | int, tariff_ids: list[int]) -> frozenset[int]:
    """The enabled channels any of these tariffs opens (per-process copy; unknown ids open none)."""
    contents = tariff_channels(client if isinstance(client, int) else client.pk)
    return frozenset().union(*(contents.get(t, ()) for t in tariff_ids))


# --- titles ----------------------------------------------------------------------------------------

def guest_titles(view: GuestView) -> QuerySet[Video]:
    """The operator's catalogue as guests see it: titles the guest tariffs open, and free and
    pay-per-view titles when the operator shows them."""
    shown = Q(Exists(Video.tariffs.through.objects.filter(video_id=OuterRef("pk"), tariff_id__in=view.tariff_ids)))
    if view.untariffed_titles:
        shown |= Q(price_category__in=[PriceCategory.FREE, PriceCategory.PURCHASE])
    return catalogue_videos(client=view.client_id).filter(shown)


def guest_video_get(view: GuestView, *, video_id: int) -> Video:
    video = guest_titles(view).filter(pk=video_id).select_related("external_system").first()
    if video is None:
        raise NotFound("Video not found.")
    return video


def trailers_by_video(*, client_id: int, video_ids: list[int]) -> dict[int, list[VideoTrailer]]:
    """video id → its trailers in order (one query)."""
    result: dict[int, list[VideoTrailer]] = {}
    for trailer in VideoTrailer.objects.for_client(client_id).filter(video_id__in=video_ids).order_by("sort", "id"):
        result.setdefault(trailer.video_id, []).append(trailer)
    return result


@dataclass(frozen=True)
class TrailerLookup:
    """What `noauth/video/url` asked for: a trailer, or a film file (never served to guests)."""

    video: Video
    trailer: VideoTrailer | None
    is_film_file: bool


def guest_trailer_get(view: GuestView, *, video_id: int, trailer_id: int) -> TrailerLookup:
    """The trailer `trailer_id` of a title guests see. NotFound when the title is not shown to guests
    or names no such trailer nor file."""
    video = guest_video_get(view, video_id=video_id)
    trailer = VideoTrailer.objects.for_client(view.client_id).filter(pk=trailer_id, video=video).first()
    is_film_file = trailer is None and VideoFile.objects.for_client(view.client_id).filter(
        pk=trailer_id, video=video).exists()
    if trailer is None and not is_film_file:
        raise NotFound("Trailer not found.")
    return TrailerLookup(video=video, trailer=trailer, is_film_file=is_film_file)


# --- selections ------------------------------------------------------------------------------------

def guest_selections(view: GuestView, *, order: list[str], offset: int, limit: int | None) -> tuple[list[Selection], int]:
    """Enabled selections with `video_count`: their titles guests see (two queries)."""
    titles = guest_titles(view).values("pk")
    queryset = (Selection.objects.for_client(view.client_id).filter(enabled=True)
                .annotate(video_count=Count("items", filter=Q(items__video__in=titles))).order_by(*order))
    count = queryset.count()
    rows = list(queryset[offset:offset + limit] if limit is not None else queryset[offset:])
    return rows, count


def guest_selection_get(view: GuestView, *, selection_id: int) -> Selection:
    selection = (Selection.objects.for_client(view.client_id).filter(pk=selection_id, enabled=True)
                 .select_related("extra").first())
    if selection is None:
        raise NotFound("Selection not found.")
    return selection


def selection_extra(selection: Selection) -> dict:
    """The Content API's fields of a selection (its promo image, localized names); {} without them."""
    extra = getattr(selection, "extra", None)
    return dict(extra.data) if extra is not None else {}


def selection_titles(view: GuestView, *, selection: Selection, tariff_ids: list[int] | None = None,
                     exclude_tariff_ids: list[int] | None = None) -> QuerySet[Video]:
    """The selection's titles guests see, in the selection's order (narrowed to titles of `tariff_ids`,
    or without those of `exclude_tariff_ids`)."""
    titles = guest_titles(view).filter(Exists(SelectionItem.objects.filter(selection=selection,
                                                                           video_id=OuterRef("pk"))))
    through = Video.tariffs.through.objects
    if tariff_ids:
        titles = titles.filter(Exists(through.filter(video_id=OuterRef("pk"), tariff_id__in=tariff_ids)))
    if exclude_tariff_ids:
        titles = titles.exclude(Exists(through.filter(video_id=OuterRef("pk"), tariff_id__in=exclude_tariff_ids)))
    position = SelectionItem.objects.filter(selection=selection, video_id=OuterRef("pk")).order_by("sort", "id")
    return titles.annotate(selection_sort=Subquery(position.values("sort")[:1]),
                           selection_item=Subquery(position.values("id")[:1])).order_by("selection_sort",
                                                                                        "selection_item")


# --- providers -------------------------------------------------------------------------------------

def catalogue_providers(*, client: Client | int, titles: QuerySet[Video] | None = None) -> list[ExternalSystem]:
    """The online cinemas (enabled API integrations) whose titles are in the catalogue (or in `titles`),
    with their logos (`branding`, when set) loaded. One query."""
    titles = catalogue_videos(client=client) if titles is None else titles
    return list(ExternalSystem.objects.for_client(client).filter(enabled=True)
                .filter(Exists(titles.filter(external_system_id=OuterRef("pk"))))
                .select_related("branding").order_by("name", "id"))
