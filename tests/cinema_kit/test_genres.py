"""The kit's genre map (`cinema_kit.genres.PartnerGenreMap`) and its panel page
(`cinema_kit.admin.PartnerGenreMapAdmin`), through both cinemas that use them: MEGOGO (a map per
integration) and Start (a map per operator)."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from cinema_kit.admin import MappedFilter, PartnerGenreMapAdmin
from cinema_kit.genres import PartnerGenreMap
from cinema_start.models import StartGenreMap
from megogo.models import GenreMapping
from tests import factories

pytestmark = pytest.mark.django_db


@dataclass
class Map:
    model: type[PartnerGenreMap]
    api_class: str

    def system(self, client=None):
        client = client or factories.ClientFactory()
        return factories.ExternalSystemFactory(client=client, api_class=self.api_class)

    def rows(self, system):
        return {r.partner_genre_key: r for r in self.model.objects.filter(**self.model.scope(system))}


MAPS = [Map(GenreMapping, "megogo_api_client"), Map(StartGenreMap, "cinema_start_api_client")]


@pytest.fixture(params=MAPS, ids=lambda m: m.model.__name__)
def genre_map(request) -> Map:
    return request.param


def test_listed_genres_become_unbound_rows_and_bound_ones_are_returned(genre_map):
    system = genre_map.system()
    assert genre_map.model.sync_partner_genres(system, {"1": "Comedy", "2": "Drama"}) == {}
    rows = genre_map.rows(system)
    assert {k: (r.partner_genre_title, r.genre_id, r.client_id) for k, r in rows.items()} == {
        "1": ("Comedy", None, system.client_id), "2": ("Drama", None, system.client_id)}

    humour = factories.GenreFactory(client=system.client, name="Humour")
    rows["1"].genre = humour
    rows["1"].save()
    assert genre_map.model.sync_partner_genres(system, {"1": "Comedy", "3": "Horror"}) == {"1": humour.pk}
    assert set(genre_map.rows(system)) == {"1", "2", "3"}  # a genre no longer listed keeps its row


def test_a_renamed_genre_is_refreshed_and_an_empty_name_keeps_the_old_one(genre_map):
    system = genre_map.system()
    genre_map.model.sync_partner_genres(system, {"1": "Comedy", "2": "Drama"})
    genre_map.model.sync_partner_genres(system, {"1": "Comedies", "2": ""})
    rows = genre_map.rows(system)
    assert rows["1"].partner_genre_title == "Comedies" and rows["2"].partner_genre_title == "Drama"
    assert str(rows["1"]) == "Comedies → —"


def test_ids_and_names_are_cut_to_their_columns(genre_map):
    system = genre_map.system()
    id_length = genre_map.model._meta.get_field(genre_map.model.genre_id_field).max_length
    genre_map.model.sync_partner_genres(system, {"x" * 300: "n" * 300})
    (row,) = genre_map.rows(system).values()
    assert row.partner_genre_key == "x" * id_length and row.partner_genre_title == "n" * 200


def test_a_row_listed_concurrently_is_not_an_error(genre_map, monkeypatch):
    """Another sync created the row between this one's read and its insert."""
    system = genre_map.system()
    model = genre_map.model
    original = model._default_manager.filter

    def filter_then_race(**kwargs):
        rows = list(original(**kwargs))
        model.objects.create(**{"client_id": system.client_id, **model.scope(system), model.genre_id_field: "1",
                                model.genre_name_field: "Comedy"})
        return rows

    monkeypatch.setattr(model._default_manager, "filter", filter_then_race)
    assert model.sync_partner_genres(system, {"1": "Comedy", "2": "Drama"}) == {}
    monkeypatch.undo()
    assert set(genre_map.rows(system)) == {"1"}  # the batch was refused whole; the next sync lists "2"
    model.sync_partner_genres(system, {"1": "Comedy", "2": "Drama"})
    assert set(genre_map.rows(system)) == {"1", "2"}


def test_maps_are_scoped_per_integration_or_per_operator():
    client = factories.ClientFactory()
    first, second = (Map(GenreMapping, "megogo_api_client").system(client) for _ in range(2))
    GenreMapping.sync_partner_genres(first, {"1": "Comedy"})
    GenreMapping.sync_partner_genres(second, {"1": "Comedy"})
    assert GenreMapping.objects.filter(megogo_genre_id="1").count() == 2  # one map per MEGOGO integration

    start = Map(StartGenreMap, "cinema_start_api_client")
    one, other = start.system(client), start.system(client)
    StartGenreMap.sync_partner_genres(one, {"1": "Comedy"})
    StartGenreMap.sync_partner_genres(other, {"1": "Comedies"})
    assert list(StartGenreMap.objects.values_list("partner_name", flat=True)) == ["Comedies"]  # one per operator
    StartGenreMap.sync_partner_genres(start.system(), {"1": "Comedy"})
    assert StartGenreMap.objects.count() == 2  # another operator's map


# --- the panel page ---------------------------------------------------------------------------------

def test_both_maps_have_the_kits_page_with_their_own_columns():
    megogo = admin.site._registry[GenreMapping]
    start = admin.site._registry[StartGenreMap]
    assert isinstance(megogo, PartnerGenreMapAdmin) and isinstance(start, PartnerGenreMapAdmin)
    assert megogo.list_display == ["megogo_name", "megogo_genre_id", "genre", "external_system", "updated_at"]
    assert megogo.list_filter == [MappedFilter, "external_system"]
    assert megogo.readonly_fields == ["external_system", "megogo_genre_id", "megogo_name"]
    assert start.list_display == ["partner_name", "partner_genre_id", "genre", "updated_at"]
    assert start.search_fields == ["partner_name", "partner_genre_id"] and not start.readonly_fields
    assert megogo.list_editable == start.list_editable == ["genre"]


def _request(user):
    request = RequestFactory().post("/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_only_a_map_that_the_partner_fills_refuses_adding(admin_user):
    request = _request(admin_user)
    assert not admin.site._registry[GenreMapping].has_add_permission(request)
    assert admin.site._registry[StartGenreMap].has_add_permission(request)


def test_the_same_named_genres_action_maps_unbound_rows_of_the_rows_operator(genre_map, admin_user):
    system = genre_map.system()
    existing = factories.GenreFactory(client=system.client, name="drama")
    factories.GenreFactory(name="Comedy")  # another operator's genre of that name is not used
    genre_map.model.sync_partner_genres(system, {"1": "Comedy", "2": "Drama", "3": ""})
    page = admin.site._registry[genre_map.model]
    request = _request(admin_user)
    page.map_to_same_named_genres(request, genre_map.model.objects.all())
    rows = genre_map.rows(system)
    assert rows["2"].genre == existing
    assert rows["1"].genre.name == "Comedy" and rows["1"].genre.client_id == system.client_id
    assert rows["3"].genre is None
    (message,) = [m.message for m in request._messages]
    assert message.startswith(f"2 {genre_map.model.partner_label} genre(s) mapped")


def test_the_mapped_filter(genre_map, admin_user):
    system = genre_map.system()
    genre_map.model.sync_partner_genres(system, {"1": "Comedy", "2": "Drama"})
    genre_map.model.objects.filter(**{genre_map.model.genre_id_field: "1"}).update(
        genre=factories.GenreFactory(client=system.client))
    page = admin.site._registry[genre_map.model]
    queryset = genre_map.model.objects.all()

    def keys(value):
        params = {"mapped": [value]} if value else {}
        chosen = MappedFilter(_request(admin_user), params, genre_map.model, page)
        return {r.partner_genre_key for r in chosen.queryset(None, queryset)}

    assert keys("yes") == {"1"} and keys("no") == {"2"} and keys("") == {"1", "2"}
