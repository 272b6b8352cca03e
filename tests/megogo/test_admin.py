"""The operator panel's MEGOGO screens: the genre map (editable, scoped to the operator), records."""
import pytest

from megogo.models import GenreMapping, MegogoSubscriber, MegogoTitle, SyncLease
from tests import factories
from tests.admin_factories import admin_url, change_url
from tests.megogo.conftest import run_sync

pytest_plugins = ["tests.admin_factories"]


@pytest.fixture
def panel(megogo, client):
    """Staff of the MEGOGO operator, with the operator group's permissions."""
    from tests.admin_factories import make_staff

    run_sync(megogo)
    user = make_staff(megogo.client)
    client.force_login(user)
    return client


def test_staff_map_genres_in_the_list(panel, megogo):
    drama = factories.GenreFactory(client=megogo.client, name="Drama")
    foreign = factories.GenreFactory(name="Other operator's")
    rows = list(GenreMapping.objects.filter(external_system=megogo.system).order_by("pk")[:2])
    page = panel.get(admin_url(GenreMapping, "changelist"))
    assert page.status_code == 200 and "Genre 1" in page.content.decode()
    choices = page.context["cl"].formset.forms[0].fields["genre"].queryset
    assert drama in choices and foreign not in choices

    data = {"form-TOTAL_FORMS": 2, "form-INITIAL_FORMS": 2, "_save": "Save",
            "form-0-id": rows[0].pk, "form-0-genre": drama.pk, "form-1-id": rows[1].pk, "form-1-genre": foreign.pk}
    response = panel.post(admin_url(GenreMapping, "changelist"), data)
    assert response.status_code == 200  # the other operator's genre is refused
    data["form-1-genre"] = ""
    assert panel.post(admin_url(GenreMapping, "changelist"), data).status_code == 302
    rows[0].refresh_from_db()
    assert rows[0].genre == drama


def test_map_to_same_named_genres_action(panel, megogo):
    existing = factories.GenreFactory(client=megogo.client, name="genre 2")
    rows = GenreMapping.objects.filter(external_system=megogo.system, megogo_genre_id__in=["1", "2"])
    response = panel.post(admin_url(GenreMapping, "changelist"), {
        "action": "create_same_named_genres", "_selected_action": [r.pk for r in rows]})
    assert response.status_code == 302
    mapped = {r.megogo_genre_id: r.genre for r in rows.select_related("genre")}
    assert mapped["2"] == existing and mapped["1"].name == "Genre 1" and mapped["1"].client == megogo.client


def test_other_operators_rows_are_not_shown(panel, megogo, fake):
    other = factories.ExternalSystemFactory(api_class="megogo_api_client")
    foreign = GenreMapping.objects.create(client=other.client, external_system=other, megogo_genre_id="1",
                                          megogo_name="Foreign genre")
    page = panel.get(admin_url(GenreMapping, "changelist"))
    assert foreign.pk not in {r.pk for r in page.context["cl"].result_list}
    assert panel.get(change_url(foreign)).status_code in (302, 404)
    assert panel.get(admin_url(GenreMapping, "add")).status_code == 403


def test_records_are_read_only(panel, megogo):
    MegogoSubscriber.objects.create(client=megogo.client, external_system=megogo.system,
                                    customer=factories.CustomerFactory(client=megogo.client), identifier="x")
    for model in (MegogoTitle, MegogoSubscriber):
        page = panel.get(admin_url(model, "changelist"))
        assert page.status_code == 200 and page.context["cl"].result_count >= 1
        assert panel.get(admin_url(model, "add")).status_code == 403


def test_sync_runs_of_the_operator_only(panel, megogo):
    other = factories.ExternalSystemFactory(api_class="megogo_api_client")
    foreign = SyncLease.objects.create(external_system=other, last_summary="other operator")
    page = panel.get(admin_url(SyncLease, "changelist"))
    shown = {r.pk for r in page.context["cl"].result_list}
    assert SyncLease.objects.get(external_system=megogo.system).pk in shown and foreign.pk not in shown
    assert "listed 6" in page.content.decode()
