"""`cinema_kit.catalogue.import_catalogue`: the bulk, incremental catalogue import shared by the
cinema adapters."""
from dataclasses import replace
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cinema_kit.catalogue import EpisodeRecord, GenreRecord, SeasonRecord, TitleRecord, import_catalogue
from tests import factories
from tvmiddleware.models import Episode, ExternalSystem, Genre, Season, Video


@pytest.fixture
def system(client_obj):
    return ExternalSystem.objects.create(client=client_obj, name="Cinema", api_class="start_api_client")


def film(n: int, **changes) -> TitleRecord:
    record = TitleRecord(ext_id=f"f{n}", name=f"Film {n}", year=2000 + n, duration_seconds=90 * 60,
                         imdb_rating=Decimal("7.1"), genres=(GenreRecord("c", "Comedy"),))
    return replace(record, **changes)


def series(n: int, seasons: dict[int, list[int]]) -> TitleRecord:
    return TitleRecord(ext_id=f"s{n}", name=f"Series {n}", is_series=True, seasons=tuple(
        SeasonRecord(number=s, name=f"Season {s}", episodes=tuple(
            EpisodeRecord(number=e, name=f"E{e}", duration_seconds=40 * 60) for e in episodes)) for s, episodes in seasons.items()))


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_creates_then_writes_nothing_when_nothing_changed(system):
    titles = [film(1), film(2), series(3, {1: [1, 2], 2: [1]})]
    result = import_catalogue(system=system, titles=titles)
    assert (result.created, result.genres_created, result.episodes_written) == (3, 1, 5)

    with CaptureQueriesContext(connection) as ctx:
        again = import_catalogue(system=system, titles=titles)
    assert again.writes == 0 and again.unchanged == 3
    assert writes(ctx.captured_queries) == []


def test_updates_only_what_changed(system):
    import_catalogue(system=system, titles=[film(1), film(2)])
    before = Video.objects.get(ext_id="f2").updated_at
    result = import_catalogue(system=system, titles=[film(1, name="Film One", imdb_rating=Decimal("8")), film(2)])
    assert (result.updated, result.unchanged) == (1, 1)
    one = Video.objects.get(ext_id="f1")
    assert one.name == "Film One" and one.imdb_rating == Decimal("8.00")
    assert Video.objects.get(ext_id="f2").updated_at == before


def test_genres_are_matched_by_name_across_the_library(system, client_obj):
    comedy = factories.GenreFactory(client=client_obj, name="comedy ")
    import_catalogue(system=system, titles=[film(1, genres=(GenreRecord("9", "Comedy"), GenreRecord("8", "Noir")))])
    assert list(Video.objects.get(ext_id="f1").genres.order_by("name").values_list("name", flat=True)) == [
        "Noir", "comedy "]
    assert Genre.objects.filter(client=client_obj).count() == 2 and comedy.videos.count() == 1
    result = import_catalogue(system=system, titles=[film(1, genres=(GenreRecord("8", "Noir"),))])
    assert result.links_written == 1 and comedy.videos.count() == 0


def test_titles_leaving_and_coming_back(system):
    import_catalogue(system=system, titles=[film(1), film(2)])
    assert import_catalogue(system=system, titles=[film(1)]).hidden == 1
    assert not Video.objects.get(ext_id="f2").available
    assert import_catalogue(system=system, titles=[film(1), film(2)]).restored == 1
    assert Video.objects.get(ext_id="f2").available


def test_an_empty_feed_hides_nothing_and_a_partial_one_hides_nothing(system):
    import_catalogue(system=system, titles=[film(1), film(2)])
    assert import_catalogue(system=system, titles=[]).hidden == 0
    assert import_catalogue(system=system, titles=[film(1)], complete=False).hidden == 0
    assert Video.objects.filter(available=True).count() == 2


def test_seasons_and_episodes_follow_the_feed(system):
    import_catalogue(system=system, titles=[series(1, {1: [1, 2, 3], 2: [1, 2]})])
    renamed = replace(series(1, {1: [1, 2, 4]}), seasons=(
        replace(series(1, {1: [1, 2, 4]}).seasons[0], name="First season"),))
    result = import_catalogue(system=system, titles=[renamed])
    video = Video.objects.get(ext_id="s1")
    assert list(Season.objects.filter(video=video).values_list("number", "name")) == [(1, "First season")]
    assert list(Episode.objects.filter(video=video).values_list("number", flat=True)) == [1, 2, 4]
    # season 1 renamed, season 2 and its 2 episodes removed, episode 3 removed, episode 4 created
    assert result.episodes_written == 1 + 1 + 2 + 1 + 1


def test_tariffs_are_attached_and_other_operators_tariffs_ignored(system, client_obj, other_client):
    own = factories.TariffFactory(client=client_obj, basic_tariff_priority=0)
    foreign = factories.TariffFactory(client=other_client, basic_tariff_priority=0)
    import_catalogue(system=system, titles=[film(1)], tariffs=[own, foreign])
    assert list(Video.objects.get(ext_id="f1").tariffs.all()) == [own]
    assert import_catalogue(system=system, titles=[film(1)], tariffs=[own]).writes == 0


def test_junk_is_normalised_or_skipped(system):
    result = import_catalogue(system=system, titles=[
        film(1, year=99999, imdb_rating=Decimal("0"), cover_url="javascript:alert(1)", name="x" * 400),
        film(2, ext_id=""), film(3, name=""), film(1, name="duplicate id"),
    ])
    assert (result.created, result.skipped) == (1, 3)
    video = Video.objects.get(ext_id="f1")
    assert video.year is None and video.imdb_rating is None and video.cover_url == "" and len(video.name) == 300


def test_operators_and_integrations_are_kept_apart(system, client_obj, other_client):
    other = ExternalSystem.objects.create(client=other_client, name="Cinema", api_class="start_api_client")
    second = ExternalSystem.objects.create(client=client_obj, name="Cinema 2", api_class="premier_api_client")
    for s in (system, other, second):
        import_catalogue(system=s, titles=[film(1)])
    assert import_catalogue(system=system, titles=[film(2)]).hidden == 1
    assert Video.objects.filter(ext_id="f1", available=True).count() == 2  # the other two integrations' copies
    assert Genre.objects.filter(client=other_client).count() == 1


def test_repeated_season_and_episode_numbers_in_a_feed(system):
    record = series(1, {1: [1, 1, 2]})
    record = replace(record, seasons=record.seasons + (replace(record.seasons[0], name="Duplicate"),))
    import_catalogue(system=system, titles=[record])
    assert import_catalogue(system=system, titles=[record]).writes == 0
    video = Video.objects.get(ext_id="s1")
    assert list(Season.objects.filter(video=video).values_list("name", flat=True)) == ["Season 1"]
    assert Episode.objects.filter(video=video).count() == 2


@pytest.mark.postgres
def test_two_syncs_of_one_integration_at_once_run_one_after_the_other(system):
    """The integration's row lock serialises them: no duplicate titles, no integrity error."""
    import threading

    from django.db import connections

    titles = [film(n) for n in range(1, 201)]
    errors: list[Exception] = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            start.wait()
            import_catalogue(system=system, titles=titles)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Video.objects.filter(external_system=system).count() == 200
