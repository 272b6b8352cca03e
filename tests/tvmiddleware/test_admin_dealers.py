"""Dealers, contracts and bank accounts in the operator panel: on the customer's page and their own
lists, each row taking the staff's operator, another operator's customers out of reach."""
from __future__ import annotations

import pytest

from tests import factories
from tests.admin_factories import admin_url, change_url, changeform_data, inline_rows
from tvmiddleware.models import BankAccount, Contract, Dealer

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.admin_factories"]


def test_staff_add_a_contract_and_a_bank_account_on_the_customers_page(staff_client, client_obj):
    customer = factories.CustomerFactory(client=client_obj, lastname="Mustermann")
    page = staff_client.get(change_url(customer))
    assert page.status_code == 200
    data = changeform_data(page)
    data.update(inline_rows("contracts", [{"number": "V-77", "created_at_0": "2024-01-02",
                                           "created_at_1": "10:00:00"}]))
    data.update(inline_rows("bank_accounts", [{"owner": "Max Mustermann", "iban": "DE89370400440532013000",
                                               "bic": "COBADEFFXXX"}]))
    response = staff_client.post(change_url(customer), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    contract = Contract.objects.get(customer=customer)
    assert (contract.number, contract.client_id) == ("V-77", client_obj.pk)
    bank = BankAccount.objects.get(customer=customer)
    assert (bank.iban, bank.client_id) == ("DE89370400440532013000", client_obj.pk)


def test_a_dealer_links_only_the_staffs_own_customers(staff_client, client_obj, other_client):
    own = factories.CustomerFactory(client=client_obj)
    foreign = factories.CustomerFactory(client=other_client)
    response = staff_client.post(admin_url(Dealer, "add"), {"name": "TV Shop", "comment": "Berlin",
                                                             "customers": [own.pk, foreign.pk], "ext_id": ""})
    assert response.status_code == 200 and not Dealer.objects.exists()  # refused with a form error
    response = staff_client.post(admin_url(Dealer, "add"), {"name": "TV Shop", "comment": "Berlin",
                                                             "customers": [own.pk], "ext_id": ""})
    assert response.status_code == 302
    dealer = Dealer.objects.get()
    assert dealer.client_id == client_obj.pk and list(dealer.customers.all()) == [own]
    duplicate = staff_client.post(admin_url(Dealer, "add"), {"name": "TV Shop", "customers": [], "ext_id": ""})
    assert duplicate.status_code == 200 and "already exists" in duplicate.content.decode()
