"""Tenant isolation of the operator panel: staff of one operator never reach another operator's rows."""
import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests import factories
from tests.admin_factories import (
    ROW_BUILDERS, admin_url, build_row, change_url, changeform_data, inline_rows, make_staff,
)
from tvmiddleware.models import (
    Channel, Client, Customer, DeviceType, OperatorProfile, Season, Selection, Tariff, TenantModel, Video,
)

PANEL_APPS = {"tvmiddleware", "billing", "widgets"}
REGISTERED = sorted((m for m in admin.site._registry if m._meta.app_label in PANEL_APPS),
                    key=lambda m: m._meta.label)
TENANT_MODELS = [m for m in REGISTERED if issubclass(m, TenantModel)]
# The models of the operator panel; ExternalSystemAttribute and SelectionItem are edited inline.
PANEL_MODELS = {apps.get_model(label) for label in [
    "tvmiddleware.Client", "tvmiddleware.OperatorProfile", "tvmiddleware.DeviceType", "tvmiddleware.Customer",
    "tvmiddleware.Account", "tvmiddleware.AccountDevice", "tvmiddleware.Tariff", "tvmiddleware.TariffSubscription",
    "tvmiddleware.ChannelCategory", "tvmiddleware.Channel", "tvmiddleware.EpgSource", "tvmiddleware.EpgChannel",
    "tvmiddleware.EpgProgram", "tvmiddleware.StreamService", "tvmiddleware.Genre", "tvmiddleware.Actor",
    "tvmiddleware.Video", "tvmiddleware.Season", "tvmiddleware.Episode", "tvmiddleware.VideoFile",
    "tvmiddleware.Selection", "tvmiddleware.ExternalSystem", "tvmiddleware.DomainEvent",
    "tvmiddleware.EventDelivery", "billing.CustomerTransaction",
]}

pytest_plugins = ["tests.admin_factories"]  # staff_client, superuser_client, ... fixtures


def label(model):
    return model._meta.label


def shown_pks(response):
    return {obj.pk for obj in response.context["cl"].result_list}


def test_every_panel_model_is_registered_and_has_a_row_builder():
    assert PANEL_MODELS <= set(REGISTERED)
    assert set(REGISTERED) <= set(ROW_BUILDERS)  # so every registered model is in the isolation tests


@pytest.mark.parametrize("model", TENANT_MODELS, ids=label)
def test_staff_see_and_open_only_their_operators_rows(model, staff_client, client_obj, other_client):
    own, foreign = build_row(model, client_obj), build_row(model, other_client)

    response = staff_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert own.pk in shown_pks(response)
    assert foreign.pk not in shown_pks(response)
    assert change_url(foreign) not in response.content.decode()

    response = staff_client.get(change_url(foreign))
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert response.url == reverse("admin:index")
    assert staff_client.get(change_url(own)).status_code == 200


@pytest.mark.parametrize("model", TENANT_MODELS, ids=label)
def test_superuser_sees_every_operator(model, superuser_client, client_obj, other_client):
    rows = [build_row(model, client_obj), build_row(model, other_client)]

    response = superuser_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert {row.pk for row in rows} <= shown_pks(response)
    for row in rows:
        assert superuser_client.get(change_url(row)).status_code == 200


@pytest.mark.parametrize("model", TENANT_MODELS, ids=label)
def test_staff_search_does_not_reach_other_operators(model, staff_client, other_client):
    foreign = build_row(model, other_client)
    response = staff_client.get(admin_url(model, "changelist"), {"q": str(foreign.pk)})
    assert response.status_code == 200
    assert foreign.pk not in shown_pks(response)


@pytest.mark.parametrize("model", TENANT_MODELS, ids=label)
def test_add_pages_render_for_whoever_may_add(model, staff_client, superuser_client):
    for http in (staff_client, superuser_client):
        response = http.get(admin_url(model, "add"))
        may_add = admin.site._registry[model].has_add_permission(response.wsgi_request)
        assert response.status_code == (200 if may_add else 403)
        if may_add:
            fields = response.context["adminform"].form.fields
            assert ("client" in fields) == (http is superuser_client)


def test_staff_see_only_their_own_operator_read_only(staff_client, client_obj, other_client):
    response = staff_client.get(admin_url(Client, "changelist"))
    assert shown_pks(response) == {client_obj.pk}
    assert staff_client.get(change_url(other_client)).status_code == 302
    response = staff_client.get(change_url(client_obj))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert staff_client.post(change_url(client_obj), {"name": "Renamed"}).status_code == 403
    assert staff_client.get(admin_url(Client, "add")).status_code == 403


def test_operator_staff_memberships_are_for_superusers_only(staff_client, superuser_client, staff_user):
    profile = staff_user.operator_profile
    assert staff_client.get(admin_url(OperatorProfile, "changelist")).status_code == 403
    assert staff_client.get(change_url(profile)).status_code in (302, 403)
    assert superuser_client.get(admin_url(OperatorProfile, "changelist")).status_code == 200
    assert superuser_client.get(change_url(profile)).status_code == 200


def test_device_types_are_read_only_for_staff(staff_client, superuser_client):
    mag = DeviceType.objects.get(system_name="mag")
    assert staff_client.get(admin_url(DeviceType, "changelist")).status_code == 200
    assert staff_client.get(admin_url(DeviceType, "add")).status_code == 403
    assert staff_client.get(change_url(mag)).context["has_change_permission"] is False
    assert superuser_client.get(change_url(mag)).context["has_change_permission"] is True


def test_staff_without_an_operator_see_nothing(client, client_obj):
    user = make_staff(client_obj)
    user.operator_profile.delete()
    client.force_login(user)
    factories.CustomerFactory(client=client_obj)
    response = client.get(admin_url(Customer, "changelist"))
    assert response.status_code == 200
    assert shown_pks(response) == set()


# --- choices, autocomplete and filters -----------------------------------------------------------

def test_related_choices_are_the_staff_operators_only(staff_client, client_obj, other_client):
    own_category = factories.ChannelCategoryFactory(client=client_obj)
    foreign_category = factories.ChannelCategoryFactory(client=other_client)
    own_channel = factories.ChannelFactory(client=client_obj)
    factories.ChannelFactory(client=other_client)

    form = staff_client.get(admin_url(Channel, "add")).context["adminform"].form
    assert list(form.fields["category"].queryset) == [own_category]
    assert list(form.fields["additional_categories"].queryset) == [own_category]
    assert foreign_category not in form.fields["category"].queryset

    form = staff_client.get(admin_url(Tariff, "add")).context["adminform"].form
    assert list(form.fields["channels"].queryset) == [own_channel]


def test_posting_another_operators_row_is_refused(staff_client, client_obj, other_client):
    foreign_category = factories.ChannelCategoryFactory(client=other_client)
    page = staff_client.get(admin_url(Channel, "add"))
    data = changeform_data(page, name="News 24", url_prefix="news24", category=foreign_category.pk)
    response = staff_client.post(admin_url(Channel, "add"), data)
    assert response.status_code == 200
    assert "category" in response.context["adminform"].form.errors
    assert not Channel.objects.filter(name="News 24").exists()


def test_autocomplete_answers_only_the_staff_operators_rows(staff_client, client_obj, other_client):
    own = factories.CustomerFactory(client=client_obj, lastname="Smith")
    factories.CustomerFactory(client=other_client, lastname="Smith")
    response = staff_client.get(reverse("admin:autocomplete"), {
        "app_label": "tvmiddleware", "model_name": "account", "field_name": "customer", "term": "Smith",
    })
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [str(own.pk)]


def test_relation_filters_offer_only_the_staff_operators_rows(staff_client, client_obj, other_client):
    factories.ChannelFactory(client=client_obj, category=factories.ChannelCategoryFactory(client=client_obj,
                                                                                          name="Own news"))
    factories.ChannelFactory(client=other_client, category=factories.ChannelCategoryFactory(client=other_client,
                                                                                            name="Their news"))
    content = staff_client.get(admin_url(Channel, "changelist")).content.decode()
    assert "Own news" in content
    assert "Their news" not in content


def test_customer_tariff_filter_lists_the_staff_operators_tariffs(staff_client, client_obj, other_client):
    factories.TariffFactory(client=client_obj, name="Own tariff")
    factories.TariffFactory(client=other_client, name="Their tariff")
    content = staff_client.get(admin_url(Customer, "changelist")).content.decode()
    assert "Own tariff" in content
    assert "Their tariff" not in content


# --- the client column ---------------------------------------------------------------------------

def test_staff_add_form_has_no_client_and_saves_their_operator(staff_client, client_obj, other_client):
    page = staff_client.get(admin_url(Channel, "add"))
    assert "client" not in page.context["adminform"].form.fields

    data = changeform_data(page, name="News 24", url_prefix="news24", client=other_client.pk)
    response = staff_client.post(admin_url(Channel, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Channel.objects.get(name="News 24").client == client_obj


def test_superuser_chooses_the_client(superuser_client, other_client):
    page = superuser_client.get(admin_url(Channel, "add"))
    assert "client" in page.context["adminform"].form.fields
    data = changeform_data(page, client=other_client.pk, name="Sport", url_prefix="sport")
    assert superuser_client.post(admin_url(Channel, "add"), data).status_code == 302
    assert Channel.objects.get(name="Sport").client == other_client


def test_superuser_cannot_link_rows_of_two_operators(superuser_client, client_obj, other_client):
    foreign_category = factories.ChannelCategoryFactory(client=other_client)
    page = superuser_client.get(admin_url(Channel, "add"))
    data = changeform_data(page, client=client_obj.pk, name="Mixed", url_prefix="mixed",
                           category=foreign_category.pk)
    response = superuser_client.post(admin_url(Channel, "add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["category"] == ["This belongs to another operator."]


def test_inline_rows_take_the_parents_operator(superuser_client, other_client):
    page = superuser_client.get(admin_url(Video, "add"))
    data = changeform_data(page, client=other_client.pk, name="Series", year=2021)
    data.update(inline_rows("seasons", [{"number": 1, "name": "First"}]))
    response = superuser_client.post(admin_url(Video, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Season.objects.get(name="First").client == other_client


def test_staff_inline_rows_take_their_operator(staff_client, client_obj):
    video = factories.VideoFactory(client=client_obj)
    page = staff_client.get(admin_url(Selection, "add"))
    data = changeform_data(page, name="New")
    data.update(inline_rows("items", [{"video": video.pk, "sort": 1}]))
    response = staff_client.post(admin_url(Selection, "add"), data)
    assert response.status_code == 302
    selection = Selection.objects.get(name="New")
    assert selection.client == client_obj
    assert list(selection.videos.all()) == [video]


def test_staff_cannot_put_another_operators_video_on_a_shelf(staff_client, client_obj, other_client):
    foreign_video = factories.VideoFactory(client=other_client)
    page = staff_client.get(admin_url(Selection, "add"))
    data = changeform_data(page, name="New")
    data.update(inline_rows("items", [{"video": foreign_video.pk, "sort": 1}]))
    response = staff_client.post(admin_url(Selection, "add"), data)
    assert response.status_code == 200
    assert not Selection.objects.filter(name="New").exists()


def test_per_operator_unique_rules_are_form_errors_for_staff(staff_client, client_obj, other_client):
    factories.CustomerFactory(client=client_obj, ext_id="C-1")
    factories.CustomerFactory(client=other_client, ext_id="C-2")

    page = staff_client.get(admin_url(Customer, "add"))
    response = staff_client.post(admin_url(Customer, "add"), changeform_data(page, lastname="Doe", ext_id="C-1"))
    assert response.status_code == 200
    assert "A customer with this ext_id already exists." in str(response.context["adminform"].form.errors)

    # another operator's ext_id is free for this one
    response = staff_client.post(admin_url(Customer, "add"), changeform_data(page, lastname="Doe", ext_id="C-2"))
    assert response.status_code == 302
    assert Customer.objects.filter(ext_id="C-2").count() == 2



def test_a_row_never_moves_to_another_operator(superuser_client, client_obj, other_client):
    channel = factories.ChannelFactory(client=client_obj)
    page = superuser_client.get(change_url(channel))
    assert "client" not in page.context["adminform"].form.fields
    assert "client" in page.context["adminform"].readonly_fields
    superuser_client.post(change_url(channel), changeform_data(page, client=other_client.pk, name="Renamed"))
    channel.refresh_from_db()
    assert (channel.name, channel.client) == ("Renamed", client_obj)
