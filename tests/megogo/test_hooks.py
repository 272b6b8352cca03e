"""The generic hooks the core offers online cinemas (added for MEGOGO, usable by any plugin):
`tvmiddleware.plugins.implementation`, the partner purchase in `video_purchase`, the partner
stream in `video/url`."""
from decimal import Decimal

import pytest

from billing.models import CustomerTransaction, TransactionSource
from billing.services import transaction_create
from tests import factories
from tvmiddleware.models import PriceCategory, VideoPurchase
from tvmiddleware.plugins import ExternalSystemAPI, PluginError, implementation, registry
from billing.purchases import PartnerRefused, video_purchase


class Cinema(ExternalSystemAPI):
    """Sells and serves its titles; refuses when told to."""

    refuse = False
    bought: list = []

    def purchase_video(self, *, account, video, price, customer=None, kind="buy", **_):
        if Cinema.refuse:
            raise PluginError("sold out")
        Cinema.bought.append((customer.pk, video.ext_id, kind, price))
        return {"id": "p1"}

    def get_video_url(self, *, account, video, file=None, device=""):
        return f"https://cinema.example/{video.ext_id}?device={device}"


class Bystander(ExternalSystemAPI):
    """Implements neither hook."""


@pytest.fixture
def cinema():
    Cinema.refuse, Cinema.bought = False, []
    registry.register("hook_cinema", Cinema)
    registry.register("hook_bystander", Bystander)
    yield Cinema
    registry.unregister("hook_cinema")
    registry.unregister("hook_bystander")


def test_implementation_only_for_enabled_installed_implementing_classes(db, cinema):
    system = factories.ExternalSystemFactory(api_class="hook_cinema")
    assert isinstance(implementation(system, "purchase_video"), Cinema)
    assert implementation(None, "purchase_video") is None
    assert implementation(factories.ExternalSystemFactory(api_class="hook_bystander"), "purchase_video") is None
    system.enabled = False
    assert implementation(system, "get_video_url") is None
    system.enabled, system.api_class = True, "not_installed"
    assert implementation(system, "get_video_url") is None


@pytest.fixture
def sale(db, cinema):
    account = factories.AccountFactory()
    customer = account.customer
    transaction_create(client=customer.client, customer=customer, amount="100.00", ext_id="seed")
    system = factories.ExternalSystemFactory(client=customer.client, api_class="hook_cinema")
    title = factories.VideoFactory(client=customer.client, price_category=PriceCategory.PURCHASE,
                                   price=Decimal("30.00"), external_system=system, ext_id="c-1")
    return account, customer, title


def test_the_partner_sells_after_the_ledger_debit(sale, cinema):
    account, customer, title = sale
    purchase = video_purchase(customer=customer, video=title, kind="buy", account=account)
    assert cinema.bought == [(customer.pk, "c-1", "buy", Decimal("30.00"))]
    assert purchase.transaction.amount == Decimal("-30.00")


def test_a_partner_refusal_is_refunded_and_raised(sale, cinema):
    account, customer, title = sale
    cinema.refuse = True
    with pytest.raises(PartnerRefused, match="sold out"):
        video_purchase(customer=customer, video=title, kind="buy", account=account)
    customer.refresh_from_db()
    assert customer.balance == Decimal("100.00") and not VideoPurchase.objects.exists()
    rows = CustomerTransaction.objects.filter(customer=customer).exclude(ext_id="seed").order_by("pk")
    assert [(r.source, r.amount) for r in rows] == [(TransactionSource.PURCHASE, Decimal("-30.00")),
                                                    (TransactionSource.REVERSAL, Decimal("30.00"))]
    assert rows[1].reverses_id == rows[0].pk


def test_titles_of_other_systems_are_sold_as_before(sale, cinema):
    account, customer, title = sale
    title.external_system = factories.ExternalSystemFactory(client=customer.client, api_class="hook_bystander")
    title.save()
    video_purchase(customer=customer, video=title, kind="buy", account=account)
    assert cinema.bought == [] and VideoPurchase.objects.count() == 1


def test_video_url_answers_the_partners_stream(cinema, logged_in, subscriber):
    system = factories.ExternalSystemFactory(client=subscriber.client, api_class="hook_cinema")
    title = factories.VideoFactory(client=subscriber.client, price_category=PriceCategory.FREE,
                                   external_system=system, ext_id="c-9")
    body = logged_in.json("video/url/", vid=title.pk, redirect=0)
    assert body["error"] == 0 and body["uri"] == "https://cinema.example/c-9?device=mag"
    assert logged_in.call("video/url/", vid=title.pk)["Location"] == body["uri"]
