"""What the Billing API's transaction/create records (`billing.transactions.billing_transaction_create`):
the row, the title it paid for, and the logins it opens are committed together or not at all."""
from decimal import Decimal

import pytest

from billing.models import CustomerTransaction
from billing.services import DuplicateTransaction
from billing.transactions import billing_transaction_create
from tests import factories
from tvmiddleware.models import AccountStatus, PriceCategory, VideoPurchase
from tvmiddleware.services import NotFound, account_deactivate

pytestmark = pytest.mark.django_db


def test_a_repeated_ext_id_opens_no_login(client_obj, customer, account):
    billing_transaction_create(client=client_obj, customer=customer, amount=Decimal("10.00"), ext_id="P1")
    account_deactivate(account=account)
    with pytest.raises(DuplicateTransaction):
        billing_transaction_create(client=client_obj, customer=customer, amount=Decimal("10.00"), ext_id="P1",
                                   activate_accounts=True)
    account.refresh_from_db()
    assert not account.active and account.status_reason == AccountStatus.INACTIVE
    assert CustomerTransaction.objects.filter(customer=customer).count() == 1


def test_a_title_sold_by_the_billing_and_the_logins_opened_together(client_obj, customer, account):
    account_deactivate(account=account)
    title = factories.VideoFactory(client=client_obj, price_category=PriceCategory.PURCHASE, price=Decimal("5.00"))
    row = billing_transaction_create(client=client_obj, customer=customer, amount=Decimal("-5.00"), ext_id="S1",
                                     video=title, activate_accounts=True)
    assert VideoPurchase.objects.get(customer=customer, video=title).transaction == row
    account.refresh_from_db()
    assert account.active


def test_another_operators_customer_is_refused(client_obj, other_client):
    stranger = factories.CustomerFactory(client=other_client)
    with pytest.raises(NotFound):
        billing_transaction_create(client=client_obj, customer=stranger, amount=Decimal("1.00"), ext_id="X",
                                   video=factories.VideoFactory(client=other_client))
    assert not CustomerTransaction.objects.exists()
