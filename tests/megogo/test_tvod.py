"""TVOD through video/action: balance check (or not), ledger debit, purchase at MEGOGO, refund on refusal."""
from decimal import Decimal

import pytest

from billing.models import CustomerTransaction, TransactionSource
from billing.services import transaction_create
from tests.megogo.conftest import run_sync
from tvmiddleware.models import Video, VideoPurchase


@pytest.fixture
def shop(viewer):
    run_sync(viewer.megogo)
    assert viewer.login()["error"] == 0
    return viewer


def fund(viewer, amount: str) -> None:
    transaction_create(client=viewer.megogo.client, customer=viewer.customer, amount=amount, ext_id=f"seed-{amount}")


def title(ext_id: str) -> Video:
    return Video.objects.get(ext_id=ext_id)


def balance(viewer) -> Decimal:
    viewer.customer.refresh_from_db()
    return viewer.customer.balance


def test_buying_debits_the_ledger_and_buys_at_megogo(shop):
    fund(shop, "150.00")
    film = title("1002")
    detail = shop.api.json("video/detail/", vid=film.pk)
    assert detail["is_purchased"] == 0 and {a["action"] for a in detail["actions"]} == {"buy", "rent"}

    body = shop.api.json("video/action/", vid=film.pk, action="buy")
    assert body["error"] == 0, body
    assert balance(shop) == Decimal("51.00")
    assert (shop.identifier, "1002") in shop.megogo.fake.purchases
    assert shop.identifier in shop.megogo.fake.users  # the partner user was created for it
    purchase = VideoPurchase.objects.get(customer=shop.customer, video=film)
    assert purchase.transaction.amount == Decimal("-99.00")
    assert shop.api.json("video/detail/", vid=film.pk)["is_purchased"] == 1
    listed = shop.api.json("video/list/", get_purchased=1)
    assert [v["id"] for v in listed["videos"]] == [film.pk] and listed["videos"][0]["is_purchased"] == 1
    assert shop.megogo.fake.calls[-1][0] == "purchase/create"
    assert shop.megogo.fake.calls[-1][1]["type"] == "dto"


def test_renting_is_a_tvod_purchase(shop):
    fund(shop, "50.00")
    body = shop.api.json("video/action/", vid=title("1002").pk, action="rent")
    assert body["error"] == 0 and body["expires_at"]
    assert balance(shop) == Decimal("11.00")
    assert shop.megogo.fake.calls[-1][1]["type"] == "tvod"


def test_without_enough_balance_nothing_is_bought(shop):
    fund(shop, "50.00")
    body = shop.api.json("video/action/", vid=title("1002").pk, action="buy")
    assert body["error"] == 2
    assert balance(shop) == Decimal("50.00") and not shop.megogo.fake.purchases


def test_ignore_customer_balance_check_buys_without_funds(shop):
    shop.megogo.set_attribute("ignore_customer_balance_check", "1")
    body = shop.api.json("video/action/", vid=title("1002").pk, action="buy")
    assert body["error"] == 0, body
    assert balance(shop) == Decimal("-99.00")  # the operator's billing settles it
    assert (shop.identifier, "1002") in shop.megogo.fake.purchases


def test_a_refusal_at_megogo_is_refunded(shop):
    fund(shop, "150.00")
    shop.megogo.fake.refuse_purchases = True
    film = title("1002")
    body = shop.api.json("video/action/", vid=film.pk, action="buy")
    assert body["error"] == 1 and "refused" in body["error_message"]
    assert balance(shop) == Decimal("150.00")
    rows = CustomerTransaction.objects.filter(customer=shop.customer).exclude(ext_id__startswith="seed")
    assert sorted((r.source, r.amount) for r in rows) == [
        (TransactionSource.PURCHASE, Decimal("-99.00")), (TransactionSource.REVERSAL, Decimal("99.00"))]
    assert not VideoPurchase.objects.exists()
    assert shop.api.json("video/detail/", vid=film.pk)["is_purchased"] == 0

    shop.megogo.fake.refuse_purchases = False
    assert shop.api.json("video/action/", vid=film.pk, action="buy")["error"] == 0
    assert balance(shop) == Decimal("51.00")


def test_partner_unreachable_is_refunded(shop, monkeypatch):
    fund(shop, "150.00")
    shop.megogo.fake.billing_down = True
    assert shop.api.json("video/action/", vid=title("1002").pk, action="buy")["error"] == 1
    assert balance(shop) == Decimal("150.00") and not VideoPurchase.objects.exists()
