"""Card binding through the Payture eWallet, saved-card payments, and autopayment from check_accounts."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone as dt_timezone
from decimal import Decimal

import pytest

from billing import modes
from billing.models import CustomerTransaction, TransactionSource
from billing.payment_gateway import GatewayRefusal
from billing.services import transaction_create
from payments import services
from payments.models import Merchant, Payment, PaymentState, RememberCard, SavedCard
from tests import factories
from tests.payments.conftest import NOTIFY_PATH, pay_on_page
from tests.payments.fakes import DECLINED_CARD, SUCCESS_CARD
from tvmiddleware import services as core
from tvmiddleware.models import AccountStatus, BillingMode, Customer

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=dt_timezone.utc)


def balance(customer):
    customer.refresh_from_db()
    return customer.balance


@pytest.fixture
def live_payture(payture, payture_merchant, live_server):
    payture.notify_url = live_server.url + NOTIFY_PATH
    return payture


def bind_card(fake, client, customer, card=SUCCESS_CARD, amount="10"):
    started = services.payment_start(client=client, customer=customer, amount=amount, autopayment_enable=True,
                                     ip="1.2.3.4")
    assert "/vwapi/Pay?SessionId=" in started.redirect_url
    pay_on_page(fake, started.redirect_url, card=card)
    return Payment.objects.get(pk=started.payment.pk)


def test_paying_with_autopayment_binds_the_card_and_turns_autopayment_on(live_payture, client_obj, customer):
    payment = bind_card(live_payture, client_obj, customer)
    assert payment.state == PaymentState.SUCCEEDED and payment.via_wallet
    assert live_payture.requests["/vwapi/PayStatus"] == 1     # confirmed through the eWallet status
    card = SavedCard.objects.get(customer=customer)
    assert card.masked_number == "411111xxxxxx1111" and card.for_autopayment
    assert (card.expires_month, card.expires_year) == (12, 2030) and not card.is_expired
    assert Customer.objects.get(pk=customer.pk).autopayment_enabled
    assert balance(customer) == Decimal("10.00")
    # The wallet login and password are derived, never the customer's own secrets.
    login = f"tvmw-{client_obj.pk}-{customer.pk}"
    assert list(live_payture.wallets) == [login]


def test_without_autopayment_the_on_request_mode_uses_plain_inpay(payture, payture_merchant, client_obj, customer):
    started = services.payment_start(client=client_obj, customer=customer, amount="10", ip="1.2.3.4")
    assert "/apim/Pay?SessionId=" in started.redirect_url and not started.payment.via_wallet
    Merchant.objects.filter(pk=payture_merchant.pk).update(remember_card=RememberCard.ALWAYS)
    started = services.payment_start(client=client_obj, customer=customer, amount="10", ip="1.2.3.4")
    assert started.payment.via_wallet


def test_saved_card_pay_list_and_delete(live_payture, client_obj, customer):
    card = SavedCard.objects.get(pk=bind_card(live_payture, client_obj, customer) and
                                 SavedCard.objects.get(customer=customer).pk)
    assert services.saved_card_list(client=client_obj, customer=customer) == [card]
    payment = services.saved_card_pay(client=client_obj, customer=customer, amount="25.00")
    assert payment.state == PaymentState.SUCCEEDED and payment.saved_card == card
    assert balance(customer) == Decimal("35.00")
    with pytest.raises(GatewayRefusal) as caught:
        services.saved_card_pay(client=client_obj, customer=customer, amount="1", card_id="nope")
    assert caught.value.code == 4
    services.saved_card_delete(client=client_obj, customer=customer, card_id=card.card_id)
    assert not SavedCard.objects.exists()
    assert not live_payture.wallets[f"tvmw-{client_obj.pk}-{customer.pk}"].cards[card.card_id].active
    with pytest.raises(services.CardNotFound):
        services.saved_card_delete(client=client_obj, customer=customer, card_id=card.card_id)


def test_a_declined_saved_card_records_a_failed_payment(live_payture, client_obj, customer):
    bind_card(live_payture, client_obj, customer)
    card = SavedCard.objects.get(customer=customer)
    wallet = live_payture.wallets[f"tvmw-{client_obj.pk}-{customer.pk}"]
    wallet.cards[card.card_id].pan = DECLINED_CARD          # the card has no funds any more
    with pytest.raises(GatewayRefusal) as caught:
        services.saved_card_pay(client=client_obj, customer=customer, amount="5")
    assert caught.value.code == 7                             # insufficient funds
    failed = Payment.objects.filter(saved_card=card).get()
    assert failed.state == PaymentState.FAILED and failed.error_code == "AMOUNT_EXCEED"
    assert balance(customer) == Decimal("10.00")


def periodic_customer(client, customer, price="30.00"):
    client.billing_mode = BillingMode.PERIODIC
    client.save(update_fields=["billing_mode"])
    factories.AccountFactory(customer=customer)
    tariff = factories.TariffFactory(client=client, price=Decimal(price), period=30)
    core.tariff_assign(customer=customer, tariff=tariff, start_date=NOW - timedelta(hours=1), end_date=None)


def test_check_accounts_tops_up_from_the_autopayment_card_once(live_payture, client_obj, customer):
    bind_card(live_payture, client_obj, customer)            # balance 10, autopayment on
    periodic_customer(client_obj, customer)                  # 30 due
    summary = modes.check_accounts(now=NOW)
    assert (summary.charged, summary.deactivated, summary.errors) == (1, 0, 0)
    autopay = Payment.objects.get(source="autopay")
    assert autopay.amount == Decimal("20.00") and autopay.state == PaymentState.SUCCEEDED
    assert autopay.idempotency_key.startswith(f"autopay:{customer.pk}:")
    assert balance(customer) == 0
    assert customer.accounts.get().active
    # A second run in the same period: nothing due, nothing charged to the card.
    modes.check_accounts(now=NOW)
    assert Payment.objects.filter(source="autopay").count() == 1
    assert live_payture.requests["/vwapi/Pay"] == 1


def test_a_refused_autopayment_blocks_for_debt_and_is_not_retried_in_the_period(live_payture, client_obj, customer):
    bind_card(live_payture, client_obj, customer)
    card = SavedCard.objects.get(customer=customer)
    live_payture.wallets[f"tvmw-{client_obj.pk}-{customer.pk}"].cards[card.card_id].pan = DECLINED_CARD
    periodic_customer(client_obj, customer)
    summary = modes.check_accounts(now=NOW)
    assert (summary.charged, summary.deactivated) == (0, 1)
    assert customer.accounts.get().status_reason == AccountStatus.DEBT
    modes.check_accounts(now=NOW)
    assert live_payture.requests["/vwapi/Pay"] == 1          # the same period's key: the card is not hit again
    assert not CustomerTransaction.objects.filter(source=TransactionSource.CHARGE).exists()


def test_without_autopayment_or_card_check_accounts_charges_as_before(null_merchant, client_obj, customer):
    periodic_customer(client_obj, customer, price="5.00")
    transaction_create(client=client_obj, customer=customer, amount="1.00", ext_id="seed")
    Customer.objects.filter(pk=customer.pk).update(autopayment_enabled=True)  # but no saved card
    summary = modes.check_accounts(now=NOW)
    assert (summary.charged, summary.deactivated) == (0, 1)
    assert not Payment.objects.exists()


def test_autopayment_toggle(null_merchant, client_obj, customer):
    card = SavedCard.objects.create(client=client_obj, customer=customer, merchant=null_merchant, card_id="c1",
                                    masked_number="555555xxxxxx4444", expires_month=1, expires_year=2020)
    assert card.is_expired
    services.autopayment_set(customer=customer, enabled=True, card_id="c1")
    assert Customer.objects.get(pk=customer.pk).autopayment_enabled
    assert SavedCard.objects.get(pk=card.pk).for_autopayment
    with pytest.raises(services.CardNotFound):
        services.autopayment_set(customer=customer, enabled=True, card_id="c2")
    services.autopayment_set(customer=customer, enabled=False)
    assert not Customer.objects.get(pk=customer.pk).autopayment_enabled
    # An expired card is not charged.
    assert services.autopay(client=client_obj, customer=customer, amount=Decimal("5"), key="k") is False
