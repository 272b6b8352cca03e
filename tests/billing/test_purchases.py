"""The one purchase entry point (`billing.purchases.video_purchase`): how it picks the billing mode,
and a sale the operator's billing made (BILLING_SALE), recorded as told and never twice."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import CustomerTransaction, TransactionSource
from billing.purchases import BillingSale, PurchaseMode, purchase_mode, video_purchase
from billing.services import DuplicateTransaction, transaction_create
from tests import factories
from tvmiddleware.models import DomainEvent, PriceCategory, PurchaseKind, VideoPurchase
from common.errors import Invalid, NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture
def title(client_obj):
    return factories.VideoFactory(client=client_obj, price_category=PriceCategory.PURCHASE, price=Decimal("30.00"),
                                  rent_price=Decimal("10.00"), rent_hours=24, ext_id="v-9")


def test_without_a_billing_plugin_the_ledger_bills(customer):
    assert purchase_mode(customer=customer) == (PurchaseMode.LEDGER, None)
    assert purchase_mode(customer=customer, sale=BillingSale(amount="-1.00", ext_id="b"))[0] == \
        PurchaseMode.BILLING_SALE


def test_a_sale_to_the_subscriber_needs_a_known_kind(customer, title):
    transaction_create(client=customer.client, customer=customer, amount="100.00")
    with pytest.raises(Invalid):
        video_purchase(customer=customer, video=title)
    assert not VideoPurchase.objects.exists()


def test_a_billing_sale_is_one_ledger_row_and_opens_the_title(customer, title):
    until = timezone.now() + timedelta(days=2)
    purchase = video_purchase(customer=customer, video=title, sale=BillingSale(
        amount="-12.50", ext_id="B-77", comment="", processed=True, available_until=until))
    assert purchase.kind == PurchaseKind.RENT and purchase.expires_at == until
    assert purchase.price == Decimal("12.50") and purchase.transaction.amount == Decimal("-12.50")
    row = purchase.transaction
    assert (row.source, row.ext_id, row.processed) == (TransactionSource.API, "B-77", True)
    assert row.comment == f"Video: {title.name}" and row.meta["transaction_type"] == 1
    customer.refresh_from_db()
    assert customer.balance == Decimal("-12.50")
    event = DomainEvent.objects.get(name="video.purchased")
    assert event.payload["sold_by"] == "billing" and event.payload["transaction_id"] == row.pk
    assert event.payload["account_id"] is None and event.payload["price"] == "12.50"


def test_a_billing_sale_is_never_recorded_twice(customer, title):
    video_purchase(customer=customer, video=title, sale=BillingSale(amount="-30.00", ext_id="B-1"))
    with pytest.raises(DuplicateTransaction):
        video_purchase(customer=customer, video=title, sale=BillingSale(amount="-30.00", ext_id="B-1"))
    assert VideoPurchase.objects.count() == 1
    assert CustomerTransaction.objects.filter(ext_id="B-1").count() == 1
    customer.refresh_from_db()
    assert customer.balance == Decimal("-30.00")


def test_a_billing_sale_of_another_operators_title_is_refused(customer, other_client):
    foreign = factories.VideoFactory(client=other_client, price_category=PriceCategory.PURCHASE,
                                     price=Decimal("1.00"))
    with pytest.raises(NotFound):
        video_purchase(customer=customer, video=foreign, sale=BillingSale(amount="-1.00", ext_id="B-2"))
    assert not CustomerTransaction.objects.exists() and not VideoPurchase.objects.exists()


@pytest.mark.parametrize("amount", ["abc", "1e3", "-0.001"])
def test_a_billing_sale_with_a_bad_amount_writes_nothing(customer, title, amount):
    with pytest.raises(Invalid):
        video_purchase(customer=customer, video=title, sale=BillingSale(amount=amount, ext_id="B-3"))
    assert not CustomerTransaction.objects.exists() and not VideoPurchase.objects.exists()
