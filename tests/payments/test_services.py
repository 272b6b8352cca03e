"""Payment services: null gateway, state machine, refunds, reconciliation, merchant choice."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from billing.models import CustomerTransaction, TransactionSource
from billing.payment_gateway import GatewayNotConfigured, GatewayRefusal, provider
from payments import selectors, services
from payments.models import IllegalTransition, Merchant, Payment, PaymentState
from tests import factories

pytestmark = pytest.mark.django_db


def balance(customer):
    customer.refresh_from_db()
    return customer.balance


def test_null_gateway_succeeds_and_credits_at_once(null_merchant, client_obj, customer):
    started = services.payment_start(client=client_obj, customer=customer, amount="12.34", merchant_type="null")
    assert started.payment.state == PaymentState.SUCCEEDED
    assert balance(customer) == Decimal("12.34")
    row = started.payment.transaction
    assert (row.source, row.ext_id) == (TransactionSource.PAYMENT, started.payment.order_id)
    # Refreshing a settled payment asks nobody and credits nothing more.
    assert services.payment_refresh(payment=started.payment).state == PaymentState.SUCCEEDED
    assert balance(customer) == Decimal("12.34")


def test_the_default_merchant_and_unconfigured_operators(client_obj, customer, null_merchant):
    assert services.merchant_for(client=client_obj) == null_merchant   # the only enabled one
    with pytest.raises(GatewayNotConfigured) as caught:
        services.merchant_for(client=client_obj, merchant_type="payture")
    assert caught.value.code == 13
    Merchant.objects.filter(pk=null_merchant.pk).update(enabled=False)
    with pytest.raises(GatewayNotConfigured):
        services.payment_start(client=client_obj, customer=customer, amount="1")


@pytest.mark.parametrize("amount", ["0", "-5", "1.234", "abc", "NaN", "10000000"])
def test_bad_amounts_are_refused_with_code_4(null_merchant, client_obj, customer, amount):
    with pytest.raises(GatewayRefusal) as caught:
        services.payment_start(client=client_obj, customer=customer, amount=amount)
    assert caught.value.code == 4
    assert not Payment.objects.exists()


def test_another_operators_customer_is_refused(null_merchant, client_obj, other_client):
    stranger = factories.CustomerFactory(client=other_client)
    with pytest.raises(GatewayRefusal) as caught:
        services.payment_start(client=client_obj, customer=stranger, amount="1")
    assert caught.value.code == 4


def test_state_machine_refuses_illegal_transitions(null_merchant, client_obj, customer):
    payment = services.payment_start(client=client_obj, customer=customer, amount="1").payment
    with pytest.raises(IllegalTransition):
        payment.set_state(PaymentState.FAILED)
    with pytest.raises(IllegalTransition):
        payment.set_state(PaymentState.PENDING)
    payment.set_state(PaymentState.REFUNDED)
    with pytest.raises(IllegalTransition):
        payment.set_state(PaymentState.SUCCEEDED)


def test_refund_through_payture_reverses_the_credit_once(payture, payture_merchant, client_obj, customer):
    payment = services.payment_start(client=client_obj, customer=customer, amount="40", ip="1.2.3.4").payment
    with pytest.raises(GatewayRefusal) as caught:       # not paid yet
        services.payment_refund(payment=payment)
    assert caught.value.code == 4
    payture.set_state(payment.order_id, "Charged")
    payment = services.payment_refresh(payment=payment)
    assert balance(customer) == Decimal("40.00")
    refunded = services.payment_refund(payment=payment)
    assert refunded.state == PaymentState.REFUNDED
    assert payture.orders[payment.order_id].state == "Refunded"
    assert balance(customer) == 0
    assert refunded.refund_transaction.reverses_id == refunded.transaction_id
    # Again: nothing more happens, neither at Payture nor on the balance.
    assert services.payment_refund(payment=refunded).state == PaymentState.REFUNDED
    assert payture.requests["/apim/Refund"] == 1
    assert balance(customer) == 0


def test_refund_refused_by_payture_changes_nothing(payture, payture_merchant, client_obj, customer):
    payment = services.payment_start(client=client_obj, customer=customer, amount="40", ip="1.2.3.4").payment
    payture.set_state(payment.order_id, "Charged")
    services.payment_refresh(payment=payment)
    Merchant.objects.filter(pk=payture_merchant.pk).update(password="wrong")
    with pytest.raises(GatewayRefusal) as caught:
        services.payment_refund(payment=payment)
    assert caught.value.code == 2 and "ACCESS_DENIED" in caught.value.message
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED and balance(customer) == Decimal("40.00")


def test_init_refusals_and_timeouts_leave_a_failed_payment(payture, payture_merchant, client_obj, customer):
    payture.fail_next["Init"] = "WRONG_PARAMS"
    with pytest.raises(GatewayRefusal) as caught:
        services.payment_start(client=client_obj, customer=customer, amount="5", ip="1.2.3.4")
    assert caught.value.code == 4
    Merchant.objects.filter(pk=payture_merchant.pk).update(timeout=1)
    payture.hang = 2
    with pytest.raises(GatewayRefusal) as caught:
        services.payment_start(client=client_obj, customer=customer, amount="5", ip="1.2.3.4")
    assert caught.value.code == 3
    payture.hang = 0
    assert list(Payment.objects.values_list("state", flat=True)) == [PaymentState.FAILED] * 2
    Merchant.objects.filter(pk=payture_merchant.pk).update(pay_key="not-the-key")
    with pytest.raises(GatewayRefusal) as caught:
        services.payment_start(client=client_obj, customer=customer, amount="5", ip="1.2.3.4")
    assert caught.value.code == 2


def test_reconciliation_credits_lost_notifications_and_expires_abandoned(payture, payture_merchant, client_obj,
                                                                         customer):
    paid = services.payment_start(client=client_obj, customer=customer, amount="7", ip="1.2.3.4").payment
    abandoned = services.payment_start(client=client_obj, customer=customer, amount="8", ip="1.2.3.4").payment
    fresh = services.payment_start(client=client_obj, customer=customer, amount="9", ip="1.2.3.4").payment
    payture.set_state(paid.order_id, "Charged")
    Payment.objects.filter(pk=paid.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    Payment.objects.filter(pk=abandoned.pk).update(created_at=timezone.now() - timedelta(days=2))
    counts = services.payments_reconcile(older_than=timedelta(minutes=10), expire_after=timedelta(hours=24))
    assert counts == {"checked": 2, "succeeded": 1, "failed": 0, "expired": 1, "pending": 0, "errors": 0}
    states = dict(Payment.objects.values_list("pk", "state"))
    assert states == {paid.pk: PaymentState.SUCCEEDED, abandoned.pk: PaymentState.FAILED,
                      fresh.pk: PaymentState.PENDING}
    assert balance(customer) == Decimal("7.00")
    # The expired one is paid after all (a late notification): money taken is credited.
    payture.set_state(abandoned.order_id, "Charged")
    assert services.payment_refresh(payment=abandoned).state == PaymentState.SUCCEEDED
    assert balance(customer) == Decimal("15.00")


def test_a_late_failure_after_success_undoes_nothing(payture, payture_merchant, client_obj, customer, monkeypatch,
                                                   caplog):
    """Reconciliation read a payment as still open, then the gateway's success notification settled it,
    then reconciliation's own "expired" failure arrives: the state machine keeps SUCCEEDED (no
    SUCCEEDED → FAILED), the credit stays, nothing is credited or reversed twice, and the late
    failure is only logged."""
    payment = services.payment_start(client=client_obj, customer=customer, amount="12", ip="1.2.3.4").payment
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timedelta(days=2))
    real_refresh = services.payment_refresh

    def stale_then_paid(*, payment):
        stale = real_refresh(payment=payment)      # the gateway still says pending
        assert stale.state == PaymentState.PENDING
        payture.set_state(payment.order_id, "Charged")
        assert real_refresh(payment=payment).state == PaymentState.SUCCEEDED  # the notification, meanwhile
        return stale

    monkeypatch.setattr(services, "payment_refresh", stale_then_paid)
    with caplog.at_level("WARNING", logger="payments"):
        counts = services.payments_reconcile(older_than=timedelta(minutes=10), expire_after=timedelta(hours=24))
    assert counts["expired"] == 0 and counts["checked"] == 1
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED and payment.error_code == ""
    assert payment.transaction is not None and payment.transaction.amount == Decimal("12.00")
    assert balance(customer) == Decimal("12.00")
    assert CustomerTransaction.objects.filter(customer=customer).count() == 1
    assert any("after succeeded: ignored" in r.getMessage() for r in caplog.records)
    # The settled payment stays settled: a later refresh asks nobody and changes nothing.
    assert real_refresh(payment=payment).state == PaymentState.SUCCEEDED
    assert balance(customer) == Decimal("12.00")


def test_reconcile_command_and_task(payture, payture_merchant, client_obj, customer, capsys):
    from payments.tasks import reconcile

    payment = services.payment_start(client=client_obj, customer=customer, amount="3", ip="1.2.3.4").payment
    payture.set_state(payment.order_id, "Charged")
    payture.down = True
    call_command("payments_reconcile", "--older-than", "0")
    assert "errors 1" in capsys.readouterr().out
    payture.down = False
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert reconcile()["succeeded"] == 1
    assert balance(customer) == Decimal("3.00")


def test_selectors_scope_to_the_customer(null_merchant, client_obj, customer):
    mine = services.payment_start(client=client_obj, customer=customer, amount="1").payment
    other = services.payment_start(client=client_obj, customer=factories.CustomerFactory(client=client_obj),
                                   amount="1").payment
    assert selectors.payment_of_customer(customer=customer, transaction_id=mine.pk) == mine
    assert selectors.payment_of_customer(customer=customer, transaction_id=other.pk) is None
    assert selectors.payment_of_customer(customer=customer, transaction_id="x") is None
    assert selectors.payment_of_customer(customer=customer, transaction_id=mine.pk, session_id="nope") is None
    assert list(selectors.payments_of_customer(customer=customer)) == [mine]


def test_provider_is_registered_for_the_core(null_merchant, client_obj, customer):
    answer = provider().payment_create(client=client_obj, customer=customer, amount=Decimal("2"))
    assert answer["transaction_id"] and answer["payment_id"] and answer["state"] == PaymentState.SUCCEEDED
    url, name = provider().merchant_url(client=client_obj, customer=customer, amount=Decimal("1"),
                                        return_url="https://back.example/")
    assert (url, name) == ("https://back.example/", "Demo payments")
    assert CustomerTransaction.objects.filter(source=TransactionSource.PAYMENT).count() == 2
