"""The provider methods the payment form widget asks through the seam: the operator's payment methods,
a payment by its order id (scoped to the operator, the customer masked) and going on paying it."""
from decimal import Decimal

import pytest

from billing.models import CustomerTransaction, TransactionSource
from billing.payment_gateway import GatewayRefusal, provider
from payments.models import Merchant, MerchantType, Payment, PaymentState
from tests import factories


@pytest.fixture
def seam():
    return provider()


@pytest.fixture
def anna(client_obj):
    return factories.CustomerFactory(client=client_obj, firstname="anna", lastname="Smirnova")


def make_payment(client, customer, merchant, state=PaymentState.CREATED, amount="40.00"):
    return Payment.objects.create(client=client, customer=customer, merchant=merchant,
                                  merchant_type=merchant.merchant_type, amount=Decimal(amount), state=state)


def test_payment_methods_lists_enabled_installed_gateways_default_first(seam, client_obj, other_client):
    assert seam.payment_methods(client=client_obj) == []
    Merchant.objects.create(client=client_obj, merchant_type=MerchantType.NULL, name="Demo")
    assert seam.payment_methods(client=client_obj) == [{"merchant_type": "null", "name": "Demo", "default": True}]
    Merchant.objects.create(client=client_obj, merchant_type=MerchantType.PAYTURE, name="Card", is_default=True)
    Merchant.objects.create(client=other_client, merchant_type=MerchantType.NULL, name="Theirs")
    assert seam.payment_methods(client=client_obj) == [
        {"merchant_type": "payture", "name": "Card", "default": True},
        {"merchant_type": "null", "name": "Demo", "default": False}]
    Merchant.objects.filter(client=client_obj, merchant_type="payture").update(enabled=False)
    assert [m["merchant_type"] for m in seam.payment_methods(client=client_obj)] == ["null"]


def test_payment_for_order_is_scoped_and_masks_the_customer(seam, client_obj, other_client, null_merchant, anna):
    payment = make_payment(client_obj, anna, null_merchant)
    found = seam.payment_for_order(client=client_obj, order_id=payment.order_id)
    assert found == {"order_id": payment.order_id, "transaction_id": payment.pk, "amount": Decimal("40.00"),
                     "state": "pending", "customer_id": anna.pk, "customer_initial": "A.", "merchant_type": "null"}
    assert seam.payment_for_order(client=other_client, order_id=payment.order_id) is None
    for bad in ("", "x" * 65, "a\x00b", "nope"):
        assert seam.payment_for_order(client=client_obj, order_id=bad) is None
    Payment.objects.filter(pk=payment.pk).update(state=PaymentState.SUCCEEDED)
    assert seam.payment_for_order(client=client_obj, order_id=payment.order_id)["state"] == "paid"
    nameless = make_payment(client_obj, factories.CustomerFactory(client=client_obj, firstname=""), null_merchant)
    assert seam.payment_for_order(client=client_obj, order_id=nameless.order_id)["customer_initial"] == ""


def test_resume_credits_an_open_payment_once(seam, client_obj, null_merchant, anna):
    payment = make_payment(client_obj, anna, null_merchant)
    result = seam.payment_resume(client=client_obj, order_id=payment.order_id)
    assert result["state"] == PaymentState.SUCCEEDED and result["payment_id"] == payment.order_id
    again = seam.payment_resume(client=client_obj, order_id=payment.order_id)
    assert again["state"] == PaymentState.SUCCEEDED and again["redirect_url"] == ""
    anna.refresh_from_db()
    assert anna.balance == Decimal("40.00")
    rows = CustomerTransaction.objects.filter(customer=anna, source=TransactionSource.PAYMENT)
    assert [row.ext_id for row in rows] == [payment.order_id]


def test_resume_of_a_failed_payment_starts_a_new_one(seam, client_obj, null_merchant, anna):
    failed = make_payment(client_obj, anna, null_merchant, state=PaymentState.FAILED, amount="9.99")
    result = seam.payment_resume(client=client_obj, order_id=failed.order_id, source="widget")
    new = Payment.objects.get(pk=result["transaction_id"])
    assert new.pk != failed.pk and new.amount == Decimal("9.99") and new.source == "widget"
    assert new.state == PaymentState.SUCCEEDED
    failed.refresh_from_db()
    assert failed.state == PaymentState.FAILED


def test_resume_of_a_pending_hosted_payment_gives_its_page_again(seam, client_obj, payture_merchant, anna):
    started = seam.payment_create(client=client_obj, customer=anna, amount=Decimal("20"), merchant_type="payture")
    assert started["redirect_url"]
    resumed = seam.payment_resume(client=client_obj, order_id=started["payment_id"])
    assert resumed["redirect_url"] == started["redirect_url"] and resumed["state"] == PaymentState.PENDING
    assert Payment.objects.count() == 1


def test_resume_refuses_another_operators_or_unknown_order(seam, client_obj, other_client, null_merchant, anna):
    payment = make_payment(client_obj, anna, null_merchant)
    for client, order_id in ((other_client, payment.order_id), (client_obj, "nope")):
        with pytest.raises(GatewayRefusal) as refused:
            seam.payment_resume(client=client, order_id=order_id)
        assert refused.value.code == 4
    payment.refresh_from_db()
    assert payment.state == PaymentState.CREATED
