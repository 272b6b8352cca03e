"""Start as Smarty names it: `cinema_start_api_client`, `cinema_start_sync_content`, the old names kept,
the genre map (`StartGenreMap`) applied by the catalogue import."""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cinema_start.plugin import StartAPI
from cinema_start.models import StartGenreMap
from tests import factories
from tests.cinema_kit.conftest import make_system
from tvmiddleware.models import Genre, Video
from tvmiddleware.plugins import registry


def sync(*args: str, command: str = "cinema_start_sync_content") -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def genres_of(video: Video) -> set[str]:
    return set(video.genres.values_list("name", flat=True))


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


# --- names ---------------------------------------------------------------------------------------------

def test_smarty_name_and_old_name_both_work(client_obj, fake_partner, catalogue_tariff, svod_tariff):
    assert registry.get("cinema_start_api_client") is StartAPI
    new = make_system(client_obj, fake_partner, api_class="cinema_start_api_client", tariff=catalogue_tariff,
                      svod_tariff=svod_tariff)
    old = make_system(client_obj, fake_partner, api_class="start_api_client", tariff=catalogue_tariff,
                      svod_tariff=svod_tariff)
    premier = make_system(client_obj, fake_partner, api_class="cinema_premier_api_client", tariff=catalogue_tariff,
                          svod_tariff=svod_tariff)
    assert isinstance(new.get_api(), StartAPI) and isinstance(old.get_api(), StartAPI)
    output = sync()
    assert f"#{new.pk} " in output and f"#{old.pk} " in output and f"#{premier.pk} " not in output
    assert Video.objects.filter(external_system=old).count() == Video.objects.filter(external_system=new).count() == 25
    assert not Video.objects.filter(external_system=premier).exists()  # PREMIER has its own command


def test_the_old_command_name_still_syncs_start(start_system):
    output = sync(command="svod_partner_sync")
    assert f"#{start_system.pk} " in output and "created 25" in output


def test_nothing_to_sync_and_an_unknown_system(db):
    assert "no enabled Start integration" in sync()
    with pytest.raises(CommandError, match="no integration #999999"):
        sync("--system", "999999")


# --- the genre map -------------------------------------------------------------------------------------

def test_the_import_lists_starts_genres_and_matches_unbound_ones_by_name(start_system):
    sync()
    rows = {r.partner_genre_id: r for r in StartGenreMap.objects.for_client(start_system.client_id)}
    assert {gid: r.partner_name for gid, r in rows.items()} == {
        "1": "Comedy", "2": "Drama", "3": "Thriller", "4": "Documentary", "5": "Animation"}
    assert all(r.genre_id is None for r in rows.values())
    title = Video.objects.get(external_system=start_system, ext_id="st-1")  # genres 2 and 4
    assert genres_of(title) == {"Drama", "Documentary"}


def test_a_bound_start_genre_gives_titles_the_operators_genre(start_system, client_obj):
    humour = factories.GenreFactory(client=client_obj, name="Humour")
    StartGenreMap.objects.create(client=client_obj, partner_genre_id="1", partner_name="Comedy", genre=humour)
    sync()
    assert not Genre.objects.for_client(client_obj).filter(name="Comedy").exists()  # bound: no genre by name
    title = Video.objects.get(external_system=start_system, ext_id="st-3")  # Start genres 4 and 1
    assert genres_of(title) == {"Documentary", "Humour"}

    # rebinding moves the titles on the next sync; an unchanged run writes nothing at all
    drama = Genre.objects.for_client(client_obj).get(name="Drama")
    StartGenreMap.objects.filter(client=client_obj, partner_genre_id="1").update(genre=drama)
    sync()
    assert genres_of(title) == {"Documentary", "Drama"}
    with CaptureQueriesContext(connection) as queries:
        sync()
    assert writes(queries.captured_queries) == []


def test_the_genre_map_is_the_operators_own(start_system, client_obj):
    other = factories.ClientFactory()
    foreign = factories.GenreFactory(client=other, name="Not ours")
    StartGenreMap.objects.create(client=other, partner_genre_id="1", partner_name="Comedy", genre=foreign)
    sync()
    title = Video.objects.get(external_system=start_system, ext_id="st-3")
    assert genres_of(title) == {"Documentary", "Comedy"}  # another operator's binding changes nothing here
    assert not Video.genres.through.objects.filter(genre=foreign).exists()
    assert StartGenreMap.objects.for_client(client_obj).filter(partner_genre_id="1", genre__isnull=True).exists()


def test_a_genre_map_pointing_at_another_operators_genre_is_ignored(start_system, client_obj):
    foreign = factories.GenreFactory(client=factories.ClientFactory(), name="Not ours")
    StartGenreMap.objects.create(client=client_obj, partner_genre_id="1", partner_name="Comedy", genre=foreign)
    sync()
    title = Video.objects.get(external_system=start_system, ext_id="st-3")
    assert genres_of(title) == {"Documentary", "Comedy"}
    assert not Video.genres.through.objects.filter(genre=foreign).exists()
