"""Payments in the operator panel: per-operator scoping, write-only secrets, validation, actions."""
from __future__ import annotations

from decimal import Decimal

import pytest

from payments import services
from payments.models import Merchant, Payment, PaymentState, SavedCard
from tests.admin_factories import admin_url, build_row, change_url, changeform_data
from tests.payments.fakes import PASSWORD, PAY_KEY

pytest_plugins = ["tests.admin_factories"]
pytestmark = pytest.mark.django_db


def shown_pks(response):
    return {obj.pk for obj in response.context["cl"].result_list}


@pytest.mark.parametrize("model", [Merchant, Payment, SavedCard], ids=lambda m: m.__name__)
def test_staff_see_and_open_only_their_operators_rows(model, staff_client, superuser_client, client_obj,
                                                      other_client):
    own, foreign = build_row(model, client_obj), build_row(model, other_client)
    response = staff_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert own.pk in shown_pks(response) and foreign.pk not in shown_pks(response)
    assert staff_client.get(change_url(own)).status_code == 200
    assert staff_client.get(change_url(foreign)).status_code == 302
    assert {own.pk, foreign.pk} <= shown_pks(superuser_client.get(admin_url(model, "changelist")))


def test_payments_and_cards_are_read_only(staff_client):
    assert staff_client.get(admin_url(Payment, "add")).status_code == 403
    assert staff_client.get(admin_url(SavedCard, "add")).status_code == 403


def test_merchant_secrets_are_write_only_and_validated(staff_client, client_obj, payture):
    response = staff_client.get(admin_url(Merchant, "add"))
    data = changeform_data(response, merchant_type="payture", name="Cards", enabled="on", is_default="on",
                           api_host="", pay_key="", remember_card="on_request")
    response = staff_client.post(admin_url(Merchant, "add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "API host" in str(errors["api_host"]) and "Pay terminal key" in str(errors["pay_key"])
    assert "Add terminal key" in str(errors["add_key"])

    data.update(api_host=payture.host, pay_key=PAY_KEY, password=PASSWORD, remember_card="never")
    response = staff_client.post(admin_url(Merchant, "add"), data)
    assert response.status_code == 302
    merchant = Merchant.objects.get()
    assert (merchant.client_id, merchant.pay_key, merchant.password) == (client_obj.pk, PAY_KEY, PASSWORD)

    page = staff_client.get(change_url(merchant))
    html = page.content.decode()
    assert PAY_KEY not in html and PASSWORD not in html and merchant.wallet_secret not in html
    # Saving the page as rendered (secrets empty) keeps them.
    response = staff_client.post(change_url(merchant), changeform_data(page, name="Renamed"))
    assert response.status_code == 302
    merchant.refresh_from_db()
    assert (merchant.name, merchant.pay_key, merchant.password) == ("Renamed", PAY_KEY, PASSWORD)


def test_one_default_merchant_per_operator(superuser_client, client_obj, null_merchant, payture):
    Merchant.objects.filter(pk=null_merchant.pk).update(is_default=True)
    response = superuser_client.get(admin_url(Merchant, "add"))
    data = changeform_data(response, client=client_obj.pk, merchant_type="payture", name="Cards", enabled="on",
                           is_default="on", api_host=payture.host, pay_key=PAY_KEY, remember_card="never")
    assert superuser_client.post(admin_url(Merchant, "add"), data).status_code == 302
    assert list(Merchant.objects.filter(is_default=True).values_list("merchant_type", flat=True)) == ["payture"]


def test_refresh_and_refund_actions_go_through_the_services(staff_client, client_obj, customer, payture,
                                                            payture_merchant):
    payment = services.payment_start(client=client_obj, customer=customer, amount="30", ip="1.2.3.4").payment
    payture.set_state(payment.order_id, "Charged")
    url = admin_url(Payment, "changelist")
    staff_client.post(url, {"action": "refresh_from_gateway", "_selected_action": [payment.pk]})
    payment.refresh_from_db()
    customer.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED and customer.balance == Decimal("30.00")
    staff_client.post(url, {"action": "refund", "_selected_action": [payment.pk]})
    payment.refresh_from_db()
    customer.refresh_from_db()
    assert payment.state == PaymentState.REFUNDED and customer.balance == 0
    response = staff_client.get(url, {"state": "refunded"})
    assert shown_pks(response) == {payment.pk}
