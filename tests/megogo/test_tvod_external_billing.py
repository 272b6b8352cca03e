"""TVOD of MEGOGO titles when the operator's own billing bills purchases (`rest_billing` with
`bill_purchases = 1`): video/action charges in the billing, buys at MEGOGO, and when MEGOGO refuses
gives the money back through the billing's refund call."""
from decimal import Decimal

import pytest

from tests.billing.test_rest_plugin import fake_billing, rest_system  # noqa: F401 - the fake billing fixture
from tests.megogo.conftest import run_sync
from datetime import timedelta

from django.utils import timezone

from tvmiddleware import events
from tvmiddleware.models import (
    Customer, DeliveryStatus, DomainEvent, EventDelivery, ExternalSystem, Video, VideoPurchase,
)


def shop_billing_system() -> ExternalSystem:
    return ExternalSystem.objects.get(api_class="rest_billing")


@pytest.fixture
def shop(viewer, fake_billing):  # noqa: F811
    Customer.objects.filter(pk=viewer.customer.pk).update(ext_id="C1")
    fake_billing.add("C1", balance="150.00")
    rest_system(viewer.megogo.client, fake_billing.url, bill_purchases="1")
    run_sync(viewer.megogo)
    assert viewer.login()["error"] == 0
    return viewer


def film() -> Video:
    return Video.objects.get(ext_id="1002")


def billing_balance(billing) -> Decimal:
    return billing.customers["C1"]["balance"]


def test_the_billing_charges_and_megogo_sells(shop, fake_billing):  # noqa: F811
    body = shop.api.json("video/action/", vid=film().pk, action="rent")
    assert body["error"] == 0, body
    assert billing_balance(fake_billing) == Decimal("111.00")
    assert (shop.identifier, "1002") in shop.megogo.fake.purchases
    assert shop.megogo.fake.calls[-1][0] == "purchase/create" and shop.megogo.fake.calls[-1][1]["type"] == "tvod"
    purchase = VideoPurchase.objects.get(customer=shop.customer, video=film())
    assert purchase.transaction is None and purchase.expires_at is not None
    assert shop.api.json("video/url/", vid=film().pk, redirect=0)["error"] == 0
    shop.customer.refresh_from_db()
    assert shop.customer.balance == Decimal("0.00")  # the local ledger is not touched


def test_a_refusal_at_megogo_is_refunded_by_the_billing(shop, fake_billing):  # noqa: F811
    shop.megogo.fake.refuse_purchases = True
    body = shop.api.json("video/action/", vid=film().pk, action="buy")
    assert body["error"] == 1 and "refused by MEGOGO" in body["error_message"]
    assert "given the money back" in body["error_message"]
    assert billing_balance(fake_billing) == Decimal("150.00")
    assert len(fake_billing.calls("DELETE", "/api/customers/C1/purchases/")) == 1
    assert not VideoPurchase.objects.exists()
    assert not DomainEvent.objects.filter(name="video.purchased").exists()
    assert shop.api.json("video/url/", vid=film().pk, redirect=0)["error"] == 3

    shop.megogo.fake.refuse_purchases = False
    assert shop.api.json("video/action/", vid=film().pk, action="buy")["error"] == 0
    assert billing_balance(fake_billing) == Decimal("51.00")  # charged once


def test_megogo_unreachable_is_refunded_too(shop, fake_billing):  # noqa: F811
    shop.megogo.fake.billing_down = True
    assert shop.api.json("video/action/", vid=film().pk, action="buy")["error"] == 1
    assert billing_balance(fake_billing) == Decimal("150.00") and not VideoPurchase.objects.exists()


def deliver_due_now():
    EventDelivery.objects.filter(status=DeliveryStatus.PENDING).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1))
    return events.deliver_due()


def test_a_refund_that_fails_is_retried_until_the_billing_answers(shop, fake_billing, caplog):  # noqa: F811
    shop.megogo.fake.refuse_purchases = True
    fake_billing.fail_refunds = 503
    body = shop.api.json("video/action/", vid=film().pk, action="buy")
    assert body["error"] == 1 and "being undone" in body["error_message"]
    assert billing_balance(fake_billing) == Decimal("51.00")  # still charged for now
    event = DomainEvent.objects.get(name="purchase.refund_due")
    assert [d.handler for d in event.deliveries.all()] == [f"external_system:{shop_billing_system().pk}"]
    assert "rest-billing-token" not in caplog.text

    assert deliver_due_now()["failed"] == 1           # the billing is still down: retried later
    assert billing_balance(fake_billing) == Decimal("51.00")
    fake_billing.fail_refunds = None
    assert deliver_due_now()["delivered"] == 1        # back: the charge is given back, once
    assert billing_balance(fake_billing) == Decimal("150.00")
    assert deliver_due_now()["delivered"] == 0
    assert not VideoPurchase.objects.exists()


def test_a_purchase_made_again_before_the_retry_keeps_the_charge(shop, fake_billing):  # noqa: F811
    shop.megogo.fake.refuse_purchases = True
    fake_billing.fail_refunds = 503
    assert shop.api.json("video/action/", vid=film().pk, action="buy")["error"] == 1

    # MEGOGO accepts later: the same purchase key reaches the billing, which does not charge again
    shop.megogo.fake.refuse_purchases = False
    assert shop.api.json("video/action/", vid=film().pk, action="buy")["error"] == 0
    assert billing_balance(fake_billing) == Decimal("51.00")
    assert VideoPurchase.objects.filter(customer=shop.customer).count() == 1

    # the owed refund then finds the charge paid for that purchase: nothing is given back
    fake_billing.fail_refunds = None
    deliver_due_now()
    owed = EventDelivery.objects.get(event__name="purchase.refund_due")
    assert owed.status == DeliveryStatus.DELIVERED
    assert billing_balance(fake_billing) == Decimal("51.00")
    assert shop.api.json("video/url/", vid=film().pk, redirect=0)["error"] == 0


def test_a_billing_without_a_refund_call_leaves_it_to_the_operator(shop, fake_billing, caplog,  # noqa: F811
                                                                    monkeypatch):
    from billing.rest_plugin import RestBillingPlugin

    monkeypatch.setattr(RestBillingPlugin, "refund_purchase", lambda self, **kwargs: False)
    shop.megogo.fake.refuse_purchases = True
    body = shop.api.json("video/action/", vid=film().pk, action="buy")
    assert body["error"] == 1 and "could not be undone" in body["error_message"]
    assert any(r.levelname == "ERROR" and "refund it by hand" in r.getMessage() for r in caplog.records)
    assert not DomainEvent.objects.filter(name="purchase.refund_due").exists()


def test_no_money_in_the_billing_never_reaches_megogo(shop, fake_billing):  # noqa: F811
    fake_billing.customers["C1"]["balance"] = Decimal("5.00")
    assert shop.api.json("video/action/", vid=film().pk, action="buy")["error"] == 2
    assert not shop.megogo.fake.purchases
    assert "purchase/create" not in [call[0] for call in shop.megogo.fake.calls]
