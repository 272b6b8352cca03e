"""`seed_demo` gives every demo operator a default null merchant, so the demo apps can top up."""
from decimal import Decimal

import pytest

from demo.builder import seed
from payments import services
from payments.models import Merchant, MerchantType, PaymentState
from tvmiddleware.models import Account

pytestmark = pytest.mark.django_db


def test_demo_operators_pay_through_the_null_gateway_and_a_rerun_adds_nothing():
    seed()
    seed()
    merchants = list(Merchant.objects.all())
    assert merchants and all(m.merchant_type == MerchantType.NULL and m.is_default and m.enabled for m in merchants)
    assert len({m.client_id for m in merchants}) == len(merchants)

    account = Account.objects.select_related("customer", "client").order_by("pk").first()
    before = account.customer.balance
    started = services.payment_start(client=account.client, customer=account.customer, amount=Decimal("5.00"))
    account.customer.refresh_from_db()
    assert started.payment.state == PaymentState.SUCCEEDED
    assert account.customer.balance == before + Decimal("5.00")
