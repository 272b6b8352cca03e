"""Buying and renting titles (services.purchases) and the access decision (tvmiddleware.selectors.vod.video_access)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import CustomerTransaction, TransactionSource
from billing.services import InsufficientFunds, transaction_create
from tests import factories
from tests.concurrency import run_parallel
from tvmiddleware import services
from tvmiddleware.models import DomainEvent, PriceCategory, VideoPurchase
from common.errors import Invalid, NotFound
from billing.purchases import AccountInactive, AlreadyPurchased, NotPurchasable, video_purchase
from tvmiddleware.selectors.vod import video_access


def make_buyer(balance: str = "100.00"):
    account = factories.AccountFactory()
    customer = account.customer
    if Decimal(balance):
        transaction_create(client=customer.client, customer=customer, amount=balance, ext_id="seed")
    title = factories.VideoFactory(client=customer.client, price_category=PriceCategory.PURCHASE,
                                   price=Decimal("30.00"), rent_price=Decimal("10.00"), rent_hours=24, ext_id="v-1")
    return account, customer, title


def purchase_rows(customer):
    return CustomerTransaction.objects.filter(customer=customer, source=TransactionSource.PURCHASE)


@pytest.fixture
def buyer(db):
    return make_buyer()


class TestVideoPurchase:
    def test_buy_charges_the_price_links_the_ledger_and_emits_the_event(self, buyer):
        account, customer, title = buyer
        purchase = video_purchase(customer=customer, video=title, kind="buy", account=account)
        customer.refresh_from_db()
        assert customer.balance == Decimal("70.00")
        assert purchase.expires_at is None and purchase.price == Decimal("30.00")
        row = purchase.transaction
        assert row.amount == Decimal("-30.00") and row.balance_after == Decimal("70.00")
        assert row.meta["video_id"] == title.pk and row.source == TransactionSource.PURCHASE
        event = DomainEvent.objects.get(name="video.purchased")
        assert event.client_id == customer.client_id and event.customer_id == customer.pk
        assert event.payload == {
            "purchase_id": purchase.pk, "video_id": title.pk, "video_ext_id": "v-1", "external_system_id": None,
            "kind": "buy", "price": "30.00", "expires_at": None, "transaction_id": row.pk, "account_id": account.pk,
        }

    def test_rent_lasts_rent_hours_and_can_be_taken_again_once_expired(self, buyer):
        account, customer, title = buyer
        start = timezone.now()
        rental = video_purchase(customer=customer, video=title, kind="rent", now=start)
        assert rental.expires_at == start + timedelta(hours=24) and rental.price == Decimal("10.00")
        with pytest.raises(AlreadyPurchased):
            video_purchase(customer=customer, video=title, kind="rent", now=start + timedelta(hours=23))
        with pytest.raises(AlreadyPurchased):  # buying for good while a rental runs is refused too
            video_purchase(customer=customer, video=title, kind="buy", now=start + timedelta(hours=23))
        again = video_purchase(customer=customer, video=title, kind="rent", now=start + timedelta(hours=24))
        assert again.pk != rental.pk
        customer.refresh_from_db()
        assert customer.balance == Decimal("80.00") and purchase_rows(customer).count() == 2

    def test_already_bought(self, buyer):
        account, customer, title = buyer
        video_purchase(customer=customer, video=title, kind="buy")
        for kind in ("buy", "rent"):
            with pytest.raises(AlreadyPurchased):
                video_purchase(customer=customer, video=title, kind=kind, now=timezone.now() + timedelta(days=900))
        customer.refresh_from_db()
        assert customer.balance == Decimal("70.00") and purchase_rows(customer).count() == 1

    def test_insufficient_funds_leaves_no_trace(self, buyer):
        account, customer, title = buyer
        title.price = Decimal("100.01")
        title.save()
        with pytest.raises(InsufficientFunds):
            video_purchase(customer=customer, video=title, kind="buy")
        customer.refresh_from_db()
        assert customer.balance == Decimal("100.00")
        assert not VideoPurchase.objects.exists() and not purchase_rows(customer).exists()
        assert not DomainEvent.objects.filter(name="video.purchased").exists()

    def test_exact_balance_is_enough(self, buyer):
        account, customer, title = buyer
        title.price = Decimal("100.00")
        title.save()
        video_purchase(customer=customer, video=title, kind="buy")
        customer.refresh_from_db()
        assert customer.balance == Decimal("0.00")

    def test_a_zero_price_title_is_given_without_a_ledger_row(self, buyer):
        account, customer, title = buyer
        title.price = Decimal("0.00")
        title.save()
        purchase = video_purchase(customer=customer, video=title, kind="buy")
        assert purchase.transaction is None and not purchase_rows(customer).exists()

    def test_what_cannot_be_bought(self, buyer):
        account, customer, title = buyer
        free = factories.VideoFactory(client=customer.client, price_category=PriceCategory.FREE)
        subscription = factories.VideoFactory(client=customer.client, price_category=PriceCategory.SUBSCRIPTION)
        for other in (free, subscription):
            with pytest.raises(NotPurchasable):
                video_purchase(customer=customer, video=other, kind="buy")
        title.rent_price = None
        title.save()
        with pytest.raises(NotPurchasable):
            video_purchase(customer=customer, video=title, kind="rent")
        with pytest.raises(Invalid):
            video_purchase(customer=customer, video=title, kind="steal")
        foreign = factories.VideoFactory(price_category=PriceCategory.PURCHASE, price=Decimal("1.00"))
        with pytest.raises(NotFound):
            video_purchase(customer=customer, video=foreign, kind="buy")
        title.available = False
        title.save()
        with pytest.raises(NotFound):
            video_purchase(customer=customer, video=title, kind="buy")
        assert not VideoPurchase.objects.exists()

    def test_inactive_account_cannot_buy(self, buyer):
        account, customer, title = buyer
        services.account_block_for_debt(account=account)
        account.refresh_from_db()
        with pytest.raises(AccountInactive):
            video_purchase(customer=customer, video=title, kind="buy", account=account)
        assert not VideoPurchase.objects.exists()

    def test_stream_access_is_refreshed_on_commit(self, buyer, django_capture_on_commit_callbacks):
        from tvmiddleware.streaming import access

        account, customer, title = buyer
        assert not access.can_watch(account.pk, "vod", title.pk)  # cached "no"
        with django_capture_on_commit_callbacks(execute=True):
            video_purchase(customer=customer, video=title, kind="buy", account=account)
        assert access.can_watch(account.pk, "vod", title.pk)


class TestVideoAccess:
    def test_free_tariff_and_purchase(self, buyer):
        account, customer, title = buyer
        client = customer.client
        tariff = factories.TariffFactory(client=client, basic_tariff_priority=0)
        services.tariff_assign(customer=customer, tariff=tariff)
        free = factories.VideoFactory(client=client, price_category=PriceCategory.FREE)
        opened = factories.VideoFactory(client=client)
        opened.tariffs.add(tariff)
        closed = factories.VideoFactory(client=client)
        assert video_access(customer=customer, video=free).reason == "free"
        assert video_access(customer=customer, video=opened).reason == "tariff"
        assert not video_access(customer=customer, video=closed).allowed
        title.tariffs.add(tariff)  # a tariff listing a purchase title does not open it
        assert video_access(customer=customer, video=title) == video_access(customer=customer, video=title)
        assert not video_access(customer=customer, video=title).allowed
        rental = video_purchase(customer=customer, video=title, kind="rent")
        decision = video_access(customer=customer, video=title, account=account)
        assert decision.allowed and decision.reason == "purchase" and decision.purchase == rental
        assert decision.expires_at == rental.expires_at
        later = rental.expires_at + timedelta(seconds=1)
        assert not video_access(customer=customer, video=title, now=later).allowed

    def test_inactive_account_keeps_only_tariffs_for_inactive_accounts(self, buyer):
        account, customer, title = buyer
        client = customer.client
        info = factories.TariffFactory(client=client, basic_tariff_priority=0, available_for_inactive_accounts=True)
        services.tariff_assign(customer=customer, tariff=info)
        info_video = factories.VideoFactory(client=client)
        info_video.tariffs.add(info)
        free = factories.VideoFactory(client=client, price_category=PriceCategory.FREE)
        video_purchase(customer=customer, video=title, kind="buy")
        services.account_block_for_debt(account=account)
        account.refresh_from_db()
        assert video_access(customer=customer, video=info_video, account=account).allowed
        assert not video_access(customer=customer, video=free, account=account).allowed
        bought = video_access(customer=customer, video=title, account=account)
        assert not bought.allowed and bought.is_purchased

    def test_another_operators_video_is_never_open(self, buyer):
        account, customer, title = buyer
        foreign = factories.VideoFactory(price_category=PriceCategory.FREE)
        assert not video_access(customer=customer, video=foreign).allowed


@pytest.mark.postgres
def test_parallel_identical_purchases_charge_once():
    account, customer, title = make_buyer()

    results, errors = run_parallel(10, lambda i: video_purchase(customer=customer, video=title, kind="buy",
                                                                 account=account))

    assert len(results) == 1
    assert len(errors) == 9 and all(isinstance(e, AlreadyPurchased) for e in errors)
    customer.refresh_from_db()
    assert customer.balance == Decimal("70.00")
    assert purchase_rows(customer).count() == 1 and VideoPurchase.objects.filter(customer=customer).count() == 1
    assert DomainEvent.objects.filter(name="video.purchased", customer_id=customer.pk).count() == 1
