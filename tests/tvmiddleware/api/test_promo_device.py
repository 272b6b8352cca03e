"""promo/activate and promo/list from a subscriber's app."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import CustomerTransaction, PromoActivation
from billing.promo import promo_create
from tests import factories
from tvmiddleware.models import Customer


def test_money_code_credits_the_balance_once(logged_in, subscriber):
    promo_create(client=subscriber.client, code="GIFT100", amount=Decimal("100.00"), activation_limit=5)
    body = logged_in.json("promo/activate/", code="gift100")
    assert body == {"error": 0, "error_message": "", "type": 2, "amount": 100.0, "discount": 0.0, "free_tariffs": ""}
    assert Customer.objects.get(pk=subscriber.customer.pk).balance == Decimal("200.00")
    assert logged_in.json("promo/activate/", code="GIFT100")["error"] == 3
    assert CustomerTransaction.objects.filter(ext_id__startswith="promo:").count() == 1


def test_free_tariffs_and_discount(logged_in, subscriber):
    films = factories.TariffFactory(client=subscriber.client, name="Films")
    promo_create(client=subscriber.client, code="FILMS", free_tariffs=[films])
    body = logged_in.json("promo/activate/", code="FILMS")
    assert body["type"] == 3 and body["free_tariffs"] == str(films.pk)
    assert subscriber.customer.subscriptions.filter(tariff=films, is_closed=False).exists()
    promo_create(client=subscriber.client, code="SALE", discount=15)
    assert logged_in.json("promo/activate/", code="SALE")["type"] == 1


@pytest.mark.parametrize("terms, code", [
    ({"valid_until": date.today() - timedelta(days=1)}, 4),
    ({"valid_from": date.today() + timedelta(days=1)}, 4),
])
def test_codes_out_of_their_days_are_4(logged_in, subscriber, terms, code):
    promo_create(client=subscriber.client, code="DATED", amount=Decimal("1.00"), **terms)
    assert logged_in.json("promo/activate/", code="DATED")["error"] == code


def test_unknown_other_operators_and_other_accounts_codes(logged_in, subscriber):
    other = factories.ClientFactory()
    promo_create(client=other, code="THEIRS", amount=Decimal("5.00"))
    assert logged_in.json("promo/activate/", code="THEIRS")["error"] == 1
    assert logged_in.json("promo/activate/", code="NOPE")["error"] == 1
    someone = factories.AccountFactory(customer__client=subscriber.client)
    promo_create(client=subscriber.client, code="PERSONAL", amount=Decimal("5.00"), account=someone)
    assert logged_in.json("promo/activate/", code="PERSONAL")["error"] == 2
    assert logged_in.json("promo/activate/")["error"] == 2
    assert not PromoActivation.objects.exists()


def test_inactive_accounts_cannot_activate(logged_in, subscriber):
    promo_create(client=subscriber.client, code="GIFT", amount=Decimal("5.00"))
    subscriber.account.active = False
    subscriber.account.save(update_fields=["active"])
    assert logged_in.json("promo/activate/", code="GIFT")["error"] == 6


def test_guessing_is_limited(logged_in, subscriber, monkeypatch):
    from billing import promo
    monkeypatch.setattr(promo, "PROMO_FAILURES_PER_ACCOUNT", 3)
    promo_create(client=subscriber.client, code="REAL", amount=Decimal("5.00"))
    for n in range(3):
        assert logged_in.json("promo/activate/", code=f"GUESS{n}")["error"] == 1
    assert logged_in.json("promo/activate/", code="REAL")["error"] == 2


def test_list_pages_the_customers_activations(logged_in, subscriber):
    for n in range(3):
        promo_create(client=subscriber.client, code=f"C{n}", amount=Decimal("1.00"),
                     valid_until=date.today() - timedelta(days=1) if n == 0 else None)
    PromoActivation.objects.create(client=subscriber.client, promo=promo_create(client=subscriber.client, code="OLD",
                                   amount=Decimal("1.00"), valid_until=date(2000, 1, 1))[0],
                                   customer=subscriber.customer)
    for n in (1, 2):
        assert logged_in.json("promo/activate/", code=f"C{n}")["error"] == 0
    other = factories.CustomerFactory(client=subscriber.client)
    promo = promo_create(client=subscriber.client, code="OTHERS", amount=Decimal("1.00"))[0]
    PromoActivation.objects.create(client=subscriber.client, promo=promo, customer=other)
    body = logged_in.json("promo/list/", limit=2)
    assert body["error"] == 0 and body["count"] == 3
    assert [p["code"] for p in body["promos"]] == ["C2", "C1"]
    assert body["promos"][0] == {"type": 2, "amount": 1.0, "discount": 0.0, "free_tariffs": "", "code": "C2",
                                 "date": date.today().isoformat(), "valid_from": None, "valid_until": None,
                                 "status": 1}
    last = logged_in.json("promo/list/", limit=2, page=2)["promos"]
    assert [(p["code"], p["status"], p["valid_until"]) for p in last] == [("OLD", 0, "2000-01-01")]
    assert logged_in.json("promo/list/", limit=101)["error"] == 1
    assert logged_in.json("promo/list/", page=0)["error"] == 1


def test_list_queries_stay_constant(logged_in, subscriber):
    tariff = factories.TariffFactory(client=subscriber.client)
    logged_in.json("promo/list/")

    def queries(n):
        PromoActivation.objects.all().delete()
        for i in range(n):
            promo = promo_create(client=subscriber.client, amount=Decimal("1.00"), free_tariffs=[tariff])[0]
            PromoActivation.objects.create(client=subscriber.client, promo=promo, customer=subscriber.customer)
        with CaptureQueriesContext(connection) as captured:
            assert len(logged_in.json("promo/list/", limit=100)["promos"]) == n
        return len(captured)
    assert queries(2) == queries(20)
