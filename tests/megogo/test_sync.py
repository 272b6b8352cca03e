"""`megogo_sync_content`: import, covers, incremental re-sync, genre map, selections, actors, removal."""
from __future__ import annotations

import io
import logging
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone
from PIL import Image

from megogo.models import GenreMapping, MegogoTitle, SyncLease
from megogo.sync.covers import THUMBNAIL_SIZES
from megogo.sync.runner import run_sync
from tests import factories
from tvmiddleware.models import Actor, Episode, PriceCategory, Season, Selection, Video, VideoFile


def sync(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("megogo_sync_content", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def video(ext_id) -> Video:
    return Video.objects.get(ext_id=str(ext_id))


def calls(fake, method: str) -> int:
    return fake.requests[f"/v1/{method}"]


def cover_downloads(fake) -> int:
    return sum(n for path, n in fake.requests.items() if path.startswith("/covers/"))


def tariff_ids(v: Video) -> set[int]:
    return set(v.tariffs.values_list("pk", flat=True))


class TestFirstSync:
    def test_imports_titles_with_their_fields(self, megogo):
        output = sync()
        assert "megogo sync of integration" in output and "complete" in output and "listed 6" in output

        film = video(1001)
        assert (film.name, film.name_orig, film.year, film.external_system_id) == (
            "Svod film", "Original 1001", 2015, megogo.system.pk)
        assert film.countries == "Ukraine, USA" and film.duration == round((5400 + 1001 % 1800) / 60)
        assert film.age_rating == (1001 % 4) * 6 and film.imdb_rating == Decimal("5.10")
        assert film.director == "Director 101" and film.description.startswith("Story of title 1001.")
        assert film.price_category == PriceCategory.SUBSCRIPTION and film.available
        assert tariff_ids(film) == {megogo.catalogue.pk, megogo.svod.pk, megogo.mixed.pk}
        assert list(film.files.values_list("path", "ext_id")) == [("megogo:1001", "1001")]

        tvod = video(1002)
        assert tvod.price_category == PriceCategory.PURCHASE and tvod.available
        assert (tvod.price, tvod.rent_price, tvod.rent_hours) == (Decimal("99.00"), Decimal("39.00"), 48)
        assert tariff_ids(tvod) == {megogo.catalogue.pk}

        free = video(1003)
        assert free.price_category == PriceCategory.FREE and tariff_ids(free) == {megogo.catalogue.pk}
        assert not video(1004).available  # a TVOD title outside the TVOD collection is not sold here

    def test_series_get_seasons_episodes_and_a_file_per_episode(self, megogo):
        sync()
        series = video(2001)
        assert series.is_series
        assert list(Season.objects.filter(video=series).values_list("number", "name")) == [
            (1, "Season 1"), (2, "Season 2")]
        episodes = Episode.objects.filter(video=series)
        assert episodes.count() == 6
        files = VideoFile.objects.filter(video=series)
        assert files.count() == 6 and not files.filter(episode__isnull=True).exists()
        first = episodes.get(season__number=1, number=1)
        assert first.files.get().ext_id == first.ext_id == "200101001"

    def test_covers_and_thumbnails(self, megogo):
        sync()
        film = video(1001)
        state = film.megogo
        assert film.cover and default_storage.exists(film.cover.name)
        assert film.cover_url == megogo.fake.cover_url("1001")
        for name, box in THUMBNAIL_SIZES.items():
            with default_storage.open(getattr(state, f"thumbnail_{name}").name) as handle:
                width, height = Image.open(handle).size
            assert width <= box[0] and height <= box[1] and max(width / box[0], height / box[1]) > 0.95
        assert cover_downloads(megogo.fake) == 6

    def test_genre_map_rows_selections_and_no_actors(self, megogo):
        sync()
        assert GenreMapping.objects.filter(external_system=megogo.system, genre__isnull=True).count() == 10
        assert not video(1001).genres.exists()
        new = Selection.objects.get(external_system=megogo.system, ext_id="301")
        assert new.name == "New"
        assert list(new.items.values_list("video__ext_id", flat=True)) == ["2001", "1001", "1002"]
        assert not Selection.objects.filter(ext_id="900").exists()  # the TVOD collection is not a shelf
        assert not Actor.objects.exists() and not video(1001).actors.exists()


class TestResync:
    def test_unchanged_catalogue_fetches_and_writes_nothing(self, megogo):
        sync()
        before = {v.pk: v.updated_at for v in Video.objects.all()}
        megogo.fake.requests.clear()
        output = sync()
        assert "fetched 0" in output and "unchanged 6" in output and "covers 0" in output
        assert calls(megogo.fake, "video/info") == 0 and cover_downloads(megogo.fake) == 0
        assert {v.pk: v.updated_at for v in Video.objects.all()} == before

    def test_changed_titles_are_fetched_again(self, megogo):
        sync()
        megogo.fake.update_title(1001, title="Renamed")
        megogo.fake.requests.clear()
        sync()
        assert calls(megogo.fake, "video/info") == 1 and cover_downloads(megogo.fake) == 0
        assert video(1001).name == "Renamed"

    def test_a_new_cover_replaces_the_old_files(self, megogo):
        sync()
        old = video(1003).cover.name
        megogo.fake.change_cover(1003)
        megogo.fake.requests.clear()
        sync()
        assert cover_downloads(megogo.fake) == 1
        assert video(1003).cover.name != old and not default_storage.exists(old)

    def test_titles_that_left_the_catalogue_become_unavailable_and_come_back(self, megogo):
        sync()
        info = megogo.fake.titles["1003"]
        megogo.fake.remove_title(1003)
        assert "unavailable now 1" in sync()
        assert not video(1003).available
        megogo.fake.titles["1003"] = info
        sync()
        assert video(1003).available

    def test_a_failed_listing_marks_nothing_unavailable(self, megogo, monkeypatch):
        sync()
        monkeypatch.setattr("megogo.client.RETRY_PAUSES", (0.01, 0.01))
        megogo.fake.api_down = True
        with pytest.raises(CommandError, match="MEGOGO sync failed"):
            sync()
        assert Video.objects.filter(available=True).count() == 5
        assert "stopped" in SyncLease.objects.get(external_system=megogo.system).last_summary
        megogo.fake.api_down = False
        assert "complete" in sync()  # the lock was released

    def test_series_episodes_are_updated_in_place(self, megogo):
        sync()
        series = video(2001)
        kept = VideoFile.objects.get(video=series, ext_id="200101001").pk
        info = megogo.fake.titles["2001"]
        season = info["season_list"][0]
        season["episode_list"] = season["episode_list"][:2]
        season["episode_list"][0]["title"] = "Pilot"
        megogo.fake.update_title(2001)
        sync()
        assert Episode.objects.filter(video=series).count() == 5
        assert Episode.objects.get(video=series, season__number=1, number=1).name == "Pilot"
        assert VideoFile.objects.get(video=series, ext_id="200101001").pk == kept
        assert VideoFile.objects.filter(video=series).count() == 5

    def test_a_failed_cover_is_retried_by_the_next_run(self, megogo):
        good = megogo.fake.covers
        megogo.fake.covers = [b"not an image"]
        assert "(failed 6)" in sync()
        megogo.fake.covers = good
        megogo.fake.requests.clear()
        sync()
        assert calls(megogo.fake, "video/info") == 0 and cover_downloads(megogo.fake) == 6
        assert video(1001).cover


class TestGenresAndCategories:
    def test_the_genre_map_is_applied_on_the_next_sync(self, megogo):
        sync()
        drama = factories.GenreFactory(client=megogo.client, name="Drama")
        comedy = factories.GenreFactory(client=megogo.client, name="Comedy")
        GenreMapping.objects.filter(megogo_genre_id="1").update(genre=drama)
        GenreMapping.objects.filter(megogo_genre_id="2").update(genre=comedy)
        megogo.fake.requests.clear()
        sync()
        assert calls(megogo.fake, "video/info") == 0  # applied without asking MEGOGO again
        assert set(video(1001).genres.all()) == {drama, comedy}
        assert set(video(1002).genres.all()) == {comedy}
        GenreMapping.objects.filter(megogo_genre_id="2").update(genre=None)
        sync()
        assert set(video(1001).genres.all()) == {drama}

    def test_audio_description_and_sign_language_categories_replace_the_genres(self, megogo):
        drama = factories.GenreFactory(client=megogo.client, name="Drama")
        described = factories.GenreFactory(client=megogo.client, name="With audio description")
        signed = factories.GenreFactory(client=megogo.client, name="Sign language")
        sync()
        GenreMapping.objects.filter(megogo_genre_id="1").update(genre=drama)
        megogo.set_attribute("typhoid_comment_category_id", str(described.pk))
        megogo.set_attribute("sign_language_category_id", str(signed.pk))
        megogo.fake.update_title(1001, sign_language=True)
        sync()
        assert set(video(1005).genres.all()) == {described}
        assert set(video(1001).genres.all()) == {signed}

    def test_tariffs_follow_the_configuration(self, megogo):
        sync()
        other = factories.TariffFactory(client=megogo.client, name="Other SVOD")
        megogo.set_attribute("additional_tariffs_ids", str(other.pk))
        manual = factories.TariffFactory(client=megogo.client, name="Promo")
        video(1001).tariffs.add(manual)
        sync()
        assert tariff_ids(video(1001)) == {megogo.catalogue.pk, megogo.svod.pk, other.pk, manual.pk}
        assert megogo.mixed.pk not in tariff_ids(video(2001))


class TestActorsAndFeed:
    def test_actors_only_with_load_actor_info(self, megogo):
        sync()
        assert not Actor.objects.exists()
        megogo.fake.requests.clear()
        sync("--load_actor_info")
        assert calls(megogo.fake, "video/info") == 6  # titles synced without people are fetched once
        film = video(1001)
        assert set(film.actors.values_list("name", "type")) == {
            ("Actor 1003", "actor"), ("Actor 1004", "actor"), ("Director 101", "director")}
        assert Actor.objects.filter(client=megogo.client, ext_id__startswith="megogo:").count() > 6
        megogo.fake.requests.clear()
        sync("--load_actor_info")
        assert calls(megogo.fake, "video/info") == 0

    def test_listing_from_the_xml_feed(self, megogo):
        megogo.set_attribute("xml_url", megogo.fake.xml_url)
        output = sync()
        assert "listed 6" in output and megogo.fake.requests["/feeds/all_mgg.xml"] == 1
        assert calls(megogo.fake, "video") == 0
        megogo.fake.requests.clear()
        assert "unchanged 6" in sync()
        megogo.fake.update_title(1003, title="Changed")
        megogo.fake.requests.clear()
        sync()
        assert calls(megogo.fake, "video/info") == 1 and video(1003).name == "Changed"


class TestRunning:
    def test_progress_bar_on_a_terminal_and_summary_in_the_logs(self, megogo, caplog):
        class Terminal(io.StringIO):
            def isatty(self):
                return True

        terminal = Terminal()
        with caplog.at_level(logging.INFO, logger="megogo.sync"):
            run_sync(megogo.api(), progress_stream=terminal)
        assert "\r" in terminal.getvalue() and "6/6 titles (100%)" in terminal.getvalue()
        assert any("megogo sync of integration" in r.getMessage() and "listed 6" in r.getMessage()
                   for r in caplog.records)
        quiet = io.StringIO()
        run_sync(megogo.api(), progress_stream=quiet)
        assert quiet.getvalue() == ""

    def test_a_second_run_exits_with_a_message_while_one_is_going(self, megogo):
        from megogo.sync import lease

        held = lease.acquire(megogo.system)
        megogo.fake.requests.clear()
        output = sync()
        assert "Another megogo_sync_content run is syncing MEGOGO" in output
        assert calls(megogo.fake, "configuration") == 0
        lease.release(held)
        assert "complete" in sync()

    def test_a_crashed_runs_lock_expires(self, megogo):
        from megogo.sync import lease

        lease.acquire(megogo.system, seconds=-1)  # as if its holder died long ago
        assert "complete" in sync()

    def test_celery_task(self, megogo):
        from megogo.tasks import sync_all

        result = sync_all.delay().get()
        assert result[0]["system_id"] == megogo.system.pk and "listed 6" in result[0]["summary"]

    def test_no_integration(self, db):
        with pytest.raises(CommandError, match="No enabled integration"):
            sync()

    def test_titles_records(self, megogo):
        sync()
        state = MegogoTitle.objects.get(ext_id="1002")
        assert state.delivery_rules == "dto,tvod" and state.sellable and state.synced_at


class TestLock:
    def test_a_lease_taken_over_is_noticed(self, megogo):
        from megogo.sync import lease

        held = lease.acquire(megogo.system)
        assert lease.extend(held) and not held.lost.is_set()
        SyncLease.objects.update(owner="someone else")
        assert not lease.extend(held) and held.lost.is_set()

    # The heartbeat's own connection must see the committed lease. Transactional tests are ordered
    # after the others; the reference rows they flush (device types) come back through post_migrate.
    @pytest.mark.postgres
    @pytest.mark.django_db(transaction=True)
    def test_the_heartbeat_keeps_the_lease(self, megogo):
        from megogo.sync import lease

        held = lease.acquire(megogo.system, seconds=1)
        with lease.Heartbeat(held, interval=0.05, seconds=60):
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                if SyncLease.objects.get().expires_at > timezone.now() + timedelta(seconds=30):
                    break
                time.sleep(0.05)
        assert SyncLease.objects.get().expires_at > timezone.now() + timedelta(seconds=30)

    @pytest.mark.postgres
    @pytest.mark.django_db(transaction=True)
    def test_two_runs_at_once_one_syncs_the_other_exits(self, megogo):
        from django.db import connection

        from megogo.sync.lease import SyncAlreadyRunning

        megogo.fake.delay = 0.05
        barrier = threading.Barrier(2)
        results: dict[int, object] = {}

        def worker(n: int) -> None:
            barrier.wait()
            try:
                results[n] = run_sync(megogo.api()).complete
            except SyncAlreadyRunning as exc:
                results[n] = str(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        outcomes = sorted(results.values(), key=lambda v: isinstance(v, str))
        assert outcomes[0] is True and "Another megogo_sync_content run is syncing" in outcomes[1]
        assert Video.objects.count() == 6
