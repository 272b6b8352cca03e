"""One catalogue sync of a MEGOGO integration (`megogo_sync_content`, `megogo.tasks.sync_all`).

1. take the integration's lock (`lease`); a second run exits with a message;
2. `configuration`: MEGOGO's genres become rows of the genre map (the operator binds them);
3. the TVOD collection (`available_tvod_collection_id`): which purchase titles can be sold;
4. the listing, chunk by chunk: titles whose digest changed (or that are new) are fetched with
   `video/info` by a thread pool, which also downloads and thumbnails covers whose address
   changed; the main thread writes each chunk in batched statements and reconciles every listed
   title (availability, genres, tariffs) without asking MEGOGO. The pool fetches chunk k+1 while
   chunk k is written, so MEGOGO's latency overlaps the database work;
5. collections become selections of the imported titles;
6. titles the complete listing did not contain become unavailable.
Memory stays bounded: at most two chunks are held; the database is written from one thread.
"""
from __future__ import annotations

import logging
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import IO, TYPE_CHECKING, Any, Iterable, Iterator

from django.conf import settings
from django.utils import timezone

from ..client import MegogoError
from ..models import GenreMapping, MegogoTitle
from . import lease as sync_lease
from .covers import CoverError, StoredCover, store_cover
from .listing import Entry, Listing
from .parse import TitleData, parse_title
from .selections import collection_ids, sync_selections
from .writer import ChunkWriter, SyncContext, build_context, unseen_titles

if TYPE_CHECKING:
    from ..plugin import MegogoAPI

logger = logging.getLogger("megogo.sync")

DEFAULT_WORKERS = 24
DEFAULT_CHUNK = 400
DEFAULT_REFRESH_DAYS = 7


@dataclass
class SyncSummary:
    """Counters of one run; `line()` is the summary written to the logs."""

    system_id: int = 0
    run: int = 0
    listed: int = 0
    fetched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    unavailable: int = 0
    covers: int = 0
    cover_errors: int = 0
    errors: int = 0
    genres: int = 0
    selections: int = 0
    seconds: float = 0.0
    complete: bool = False
    warnings: list[str] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)  # seconds spent per step, for tuning

    def timed(self, phase: str, started: float) -> None:
        self.phases[phase] = self.phases.get(phase, 0.0) + time.monotonic() - started

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        state = "complete" if self.complete else "INCOMPLETE (nothing marked unavailable)"
        return (f"megogo sync of integration #{self.system_id} run {self.run}: {state}; listed {self.listed}, "
                f"fetched {self.fetched} (created {self.created}, updated {self.updated}), unchanged "
                f"{self.unchanged}, unavailable now {self.unavailable}, covers {self.covers} "
                f"(failed {self.cover_errors}), errors {self.errors}, MEGOGO genres {self.genres}, selections "
                f"{self.selections}, {self.seconds:.1f} s")


class Progress:
    """A one-line progress bar on a terminal (stderr), silent otherwise."""

    def __init__(self, stream: IO[str] | None, label: str) -> None:
        self.stream = stream if stream is not None and stream.isatty() else None
        self.label = label
        self.total: int | None = None
        self.done = 0
        self.started = time.monotonic()
        self._shown = 0.0

    def advance(self, n: int, *, force: bool = False) -> None:
        self.done += n
        if self.stream is None:
            return
        now = time.monotonic()
        if not force and now - self._shown < 0.2:
            return
        self._shown = now
        rate = self.done / max(now - self.started, 1e-6)
        if self.total:
            share = min(self.done / self.total, 1.0)
            bar = "#" * int(share * 30)
            text = f"\r{self.label} [{bar:<30}] {self.done}/{self.total} titles ({share:.0%}), {rate:.0f}/s "
        else:
            text = f"\r{self.label} {self.done} titles, {rate:.0f}/s "
        self.stream.write(text)
        self.stream.flush()

    def finish(self) -> None:
        if self.stream is not None:
            self.advance(0, force=True)
            self.stream.write("\n")
            self.stream.flush()


@dataclass
class Fetched:
    """A changed title as fetched: its data, listing digest, and its new cover (if it changed)."""

    data: TitleData
    digest: str
    cover: StoredCover | None
    cover_failed: bool


@dataclass
class Pending:
    """A chunk whose fetches are under way."""

    entries: list[Entry]
    fetches: dict[str, Future] = field(default_factory=dict)  # ext_id → Future[Fetched | None]
    covers: dict[str, Future] = field(default_factory=dict)  # ext_id → Future[StoredCover | None]


def _chunks(entries: Iterable[Entry], size: int) -> Iterator[list[Entry]]:
    chunk: dict[str, Entry] = {}
    for entry in entries:
        chunk[entry.ext_id] = entry  # a title listed twice in a chunk counts once
        if len(chunk) >= size:
            yield list(chunk.values())
            chunk = {}
    if chunk:
        yield list(chunk.values())


class SyncRun:
    """The work of one run, given its lease (see the module doc)."""

    def __init__(self, api: "MegogoAPI", lease: sync_lease.Lease, *, load_actor_info: bool, full: bool,
                 workers: int, chunk_size: int, progress: Progress) -> None:
        self.api = api
        self.system = api.external_system
        self.client = api.megogo
        self.config = api.config
        self.lease = lease
        self.full = full
        self.load_actors = load_actor_info
        self.workers = workers
        self.chunk_size = chunk_size
        self.progress = progress
        self.summary = SyncSummary(system_id=self.system.pk, run=lease.run)
        refresh_days = getattr(settings, "MEGOGO_SYNC_REFRESH_DAYS", DEFAULT_REFRESH_DAYS)
        self.refresh_before = timezone.now() - timedelta(days=refresh_days)
        self.ctx: SyncContext | None = None

    # --- steps ------------------------------------------------------------------------------------
    def genre_map(self, configuration: dict) -> dict[str, int]:
        """List MEGOGO's genres in the genre map; returns {MEGOGO genre id: operator genre id} of bound rows."""
        genres = {}
        for item in configuration.get("genres") or []:
            if isinstance(item, dict) and item.get("id") not in (None, ""):
                genres[str(item["id"])] = str(item.get("title") or item.get("name") or "")
        self.summary.genres = len(genres)
        return GenreMapping.sync_partner_genres(self.system, genres)

    def tvod_ids(self) -> set[str] | None:
        if not self.config.tvod_collection_id:
            return None
        return set(collection_ids(self.client.collection(self.config.tvod_collection_id)))

    def categories(self, configuration: dict) -> list[str]:
        return [str(c["id"]) for c in configuration.get("categories") or []
                if isinstance(c, dict) and c.get("id") not in (None, "")]

    def work(self, entry: Entry, stored_cover_url: str) -> Fetched | None:
        """Pool task for one changed title: `video/info`, then its cover when the address changed."""
        try:
            data = parse_title(self.client.video_info(entry.ext_id), entry.ext_id)
        except MegogoError as exc:
            logger.warning("megogo sync: video/info %s failed: %s", entry.ext_id, exc)
            return None
        cover = None
        if data.cover_url and data.cover_url != stored_cover_url:
            cover = self.cover(entry.ext_id, data.cover_url)
        return Fetched(data=data, digest=entry.digest, cover=cover,
                       cover_failed=bool(data.cover_url and data.cover_url != stored_cover_url and cover is None))

    def cover(self, ext_id: str, url: str) -> StoredCover | None:
        try:
            return store_cover(self.system.pk, ext_id, url, self.client.download(url))
        except (MegogoError, CoverError, OSError) as exc:
            logger.warning("megogo sync: cover of %s (%s) failed: %s", ext_id, url, exc)
            return None

    def needs_fetch(self, entry: Entry, state: MegogoTitle | None) -> bool:
        if state is None or self.full or state.digest != entry.digest:
            return True
        if self.load_actors and not state.actors_loaded:
            return True
        return state.synced_at is None or state.synced_at < self.refresh_before

    def prepare(self, pool: ThreadPoolExecutor, writer: ChunkWriter, entries: list[Entry]) -> Pending:
        """Stage 1 (main thread, then the pool): decide what to fetch and start fetching it."""
        t = time.monotonic()
        states = writer.states([e.ext_id for e in entries])
        pending = Pending(entries=entries)
        for entry in entries:
            state = states.get(entry.ext_id)
            if state is not None and state.seen_run == self.lease.run:
                continue  # listed already in this run (another category)
            if self.needs_fetch(entry, state):
                pending.fetches[entry.ext_id] = pool.submit(self.work, entry,
                                                            state.stored_cover_url if state else "")
            elif state.cover_url and state.cover_url != state.stored_cover_url:  # a cover that failed before
                pending.covers[entry.ext_id] = pool.submit(self.cover, entry.ext_id, state.cover_url)
        self.summary.timed("read states", t)
        return pending

    def complete(self, writer: ChunkWriter, pending: Pending) -> None:
        """Stage 2 (main thread): wait for the chunk's fetches and write it."""
        summary, t = self.summary, time.monotonic()
        results = {ext_id: future.result() for ext_id, future in pending.fetches.items()}
        retried = {ext_id: future.result() for ext_id, future in pending.covers.items()}
        summary.timed("waiting for MEGOGO", t)
        t = time.monotonic()
        states = writer.states([e.ext_id for e in pending.entries])  # again: an earlier chunk may have added some
        fresh = [e for e in pending.entries
                 if states.get(e.ext_id) is None or states[e.ext_id].seen_run != self.lease.run]
        summary.listed += len(fresh)  # a title listed in two categories counts once
        fetched = [results[e.ext_id] for e in fresh if results.get(e.ext_id) is not None]
        summary.errors += sum(1 for e in fresh if e.ext_id in results and results[e.ext_id] is None)
        summary.fetched += len(fetched)
        summary.unchanged += sum(1 for e in fresh if e.ext_id not in results)
        created, updated = writer.write(fetched, states)
        summary.created += created
        summary.updated += updated
        summary.timed("write titles", t)
        t = time.monotonic()
        writer.reconcile([states[e.ext_id] for e in fresh if e.ext_id in states])
        stored = [cover for cover in retried.values() if cover is not None]
        writer.apply_covers([c for c in stored if c.ext_id in states], states)
        summary.timed("reconcile", t)
        summary.covers += sum(1 for f in fetched if f.cover is not None) + len(stored)
        summary.cover_errors += sum(1 for f in fetched if f.cover_failed) + len(retried) - len(stored)
        self.progress.advance(len(pending.entries))

    def chunks(self, pool: ThreadPoolExecutor, writer: ChunkWriter, listing: Listing) -> None:
        """Chunk k+1 is fetched by the pool while chunk k is written (and the listing read)."""
        chunks = _chunks(listing, self.chunk_size)
        pending: Pending | None = None
        while True:
            t = time.monotonic()
            entries = next(chunks, None)
            self.summary.timed("listing", t)
            if self.lease.lost.is_set():
                raise MegogoError("the sync lock was taken over by another run")
            following = self.prepare(pool, writer, entries) if entries is not None else None
            if pending is not None:
                self.complete(writer, pending)
            if following is None:
                break
            pending = following

    def run(self) -> SyncSummary:
        started = time.monotonic()
        configuration = self.client.configuration()
        genre_map = self.genre_map(configuration)
        tvod_ids = self.tvod_ids()
        previous = sync_lease.SyncLease.objects.filter(external_system=self.system).values_list(
            "managed_tariff_ids", flat=True).first() or []
        self.ctx = build_context(self.system, run=self.lease.run, config=self.config, genre_map=genre_map,
                                 tvod_ids=tvod_ids, load_actors=self.load_actors, previously_managed=previous,
                                 lease_owner=self.lease.owner)
        self.summary.warnings = list(self.ctx.warnings)
        for warning in self.ctx.warnings:
            logger.warning("megogo sync of integration #%s: %s", self.system.pk, warning)
        writer = ChunkWriter(self.ctx)
        listing = Listing(self.client, categories=self.categories(configuration), tvod_ids=tvod_ids,
                          use_feed=bool(self.config.xml_url))
        listing.start()
        self.progress.total = listing.total
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="megogo-sync") as pool:
            try:
                self.chunks(pool, writer, listing)
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)  # queued fetches are dropped, running ones end
                raise
        self.progress.finish()
        t = time.monotonic()
        self.summary.selections = sync_selections(self.client, self.system, skip_ids={self.config.tvod_collection_id})
        self.summary.timed("selections", t)
        if self.summary.listed:
            self.summary.unavailable = unseen_titles(self.system, self.lease.run)
            self.summary.complete = True
        else:
            self.summary.warnings.append("MEGOGO listed no titles: nothing was marked unavailable")
        self.summary.seconds = time.monotonic() - started
        return self.summary


def run_sync(api: "MegogoAPI", *, load_actor_info: bool = False, full: bool = False, workers: int | None = None,
             chunk_size: int | None = None, progress_stream: IO[str] | None = None) -> SyncSummary:
    """Sync one integration's catalogue. Raises `SyncAlreadyRunning` when another run holds it,
    `MegogoError` when MEGOGO cannot be read (titles written so far stay; nothing is marked
    unavailable)."""
    workers = workers or getattr(settings, "MEGOGO_SYNC_WORKERS", DEFAULT_WORKERS)
    chunk_size = chunk_size or getattr(settings, "MEGOGO_SYNC_CHUNK", DEFAULT_CHUNK)
    progress = Progress(progress_stream if progress_stream is not None else sys.stderr,
                        f"MEGOGO {api.external_system.name}")
    lease = sync_lease.acquire(api.external_system)
    run = SyncRun(api, lease, load_actor_info=load_actor_info, full=full, workers=workers, chunk_size=chunk_size,
                  progress=progress)
    summary = run.summary
    try:
        with sync_lease.Heartbeat(lease):
            summary = run.run()
    except BaseException as exc:  # also Ctrl-C: the lock is released, not left to expire
        progress.finish()
        summary.seconds = time.monotonic() - progress.started
        reason = str(exc) or type(exc).__name__
        summary.warnings.append(f"stopped: {reason}")
        logger.error("%s; stopped: %s", summary.line(), reason)
        sync_lease.release(lease, summary=f"{summary.line()}; stopped: {reason}")
        raise
    finally:
        api.megogo.close()
    logger.info(summary.line())
    # Listed titles now carry only the current tariffs: earlier ones need no more looking after.
    sync_lease.release(lease, summary=summary.line(), managed_tariff_ids=sorted(run.ctx.current_tariff_ids))
    return summary
