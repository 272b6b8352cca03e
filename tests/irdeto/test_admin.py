"""The operator panel's Irdeto screens: the CAS product map (edited by staff, scoped to their operator)
and the CAS subscriber records with the "resync now" action."""
import pytest

from irdeto.models import CasProduct, CasSubscriber
from tests import factories
from tests.admin_factories import admin_url, build_row, change_url, make_staff
from tvmiddleware import services

pytest_plugins = ["tests.admin_factories"]


@pytest.fixture
def panel(irdeto, client):
    """Staff of the Irdeto operator, with the operator group's permissions."""
    user = make_staff(irdeto.client)
    client.force_login(user)
    return client


def shown(response) -> set[int]:
    return {obj.pk for obj in response.context["cl"].result_list}


@pytest.mark.parametrize("model", [CasProduct, CasSubscriber])
def test_staff_see_only_their_operators_rows(panel, irdeto, model):
    own, foreign = build_row(model, irdeto.client), build_row(model, factories.ClientFactory())
    response = panel.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert own.pk in shown(response) and foreign.pk not in shown(response)
    assert panel.get(change_url(foreign)).status_code in (302, 404)
    assert panel.get(change_url(own)).status_code == 200


def test_staff_add_a_product_mapping_with_their_tariffs_only(panel, irdeto):
    foreign_tariff = factories.TariffFactory(name="Not ours")
    page = panel.get(admin_url(CasProduct, "add"))
    choices = page.context["adminform"].form.fields["tariff"].queryset
    assert irdeto.tv in choices and foreign_tariff not in choices
    data = {"tariff": foreign_tariff.pk, "device_type": irdeto.android_stb.pk, "product_id": "SPORT-A"}
    assert panel.post(admin_url(CasProduct, "add"), data).status_code == 200  # refused
    assert panel.post(admin_url(CasProduct, "add"), data | {"product_id": "bad id!",
                                                           "tariff": irdeto.sport.pk}).status_code == 200
    assert panel.post(admin_url(CasProduct, "add"), data | {"tariff": irdeto.sport.pk}).status_code == 302
    product = CasProduct.objects.get(product_id="SPORT-A")
    assert product.client == irdeto.client
    duplicate = panel.post(admin_url(CasProduct, "add"), data | {"tariff": irdeto.sport.pk})
    assert duplicate.status_code == 200 and "already grants" in duplicate.content.decode()


def test_subscriber_records_are_read_only_with_a_resync_action(panel, irdeto, home,
                                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=home.customer, tariff=irdeto.tv)
    record = CasSubscriber.objects.get(customer=home.customer)
    page = panel.get(change_url(record))
    assert page.status_code == 200 and "add TV-STB on SC-0001" in page.content.decode()
    assert panel.post(change_url(record), {"cas_customer_id": "x"}).status_code == 403

    irdeto.fake.subscribers[record.cas_customer_id].devices["SC-0001"].entitlements.clear()  # behind our back
    response = panel.post(admin_url(CasSubscriber, "changelist"),
                          {"action": "resync_now", "_selected_action": [record.pk]}, follow=True)
    assert "1 subscriber(s) compared, 1 change(s) made, 0 with errors." in response.content.decode()
    assert irdeto.fake.entitlements(record.cas_customer_id) == {("SC-0001", "TV-STB")}


def test_the_tariff_page_edits_its_cas_products(panel, irdeto):
    """Staff add a product on the tariff's own page; the row takes the tariff's operator."""
    from tests.admin_factories import changeform_data, inline_rows
    from tvmiddleware.models import DeviceType, Tariff

    tariff = factories.TariffFactory(client=irdeto.client, name="Premium")
    page = panel.get(change_url(tariff))
    assert page.status_code == 200
    prefixes = [inline.formset.prefix for inline in page.context["inline_admin_formsets"]]
    prefix = next(p for p in prefixes if "casproduct" in p or "irdeto" in p)
    data = changeform_data(page)
    data.update(inline_rows(prefix, [{"device_type": DeviceType.objects.get(system_name="mag").pk,
                                      "product_id": "PREMIUM-HD", "comment": ""}]))
    response = panel.post(change_url(tariff), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    product = CasProduct.objects.get(tariff=tariff)
    assert (product.client_id, product.product_id) == (irdeto.client.pk, "PREMIUM-HD")
    assert Tariff.objects.get(pk=tariff.pk).name == "Premium"


def test_a_cas_product_the_tariff_already_has_is_a_form_error(panel, irdeto):
    """A product added meanwhile (another tab, a colleague) and added again from a page opened before:
    the inline row says so; it was a database error (500)."""
    from tests.admin_factories import changeform_data, inline_rows
    from tvmiddleware.models import DeviceType

    tariff = factories.TariffFactory(client=irdeto.client)
    mag = DeviceType.objects.get(system_name="mag")
    page = panel.get(change_url(tariff))
    CasProduct.objects.create(client=irdeto.client, tariff=tariff, device_type=mag, product_id="PREMIUM-HD")
    prefix = next(inline.formset.prefix for inline in page.context["inline_admin_formsets"]
                  if inline.formset.model is CasProduct)
    data = changeform_data(page)
    data.update(inline_rows(prefix, [{"device_type": mag.pk, "product_id": "PREMIUM-HD", "comment": ""}]))

    response = panel.post(change_url(tariff), data)

    assert response.status_code == 200
    formset = next(inline.formset for inline in response.context["inline_admin_formsets"]
                   if inline.formset.model is CasProduct)
    assert "This tariff already grants this product on this device type." in str(formset.errors)
    assert CasProduct.objects.filter(tariff=tariff).count() == 1
