"""Database side of the catalogue sync, a chunk of titles at a time, in batched statements.

Per chunk (a few hundred titles):
- `write` stores the titles fetched from MEGOGO (new or changed): videos with their new covers,
  seasons, episodes and their files (one file per film or episode, path `megogo:<id>`, played
  through `video/url`), people when asked, and the sync's `MegogoTitle` rows;
- `reconcile` applies to every listed title what does not need MEGOGO: availability, genres
  (genre map and accessibility categories), tariffs (the hidden catalogue tariff on every title,
  the SVOD tariffs on subscription titles), and that this run saw the title;
- `apply_covers` records covers downloaded again for unchanged titles (after an earlier failure).
Each step costs a constant number of queries whatever the chunk holds. Every write transaction
starts by extending the run's lease (`_begin_writing`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Iterable

from django.db import transaction
from django.utils import timezone

from cinema_kit.catalogue import sync_links
from cinema_kit.records import minutes_from_seconds
from tvmiddleware.models import (
    Actor, Episode, ExternalSystem, Genre, PersonType, PriceCategory, Season, Tariff, Video, VideoFile,
)

from ..client import MegogoError
from ..models import MegogoTitle
from .covers import StoredCover, delete_files
from .lease import LEASE_SECONDS, STORE
from .parse import TitleData

if TYPE_CHECKING:
    from .runner import Fetched

VIDEO_FIELDS = ["name", "name_orig", "description", "year", "countries", "duration", "age_rating", "imdb_rating",
                "kinopoisk_rating", "director", "is_series", "price_category", "price", "rent_price", "rent_hours",
                "cover_url", "available", "cover"]
TITLE_FIELDS = ["digest", "seen_run", "megogo_genres", "audio_description", "sign_language", "delivery_rules",
                "sellable", "actors_loaded", "cover_url", "synced_at", "thumbnail_big", "thumbnail_small",
                "stored_cover_url"]
FILE_PREFIX = "megogo:"  # VideoFile.path of MEGOGO files ("megogo:<MEGOGO id>")
PERSON_PREFIX = "megogo:"  # Actor.ext_id of people from MEGOGO
FILM_QUALITY = 1080
BATCH = 500

VideoGenre = Video.genres.through
VideoTariff = Video.tariffs.through
VideoActor = Video.actors.through


@dataclass
class SyncContext:
    """What a run knows before it starts: the integration, its tariffs and genre map."""

    system: ExternalSystem
    run: int
    catalogue_tariff_id: int | None
    svod_tariff_ids: frozenset[int]
    previously_managed: frozenset[int]
    genre_map: dict[str, int]
    typhoid_genre_id: int | None
    sign_language_genre_id: int | None
    tvod_ids: set[str] | None  # None: no TVOD collection configured, every TVOD title is sold
    load_actors: bool = False
    lease_owner: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def client_id(self) -> int:
        return self.system.client_id

    @property
    def current_tariff_ids(self) -> frozenset[int]:
        """The catalogue tariff and the SVOD tariffs as configured now."""
        own = set(self.svod_tariff_ids)
        if self.catalogue_tariff_id is not None:
            own.add(self.catalogue_tariff_id)
        return frozenset(own)

    @property
    def managed_tariff_ids(self) -> frozenset[int]:
        """Tariffs the sync attaches and detaches (now or at the last run, so a tariff taken out of
        the configuration is detached); others an operator adds by hand stay."""
        return self.current_tariff_ids | self.previously_managed


def build_context(system: ExternalSystem, *, run: int, config, genre_map: dict[str, int], tvod_ids: set[str] | None,
                  load_actors: bool, previously_managed: Iterable[int] = (), lease_owner: str = "") -> SyncContext:
    """Resolve the configured ids against the operator's rows (unknown ones are reported, not used)."""
    warnings = []
    tariff_ids = set(Tariff.objects.for_client(system.client_id).filter(pk__in=config.svod_tariff_ids)
                     .values_list("pk", flat=True))
    for missing in sorted(config.svod_tariff_ids - tariff_ids):
        warnings.append(f"tariff {missing} (tariff_id / additional_tariffs_ids) does not exist")
    wanted_genres = {g for g in (config.typhoid_genre_id, config.sign_language_genre_id) if g is not None}
    genres = set(Genre.objects.for_client(system.client_id).filter(pk__in=wanted_genres).values_list("pk", flat=True))
    for missing in sorted(wanted_genres - genres):
        warnings.append(f"genre {missing} (typhoid_comment_category_id / sign_language_category_id) does not exist")
    catalogue = system.tariff_id
    if catalogue is None:
        warnings.append("the integration has no catalogue tariff: titles get only the SVOD tariffs")
    elif catalogue in tariff_ids:
        # The core's access rules: an integration's catalogue tariff is listing-only.
        warnings.append(f"tariff {catalogue} is the catalogue tariff and also tariff_id / additional_tariffs_ids: "
                        "a catalogue tariff is listing-only and opens no title; give the subscription its own tariff")
    return SyncContext(
        system=system, run=run, catalogue_tariff_id=catalogue, svod_tariff_ids=frozenset(tariff_ids),
        previously_managed=frozenset(previously_managed), genre_map=genre_map,
        typhoid_genre_id=config.typhoid_genre_id if config.typhoid_genre_id in genres else None,
        sign_language_genre_id=config.sign_language_genre_id if config.sign_language_genre_id in genres else None,
        tvod_ids=tvod_ids, load_actors=load_actors, warnings=warnings, lease_owner=lease_owner,
    )


def _minutes(seconds: int) -> int:
    """MEGOGO's seconds (the kit's record unit) as the library's minutes."""
    return minutes_from_seconds(seconds)


class ChunkWriter:
    """Writes one run's chunks (see the module doc)."""

    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx

    def _begin_writing(self) -> None:
        """The first statement of each write transaction: extend this run's lease (and stop if it is
        no longer ours). Writing first also takes SQLite's write lock before anything is read, so a
        concurrent writer (another run taking the lock, the heartbeat) makes this transaction wait
        instead of failing with "database is locked" when it would upgrade from reading."""
        if not STORE.columns.extend({"external_system": self.ctx.system}, owner=self.ctx.lease_owner,
                                    seconds=LEASE_SECONDS):
            raise MegogoError("the sync lock was taken over by another run")

    # --- reading ----------------------------------------------------------------------------------
    def states(self, ext_ids: list[str]) -> dict[str, MegogoTitle]:
        return {s.ext_id: s for s in MegogoTitle.objects.filter(external_system=self.ctx.system, ext_id__in=ext_ids)}

    def sellable(self, data: TitleData) -> bool:
        category = data.price_category
        if category is None:
            return False
        if category == PriceCategory.PURCHASE and self.ctx.tvod_ids is not None:
            return data.ext_id in self.ctx.tvod_ids
        return True

    # --- titles fetched from MEGOGO ---------------------------------------------------------------
    def _fill_video(self, video: Video, data: TitleData) -> None:
        video.name = data.name
        video.name_orig = data.name_orig
        video.description = data.description
        video.year = data.year
        video.countries = data.countries
        video.duration = _minutes(data.duration)
        video.age_rating = data.age_rating if data.age_rating is None or data.age_rating < 100 else None
        video.imdb_rating = data.imdb_rating
        video.kinopoisk_rating = data.kinopoisk_rating
        video.director = data.director
        video.is_series = data.is_series
        video.cover_url = data.cover_url
        video.available = self.sellable(data)
        category = data.price_category
        if category is not None:
            video.price_category = category
        if category == PriceCategory.PURCHASE:
            # MEGOGO's prices when it gives them; otherwise the operator's, set in the admin.
            if data.buy_price is not None or data.rent_price is not None:
                video.price = data.buy_price if data.buy_price is not None else data.rent_price
            video.rent_price = data.rent_price
            if data.rent_hours:
                video.rent_hours = data.rent_hours
        if video.price is None:
            video.price = Decimal("0.00")

    def _fill_state(self, state: MegogoTitle, data: TitleData, digest: str, now) -> None:
        state.digest = digest
        state.seen_run = self.ctx.run
        state.megogo_genres = data.genres
        state.audio_description = data.audio_description
        state.sign_language = data.sign_language
        state.delivery_rules = ",".join(data.delivery_rules)[:64]
        state.sellable = self.sellable(data)
        state.cover_url = data.cover_url
        state.synced_at = now
        if self.ctx.load_actors:
            state.actors_loaded = True

    def write(self, fetched: list[Fetched], states: dict[str, MegogoTitle]) -> tuple[int, int]:
        """Store fetched titles (with their new covers); `states` gains the new rows.
        Returns (created, updated). Cover files replaced are removed once written."""
        if not fetched:
            return 0, 0
        created, updated, replaced = self._write(fetched, states)
        delete_files(replaced)
        return created, updated

    @transaction.atomic
    def _write(self, fetched: list[Fetched], states: dict[str, MegogoTitle]) -> tuple[int, int, list[str]]:
        self._begin_writing()
        ctx = self.ctx
        now = timezone.now()
        known = Video.objects.in_bulk([states[f.data.ext_id].video_id for f in fetched if f.data.ext_id in states])
        orphans = {v.ext_id: v for v in Video.objects.filter(
            client_id=ctx.client_id, external_system=ctx.system,
            ext_id__in=[f.data.ext_id for f in fetched if f.data.ext_id not in states])}
        videos: dict[str, Video] = {}
        created: list[Video] = []
        updated: list[Video] = []
        replaced: list[str] = []
        for item in fetched:
            data = item.data
            state = states.get(data.ext_id)
            video = known.get(state.video_id) if state is not None else orphans.get(data.ext_id)
            if video is None:
                video = Video(client_id=ctx.client_id, external_system=ctx.system, ext_id=data.ext_id)
                created.append(video)
            else:
                updated.append(video)
            self._fill_video(video, data)
            if item.cover is not None:
                replaced.append(video.cover.name)
                video.cover.name = item.cover.cover
            videos[data.ext_id] = video
        Video.objects.bulk_create(created, batch_size=BATCH)
        Video.objects.bulk_update(updated, VIDEO_FIELDS, batch_size=BATCH)

        new_states: list[MegogoTitle] = []
        changed_states: list[MegogoTitle] = []
        for item in fetched:
            data = item.data
            state = states.get(data.ext_id)
            if state is None:
                state = MegogoTitle(client_id=ctx.client_id, external_system=ctx.system, ext_id=data.ext_id,
                                    video=videos[data.ext_id])
                new_states.append(state)
            else:
                changed_states.append(state)
            self._fill_state(state, data, item.digest, now)
            if item.cover is not None:
                replaced += [state.thumbnail_big.name, state.thumbnail_small.name]
                state.thumbnail_big.name, state.thumbnail_small.name = item.cover.big, item.cover.small
                state.stored_cover_url = item.cover.url
        MegogoTitle.objects.bulk_create(new_states, batch_size=BATCH)
        MegogoTitle.objects.bulk_update(changed_states, TITLE_FIELDS, batch_size=BATCH)
        states.update({s.ext_id: s for s in new_states})

        by_video = {videos[f.data.ext_id].pk: f.data for f in fetched}
        self._seasons_and_files(by_video)
        if ctx.load_actors:
            self._people(by_video)
        kept = {n for f in fetched if f.cover is not None for n in (f.cover.cover, f.cover.big, f.cover.small)}
        return len(created), len(updated), [n for n in replaced if n and n not in kept]

    def _seasons_and_files(self, by_video: dict[int, TitleData]) -> None:
        """Seasons by number, episodes by (season, number), files by episode: updated in place so
        their ids (and the subscribers' viewing positions) survive a re-sync."""
        client_id = self.ctx.client_id
        video_ids = list(by_video)
        seasons = {(s.video_id, s.number): s for s in Season.objects.filter(video_id__in=video_ids)}
        wanted_seasons = {(vid, s.number): s for vid, data in by_video.items() for s in data.seasons}
        new_seasons, changed_seasons = [], []
        for key, spec in wanted_seasons.items():
            season = seasons.get(key)
            if season is None:
                season = Season(client_id=client_id, video_id=key[0], number=spec.number)
                new_seasons.append(season)
                seasons[key] = season
            elif (season.name, season.ext_id) == (spec.name[:300], spec.ext_id[:128]):
                continue
            else:
                changed_seasons.append(season)
            season.name, season.ext_id = spec.name[:300], spec.ext_id[:128]
        Season.objects.bulk_create(new_seasons, batch_size=BATCH)
        Season.objects.bulk_update(changed_seasons, ["name", "ext_id"], batch_size=BATCH)

        episodes = {(e.video_id, e.season_id, e.number): e for e in Episode.objects.filter(video_id__in=video_ids)}
        wanted_episodes = {}
        for (vid, number), spec in wanted_seasons.items():
            season_pk = seasons[(vid, number)].pk
            for episode in spec.episodes:
                wanted_episodes[(vid, season_pk, episode.number)] = episode
        new_episodes, changed_episodes = [], []
        for key, spec in wanted_episodes.items():
            episode = episodes.get(key)
            values = (spec.name[:300], spec.ext_id[:128], _minutes(spec.duration))
            if episode is None:
                episode = Episode(client_id=client_id, video_id=key[0], season_id=key[1], number=key[2])
                new_episodes.append(episode)
                episodes[key] = episode
            elif (episode.name, episode.ext_id, episode.duration) == values:
                continue
            else:
                changed_episodes.append(episode)
            episode.name, episode.ext_id, episode.duration = values
        Episode.objects.bulk_create(new_episodes, batch_size=BATCH)
        Episode.objects.bulk_update(changed_episodes, ["name", "ext_id", "duration"], batch_size=BATCH)
        gone_episodes = [e.pk for key, e in episodes.items() if key not in wanted_episodes]
        gone_seasons = [s.pk for key, s in seasons.items() if key not in wanted_seasons]
        if gone_episodes:
            Episode.objects.filter(pk__in=gone_episodes).delete()
        if gone_seasons:
            Season.objects.filter(pk__in=gone_seasons).delete()

        # Files: one per film, one per episode; files an operator added by hand are left alone.
        wanted_files: dict[tuple[int, int | None], tuple[str, int]] = {}
        for vid, data in by_video.items():
            if not data.seasons:
                wanted_files[(vid, None)] = (data.ext_id, data.duration)
        for (vid, season_pk, number), spec in wanted_episodes.items():
            wanted_files[(vid, episodes[(vid, season_pk, number)].pk)] = (spec.ext_id, spec.duration)
        files: dict[tuple[int, int | None], VideoFile] = {}
        duplicates: list[int] = []
        for f in VideoFile.objects.filter(video_id__in=video_ids, path__startswith=FILE_PREFIX):
            key = (f.video_id, f.episode_id)
            if key in files:
                duplicates.append(f.pk)
            else:
                files[key] = f
        new_files, changed_files = [], []
        for key, (ext_id, duration) in wanted_files.items():
            values = (f"{FILE_PREFIX}{ext_id}"[:500], ext_id[:128], duration)
            file = files.get(key)
            if file is None:
                new_files.append(VideoFile(client_id=client_id, video_id=key[0], episode_id=key[1], path=values[0],
                                           ext_id=values[1], duration=values[2], quality=FILM_QUALITY))
            elif (file.path, file.ext_id, file.duration) != values:
                file.path, file.ext_id, file.duration = values
                changed_files.append(file)
        VideoFile.objects.bulk_create(new_files, batch_size=BATCH)
        VideoFile.objects.bulk_update(changed_files, ["path", "ext_id", "duration"], batch_size=BATCH)
        gone_files = duplicates + [f.pk for key, f in files.items() if key not in wanted_files]
        if gone_files:
            VideoFile.objects.filter(pk__in=gone_files).delete()

    def _people(self, by_video: dict[int, TitleData]) -> None:
        """Actors and directors as the operator's people (`ext_id` "megogo:<id>"), linked to titles."""
        client_id = self.ctx.client_id
        people = {f"{PERSON_PREFIX}{p.ext_id}": p for data in by_video.values() for p in data.people}
        actors = {a.ext_id: a for a in Actor.objects.for_client(client_id).filter(ext_id__in=list(people))}
        new = []
        for key, person in people.items():
            if key not in actors:
                actor = Actor(client_id=client_id, ext_id=key, name=person.name or person.name_orig or key,
                              name_orig=person.name_orig,
                              type=PersonType.DIRECTOR if person.type == "director" else PersonType.ACTOR)
                new.append(actor)
                actors[key] = actor
        Actor.objects.bulk_create(new, batch_size=BATCH)
        wanted = {(vid, actors[f"{PERSON_PREFIX}{p.ext_id}"].pk) for vid, data in by_video.items() for p in data.people}
        self._sync_pairs(VideoActor, "actor_id", list(by_video), wanted)

    # --- every listed title -----------------------------------------------------------------------
    def wanted_genres(self, state: MegogoTitle) -> set[int]:
        overrides = set()
        if state.audio_description and self.ctx.typhoid_genre_id:
            overrides.add(self.ctx.typhoid_genre_id)
        if state.sign_language and self.ctx.sign_language_genre_id:
            overrides.add(self.ctx.sign_language_genre_id)
        if overrides:  # the product: such a title gets only its accessibility category
            return overrides
        return {self.ctx.genre_map[g] for g in state.megogo_genres if self.ctx.genre_map.get(g)}

    def wanted_tariffs(self, category: str) -> set[int]:
        wanted = set()
        if self.ctx.catalogue_tariff_id is not None:
            wanted.add(self.ctx.catalogue_tariff_id)
        if category == PriceCategory.SUBSCRIPTION:
            wanted |= self.ctx.svod_tariff_ids
        return wanted

    @staticmethod
    def _sync_pairs(through, column: str, video_ids: list[int], wanted: set[tuple[int, int]],
                    only: Iterable[int] | None = None) -> tuple[int, int]:
        """Make the (video, other) rows of an M2M table for `video_ids` equal `wanted` (the kit's
        `sync_links`)."""
        return sync_links(through, column, video_ids, wanted, only)

    @transaction.atomic
    def reconcile(self, states: list[MegogoTitle]) -> None:
        """Availability, genres, tariffs and "seen in this run" of listed titles (see the module doc)."""
        if not states:
            return
        self._begin_writing()
        ctx = self.ctx
        video_ids = [s.video_id for s in states]
        rows = {pk: (available, category) for pk, available, category in
                Video.objects.filter(pk__in=video_ids).values_list("pk", "available", "price_category")}
        enable = [s.video_id for s in states if s.sellable and rows.get(s.video_id, (True, ""))[0] is False]
        disable = [s.video_id for s in states if not s.sellable and rows.get(s.video_id, (False, ""))[0] is True]
        if enable:
            Video.objects.filter(pk__in=enable).update(available=True)
        if disable:
            Video.objects.filter(pk__in=disable).update(available=False)

        genres = {(s.video_id, g) for s in states for g in self.wanted_genres(s)}
        self._sync_pairs(VideoGenre, "genre_id", video_ids, genres)
        tariffs = {(s.video_id, t) for s in states for t in self.wanted_tariffs(rows.get(s.video_id, (0, ""))[1])}
        self._sync_pairs(VideoTariff, "tariff_id", video_ids, tariffs, only=ctx.managed_tariff_ids)

        unseen = [s.pk for s in states if s.seen_run != ctx.run]
        if unseen:
            MegogoTitle.objects.filter(pk__in=unseen).update(seen_run=ctx.run)
            for s in states:
                s.seen_run = ctx.run

    def apply_covers(self, stored: list[StoredCover], states: dict[str, MegogoTitle]) -> None:
        """Record downloaded covers, then remove the files they replace."""
        if not stored:
            return
        by_video = {states[c.ext_id].video_id: c for c in stored}
        videos = list(Video.objects.filter(pk__in=list(by_video)).only("pk", "cover"))
        replaced: list[str] = []
        changed_states = []
        for video in videos:
            cover = by_video[video.pk]
            state = states[cover.ext_id]
            replaced += [n for n in (video.cover.name, state.thumbnail_big.name, state.thumbnail_small.name)
                         if n and n not in (cover.cover, cover.big, cover.small)]
            video.cover.name = cover.cover
            state.thumbnail_big.name, state.thumbnail_small.name = cover.big, cover.small
            state.stored_cover_url = cover.url
            changed_states.append(state)
        with transaction.atomic():
            self._begin_writing()
            Video.objects.bulk_update(videos, ["cover"], batch_size=BATCH)
            MegogoTitle.objects.bulk_update(changed_states, ["thumbnail_big", "thumbnail_small", "stored_cover_url"],
                                            batch_size=BATCH)
        delete_files(replaced)


def unseen_titles(system: ExternalSystem, run: int) -> int:
    """Titles a finished run did not list left MEGOGO's catalogue: they become unavailable (kept for
    those who bought them). Returns how many were switched off."""
    gone = MegogoTitle.objects.filter(external_system=system, seen_run__lt=run).values("video_id")
    return Video.objects.filter(pk__in=gone, available=True).update(available=False)

