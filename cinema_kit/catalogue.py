"""Importing an online cinema's catalogue into the VOD library, in bulk and incrementally.

A partner adapter turns its feed into `TitleRecord`s and hands the whole catalogue to
`import_catalogue`, which makes the library match it:

- a title the library lacks is created (with its genres, seasons and episodes) and gets the
  integration's tariffs (the catalogue tariff that lists it, the SVOD tariff that opens it);
- a title whose partner data changed is updated field by field; one that did not change is not
  written at all, so a second run over the same feed issues no INSERT, UPDATE or DELETE;
- a title that left the feed is made unavailable (kept for purchases and history), and is made
  available again if it comes back. An empty feed hides nothing: it is more likely a partner fault
  than the end of the catalogue.

Genres are shared by the operator's whole library. A partner genre the cinema's genre map binds
(`genre_map`: partner genre id → the operator's genre id, e.g. Start's `StartGenreMap` edited in the
admin) links to that genre. Any other is matched by name (ignoring case) to an existing genre, so
"Comedy" from two cinemas is one genre in the apps; a new name creates a genre carrying the
partner's id as `ext_id`. Seasons and episodes of a series follow the
feed by number (missing ones are created, changed ones updated, ones the partner dropped removed).

Writes happen in one transaction with the integration's row locked, so two syncs of the same
integration at once run one after the other, and a sync that fails writes nothing. The feed is
fetched before (outside) the transaction. Reads are a fixed number of queries whatever the size of
the catalogue; writes are batched.

Records carry durations in seconds (`cinema_kit.records`); the library stores minutes, converted
here when a row is written.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Mapping, Sequence

from django.db import transaction
from django.utils import timezone

from tvmiddleware.models import Episode, ExternalSystem, Genre, Season, Tariff, Video

from .records import (  # noqa: F401  (re-exported: the adapters' one import of the record types)
    EpisodeRecord, GenreRecord, SeasonRecord, TitleRecord, field_max, clip, minutes_from_seconds,
    seconds_from_minutes, to_bool, to_countries, to_int, to_rating, to_url, video_values,
)

logger = logging.getLogger("cinema_kit.catalogue")

BATCH = 500
VideoGenre = Video.genres.through
VideoTariff = Video.tariffs.through

# Video columns a partner feed owns (the sync overwrites them when the partner changes them).
VIDEO_FIELDS = ("name", "name_orig", "description", "year", "countries", "duration", "age_rating", "imdb_rating",
                "kinopoisk_rating", "director", "cover_url", "is_series")


@dataclass
class ImportResult:
    """What one import did (the command's summary line)."""

    received: int = 0
    skipped: int = 0          # records without an id or a name, or repeating an id
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    hidden: int = 0           # left the feed: available=False
    restored: int = 0         # came back: available=True again
    genres_created: int = 0
    links_written: int = 0    # genre and tariff links added or removed
    episodes_written: int = 0  # seasons and episodes created, updated or removed
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def writes(self) -> int:
        return (self.created + self.updated + self.hidden + self.restored + self.genres_created
                + self.links_written + self.episodes_written)

    def as_dict(self) -> dict[str, int]:
        return {"received": self.received, "skipped": self.skipped, "created": self.created,
                "updated": self.updated, "unchanged": self.unchanged, "hidden": self.hidden,
                "restored": self.restored, "genres_created": self.genres_created,
                "links_written": self.links_written, "episodes_written": self.episodes_written, **self.extra}

    def line(self) -> str:
        return ", ".join(f"{key} {value}" for key, value in self.as_dict().items())


def _genre_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def sync_links(through: type, column: str, video_ids: list[int], wanted: set[tuple[int, int]],
               only: Iterable[int] | None = None) -> tuple[int, int]:
    """Make the (video, other) rows of a Video many-to-many table for `video_ids` equal `wanted`
    (restricted to other ids in `only` when given), in three statements at most. Returns (added,
    removed). Used by chunked writers (MEGOGO) for genres, tariffs and people."""
    existing = through.objects.filter(video_id__in=video_ids)
    if only is not None:
        existing = existing.filter(**{f"{column}__in": list(only)})
    have = {(vid, other): pk for pk, vid, other in existing.values_list("pk", "video_id", column)}
    add = [through(video_id=vid, **{column: other}) for vid, other in wanted if (vid, other) not in have]
    remove = [pk for pair, pk in have.items() if pair not in wanted]
    if add:
        through.objects.bulk_create(add, batch_size=BATCH)
    if remove:
        through.objects.filter(pk__in=remove).delete()
    return len(add), len(remove)


# --- the import ------------------------------------------------------------------------------------

def import_catalogue(*, system: ExternalSystem, titles: Iterable[TitleRecord], tariffs: Sequence[Tariff] = (),
                     complete: bool = True, now: datetime | None = None,
                     genre_map: Mapping[str, int] | None = None) -> ImportResult:
    """Make the integration's part of the library match `titles` (see the module docstring).

    `tariffs` are attached to every title of the feed (existing links are kept). `complete=False`
    (a partial feed) leaves titles missing from it alone instead of hiding them. `genre_map` binds
    partner genre ids to the operator's genres (ids of another operator's genres are ignored).
    """
    now = now or timezone.now()
    result = ImportResult()
    records: dict[str, TitleRecord] = {}
    for record in titles:
        result.received += 1
        ext_id = clip(record.ext_id, field_max(Video, "ext_id"))
        if not ext_id or not clip(record.name, 1) or ext_id in records:
            result.skipped += 1
            continue
        records[ext_id] = record
    tariff_ids = sorted({t.pk for t in tariffs if t.client_id == system.client_id})
    with transaction.atomic():
        ExternalSystem.objects.select_for_update().filter(pk=system.pk).first()  # one sync per integration
        _Import(system, records, tariff_ids, result, now, genre_map or {}).run(complete=complete)
    logger.info("catalogue system=%s: %s", system.pk, result.line())
    return result


class _Import:
    """One import run inside the transaction (state shared by its steps)."""

    def __init__(self, system: ExternalSystem, records: dict[str, TitleRecord], tariff_ids: list[int],
                 result: ImportResult, now: datetime, genre_map: Mapping[str, int]) -> None:
        self.system = system
        self.client_id = system.client_id
        self.records = records
        self.tariff_ids = tariff_ids
        self.result = result
        self.now = now
        self.genre_map = genre_map
        self.mapped: dict[str, int] = {}  # partner genre id → operator genre id (checked, this operator's)
        self.videos: dict[str, Video] = {}    # ext_id → the library's row, for every record of the feed
        self.existing: dict[str, Video] = {}  # ext_id → every row of this integration before the run

    def run(self, *, complete: bool) -> None:
        genre_ids = self._genres()
        self._videos()
        self._genre_links(genre_ids)
        self._tariff_links()
        self._seasons_and_episodes()
        if complete:
            self._hide_gone()

    # genres ----------------------------------------------------------------------------------------
    def _genres(self) -> dict[str, int]:
        """casefolded genre name → genre id, creating the names the library lacks."""
        by_name: dict[str, int] = {}
        own: set[int] = set()
        for pk, name in Genre.objects.for_client(self.client_id).order_by("sort", "pk").values_list("pk", "name"):
            by_name.setdefault(_genre_key(name), pk)
            own.add(pk)
        self.mapped = {str(ext_id): pk for ext_id, pk in self.genre_map.items() if pk in own}
        missing: dict[str, GenreRecord] = {}
        for record in self.records.values():
            for genre in record.genres:
                if genre.ext_id and genre.ext_id in self.mapped:
                    continue  # bound by the genre map: no genre is created for its name
                key = _genre_key(genre.name)
                if key and key not in by_name and key not in missing:
                    missing[key] = genre
        if missing:
            created = Genre.objects.bulk_create(
                [Genre(client_id=self.client_id, name=clip(g.name, field_max(Genre, "name")),
                       ext_id=clip(g.ext_id, field_max(Genre, "ext_id"))) for g in missing.values()],
                batch_size=BATCH)
            self.result.genres_created += len(created)
            for pk, name in Genre.objects.for_client(self.client_id).filter(
                    name__in=[clip(g.name, field_max(Genre, "name")) for g in missing.values()]
            ).order_by("sort", "pk").values_list("pk", "name"):
                by_name.setdefault(_genre_key(name), pk)
        return by_name

    # titles ----------------------------------------------------------------------------------------
    def _videos(self) -> None:
        self.existing = existing = {
            v.ext_id: v for v in Video.objects.for_client(self.client_id).filter(external_system=self.system)
            .only("pk", "ext_id", "available", *VIDEO_FIELDS)}
        new: list[Video] = []
        changed: list[Video] = []
        changed_fields: set[str] = set()
        for ext_id, record in self.records.items():
            values = video_values(record)
            video = existing.get(ext_id)
            if video is None:
                new.append(Video(client_id=self.client_id, external_system=self.system, ext_id=ext_id,
                                 available=True, **values))
                continue
            diff = [name for name, value in values.items() if getattr(video, name) != value]
            if not video.available:
                diff.append("available")
                video.available = True
                self.result.restored += 1
            if diff:
                for name in diff:
                    if name != "available":
                        setattr(video, name, values[name])
                video.updated_at = self.now
                changed.append(video)
                changed_fields.update(diff)
                # coming back alone counts as `restored`; a partner field changing as `updated`
                self.result.updated += any(name != "available" for name in diff)
            else:
                self.result.unchanged += 1
            self.videos[ext_id] = video
        if new:
            Video.objects.bulk_create(new, batch_size=BATCH)
            self.result.created += len(new)
            if any(v.pk is None for v in new):  # backends that return no ids from bulk inserts
                ids = dict(Video.objects.for_client(self.client_id).filter(external_system=self.system)
                           .values_list("ext_id", "pk"))
                for video in new:
                    video.pk = video.id = ids[video.ext_id]
            self.videos.update({v.ext_id: v for v in new})
        if changed:
            Video.objects.bulk_update(changed, sorted(changed_fields | {"updated_at"}), batch_size=BATCH)

    # relations -------------------------------------------------------------------------------------
    def _genre_links(self, genre_ids: dict[str, int]) -> None:
        current: dict[int, dict[int, int]] = {}  # video id → genre id → link id
        for link_id, video_id, genre_id in (VideoGenre.objects.filter(video__client_id=self.client_id,
                                                                      video__external_system=self.system)
                                            .values_list("pk", "video_id", "genre_id")):
            current.setdefault(video_id, {})[genre_id] = link_id
        add: list[Any] = []
        remove: list[int] = []
        for ext_id, record in self.records.items():
            video_id = self.videos[ext_id].pk
            wanted = {self.mapped[g.ext_id] for g in record.genres if g.ext_id and g.ext_id in self.mapped}
            wanted |= {genre_ids[k] for k in (_genre_key(g.name) for g in record.genres
                                              if not (g.ext_id and g.ext_id in self.mapped)) if k in genre_ids}
            have = current.get(video_id, {})
            add.extend(VideoGenre(video_id=video_id, genre_id=g) for g in sorted(wanted - have.keys()))
            remove.extend(link for g, link in have.items() if g not in wanted)
        self._write_links(VideoGenre, add, remove)

    def _tariff_links(self) -> None:
        if not self.tariff_ids:
            return
        have = set(VideoTariff.objects.filter(video__client_id=self.client_id, video__external_system=self.system,
                                              tariff_id__in=self.tariff_ids).values_list("video_id", "tariff_id"))
        add = [VideoTariff(video_id=v.pk, tariff_id=t) for v in self.videos.values() for t in self.tariff_ids
               if (v.pk, t) not in have]
        self._write_links(VideoTariff, add, [])

    def _write_links(self, through: type, add: list[Any], remove: list[int]) -> None:
        if add:
            through.objects.bulk_create(add, batch_size=BATCH)
        for start in range(0, len(remove), BATCH):
            through.objects.filter(pk__in=remove[start:start + BATCH]).delete()
        self.result.links_written += len(add) + len(remove)

    # series ----------------------------------------------------------------------------------------
    def _seasons_and_episodes(self) -> None:
        series = {v.pk: self.records[ext_id] for ext_id, v in self.videos.items()}  # every title of the feed
        seasons: dict[tuple[int, int], Season] = {
            (s.video_id, s.number): s for s in Season.objects.for_client(self.client_id).filter(
                video__external_system=self.system).only("pk", "video_id", "number", "name", "ext_id")}
        written = 0
        # seasons: create, update, remove
        new_seasons, changed_seasons, wanted_seasons = [], [], set()
        for video_id, record in series.items():
            for s in record.seasons:
                key = (video_id, s.number)
                if key in wanted_seasons:
                    continue  # a repeated season number in the feed: the first one counts
                wanted_seasons.add(key)
                name, ext_id = clip(s.name, field_max(Season, "name")), clip(s.ext_id, field_max(Season, "ext_id"))
                season = seasons.get(key)
                if season is None:
                    season = Season(client_id=self.client_id, video_id=video_id, number=s.number, name=name,
                                    ext_id=ext_id)
                    new_seasons.append(season)
                    seasons[key] = season
                elif (season.name, season.ext_id) != (name, ext_id):
                    season.name, season.ext_id = name, ext_id
                    changed_seasons.append(season)
        if new_seasons:
            Season.objects.bulk_create(new_seasons, batch_size=BATCH)
            if any(s.pk is None for s in new_seasons):
                ids = {(v, n): pk for pk, v, n in Season.objects.for_client(self.client_id).filter(
                    video__external_system=self.system).values_list("pk", "video_id", "number")}
                for season in new_seasons:
                    season.pk = season.id = ids[(season.video_id, season.number)]
        if changed_seasons:
            Season.objects.bulk_update(changed_seasons, ["name", "ext_id"], batch_size=BATCH)
        gone_seasons = [s.pk for key, s in seasons.items() if key[0] in series and key not in wanted_seasons]
        written += len(new_seasons) + len(changed_seasons) + len(gone_seasons)

        # episodes: keyed by (video, season number or 0, episode number)
        season_numbers = {s.pk: s.number for s in seasons.values()}
        episodes: dict[tuple[int, int, int], Episode] = {}
        for e in Episode.objects.for_client(self.client_id).filter(video__external_system=self.system).only(
                "pk", "video_id", "season_id", "number", "name", "ext_id", "duration", "description"):
            episodes[(e.video_id, season_numbers.get(e.season_id, 0), e.number)] = e
        new_episodes, changed_episodes, wanted_episodes = [], [], set()
        for video_id, record in series.items():
            for s in record.seasons:
                season = seasons[(video_id, s.number)]
                for ep in s.episodes:
                    key = (video_id, s.number, ep.number)
                    if key in wanted_episodes:
                        continue  # a repeated number in the feed: the first one counts
                    wanted_episodes.add(key)
                    values = {"name": clip(ep.name, field_max(Episode, "name")),
                              "ext_id": clip(ep.ext_id, field_max(Episode, "ext_id")),
                              "duration": minutes_from_seconds(ep.duration_seconds), "description": clip(ep.description, 100_000)}
                    episode = episodes.get(key)
                    if episode is None:
                        new_episodes.append(Episode(client_id=self.client_id, video_id=video_id, season_id=season.pk,
                                                    number=ep.number, **values))
                    elif any(getattr(episode, k) != v for k, v in values.items()):
                        for k, v in values.items():
                            setattr(episode, k, v)
                        changed_episodes.append(episode)
        gone_episodes = [e.pk for key, e in episodes.items() if key[0] in series and key not in wanted_episodes]
        for start in range(0, len(gone_episodes), BATCH):
            Episode.objects.filter(pk__in=gone_episodes[start:start + BATCH]).delete()
        for start in range(0, len(gone_seasons), BATCH):
            Season.objects.filter(pk__in=gone_seasons[start:start + BATCH]).delete()
        if new_episodes:
            Episode.objects.bulk_create(new_episodes, batch_size=BATCH)
        if changed_episodes:
            Episode.objects.bulk_update(changed_episodes, ["name", "ext_id", "duration", "description"],
                                        batch_size=BATCH)
        written += len(new_episodes) + len(changed_episodes) + len(gone_episodes)
        self.result.episodes_written += written

    # titles that left the feed ---------------------------------------------------------------------
    def _hide_gone(self) -> None:
        if not self.records:
            if any(v.available for v in self.existing.values()):
                logger.warning("catalogue system=%s: the feed is empty; nothing is hidden", self.system.pk)
            return
        gone = [v.pk for ext_id, v in self.existing.items() if v.available and ext_id not in self.records]
        for start in range(0, len(gone), BATCH):
            Video.objects.filter(pk__in=gone[start:start + BATCH]).update(available=False, updated_at=self.now)
        self.result.hidden += len(gone)
