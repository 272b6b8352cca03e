"""`tvzavr_sync_content` against the fake tvzavr: paged, signed, incremental import."""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.tvzavr.conftest import set_attributes
from tests.tvzavr.fakes import make_clips
from tvmiddleware.models import Episode, Genre, Season, Video


def sync(*args: str) -> str:
    out = StringIO()
    call_command("tvzavr_sync_content", *args, stdout=out)
    return out.getvalue()


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_first_sync_imports_every_page_with_genres_series_and_tariffs(tvzavr_system, fake_tvzavr, catalogue_tariff,
                                                                      svod_tariff):
    output = sync()

    assert "created 25" in output and "tvzavr_api_client" in output
    assert fake_tvzavr.calls("/catalog/get") == 3  # pages of 10, 10, 5
    assert fake_tvzavr.bad_signs == 0
    videos = Video.objects.filter(external_system=tvzavr_system)
    assert videos.count() == 25 and not videos.filter(available=False).exists()
    film = videos.get(ext_id="1")
    assert (film.name, film.name_orig, film.year, film.duration) == ("Фильм 1", "Film 1", 1991, 91)
    assert str(film.imdb_rating) == "5.10" and film.cover_url == "https://static.tvzavr.example/1.jpg"
    assert film.countries == "Россия, США"
    assert sorted(g.name for g in film.genres.all()) == ["Драма", "Триллер"]
    assert set(film.tariffs.all()) == {catalogue_tariff, svod_tariff}
    serial = videos.get(ext_id="10")
    assert serial.is_series
    assert Season.objects.filter(video=serial).count() == 2
    assert Episode.objects.filter(video=serial).count() == 8
    assert Genre.objects.filter(client=tvzavr_system.client).count() == 4


def test_a_second_sync_of_an_unchanged_catalogue_writes_nothing(tvzavr_system):
    sync()
    with CaptureQueriesContext(connection) as ctx:
        output = sync()
    assert "created 0, updated 0, unchanged 25, hidden 0" in output
    assert writes(ctx.captured_queries) == []


def test_changes_gone_and_returning_titles(tvzavr_system, fake_tvzavr):
    sync()
    fake_tvzavr.clips[0]["clip__name"] = "Фильм 1 (режиссёрская версия)"
    del fake_tvzavr.clips[-3:]  # 23, 24, 25 leave tvzavr
    output = sync()
    assert "created 0, updated 1, unchanged 21, hidden 3" in output
    assert Video.objects.get(external_system=tvzavr_system, ext_id="1").name == "Фильм 1 (режиссёрская версия)"
    assert set(Video.objects.filter(external_system=tvzavr_system, available=False)
               .values_list("ext_id", flat=True)) == {"23", "24", "25"}

    fake_tvzavr.clips.extend(make_clips(2, start=24))  # 24 and 25 come back
    output = sync()
    assert "restored 2" in output
    assert list(Video.objects.filter(external_system=tvzavr_system, available=False)
                .values_list("ext_id", flat=True)) == ["23"]


def test_a_failure_half_way_writes_nothing_and_fails_the_command(tvzavr_system, fake_tvzavr):
    fake_tvzavr.fail_from_offset = 10
    with pytest.raises(CommandError, match="1 integration"):
        sync()
    assert not Video.objects.filter(external_system=tvzavr_system).exists()


def test_a_wrong_secret_is_refused_by_tvzavr(tvzavr_system, fake_tvzavr):
    set_attributes(tvzavr_system, secret="not-the-secret")
    with pytest.raises(CommandError):
        sync()
    assert fake_tvzavr.bad_signs == 1


def test_system_option(tvzavr_system, other_client):
    assert "created 25" in sync("--system", str(tvzavr_system.pk))
    with pytest.raises(CommandError, match="no integration"):
        sync("--system", "999999")
    tvzavr_system.enabled = False
    tvzavr_system.save()
    with pytest.raises(CommandError, match="disabled"):
        sync("--system", str(tvzavr_system.pk))
    assert "no enabled tvzavr integration" in sync()


def test_a_large_catalogue_is_imported_in_bulk_and_a_second_run_writes_nothing(client_obj, catalogue_tariff,
                                                                                svod_tariff):
    """5,000 clips (500 serials of 8 episodes): the first run creates them in batches; the second,
    over the same catalogue, reads in a fixed number of queries and writes nothing."""
    from tests.tvzavr.conftest import set_attributes as configure
    from tests.tvzavr.fakes import PACKAGE, PLF, SECRET, FakeTvzavr
    from tvmiddleware.models import ExternalSystem

    fake = FakeTvzavr.large(5000, max_limit=500).start()
    try:
        system = ExternalSystem.objects.create(client=client_obj, name="tvzavr", api_class="tvzavr_api_client",
                                               tariff=catalogue_tariff)
        configure(system, tvzavr_tariff_id=PACKAGE, plf=PLF, secret=SECRET, subscription_tariff_id=svod_tariff.pk,
                  api_url=fake.url, page_size=500)
        with CaptureQueriesContext(connection) as first_run:
            assert "created 5000" in sync()
        assert Video.objects.filter(external_system=system, available=True).count() == 5000
        assert Episode.objects.filter(video__external_system=system).count() == 4000
        assert Video.tariffs.through.objects.filter(video__external_system=system).count() == 10_000
        assert len(first_run.captured_queries) < 500  # batched (SQLite caps a batch at 999 parameters), not per title

        with CaptureQueriesContext(connection) as second_run:
            output = sync()
        assert "created 0, updated 0, unchanged 5000, hidden 0, restored 0, genres_created 0, links_written 0, " \
               "episodes_written 0" in output
        assert writes(second_run.captured_queries) == []
        assert len(second_run.captured_queries) < 20
        assert fake.calls("/catalog/get") == 2 * 11  # 10 full pages and an empty one, twice
    finally:
        fake.stop()
