"""Customer self-service: devices, card, payment details and summary fields, invoices, statements,
subscriptions and their cost."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing import payment_gateway
from billing.services import transaction_create
from tests import factories
from tvmiddleware import services
from tvmiddleware.models import AccountDevice, AuthKey, Customer, SelfServiceSettings, TariffSubscription


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _queries(api, method: str, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.json(method, **params)["error"] == 0
    return len(queries)


# --- customer/device/list, customer/device/delete -------------------------------------------------------

def test_device_list_and_delete(logged_in, subscriber):
    second, _ = services.account_create(client=subscriber.client, customer=subscriber.customer)
    tv = factories.AccountDeviceFactory(account=second, device_model="Bravia", brand_name="Sony")
    foreign = factories.AccountDeviceFactory(account=factories.AccountFactory())
    stranger = factories.AccountDeviceFactory(account=factories.AccountFactory(client=subscriber.client))
    devices = logged_in.json("customer/device/list/")["devices"]
    by_uid = {row["device_uid"]: row for row in devices}
    assert set(by_uid) == {"00:1A:79:00:00:01", tv.device_uid}  # the login's box and the other account's TV
    assert by_uid["00:1A:79:00:00:01"]["status"] is True and by_uid[tv.device_uid]["status"] is False
    assert by_uid[tv.device_uid] | {"created_at": ""} == {
        "id": tv.pk, "system_name": "mag", "device_uid": tv.device_uid, "brand_name": "Sony", "device_model": "Bravia",
        "status": False, "created_at": ""}
    for other in (foreign, stranger):
        assert logged_in.json("customer/device/delete/", id=other.pk)["error"] == 1
    assert logged_in.json("customer/device/delete/", id="x")["error"] == 1
    assert logged_in.json("customer/device/delete/", id=tv.pk) == {"error": 0, "error_message": ""}
    assert not AccountDevice.objects.filter(pk=tv.pk).exists()
    assert AccountDevice.objects.filter(pk__in=[foreign.pk, stranger.pk]).count() == 2
    own = AccountDevice.objects.get(account=subscriber.account, device_uid="00:1A:79:00:00:01")
    assert logged_in.json("customer/device/delete/", id=own.pk)["error"] == 0
    assert not AuthKey.objects.filter(account=subscriber.account).exists()  # its session ended
    assert logged_in.json("customer/device/list/")["error"] == 403


def test_device_list_constant_queries(logged_in, subscriber):
    _queries(logged_in, "customer/device/list/")
    factories.AccountDeviceFactory(account=subscriber.account)
    few = _queries(logged_in, "customer/device/list/")
    for _ in range(18):
        factories.AccountDeviceFactory(account=subscriber.account)
    assert len(logged_in.json("customer/device/list/")["devices"]) == 20
    assert _queries(logged_in, "customer/device/list/") == few


# --- customer/info/set -------------------------------------------------------------------------------------

def test_info_set(logged_in, subscriber):
    body = logged_in.json("customer/info/set/", post=True, firstname="Pyotr", email="p@example.com",
                          mobile_phone_number="+7 (900) 111-22-33")
    assert body == {"error": 0, "error_messages": {}}
    customer = Customer.objects.get(pk=subscriber.customer.pk)
    assert (customer.firstname, customer.lastname, customer.email, customer.mobile_phone_number) == (
        "Pyotr", "Petrov", "p@example.com", "+79001112233")
    body = logged_in.json("customer/info/set/", post=True, email="not-an-address", firstname="x" * 101)
    assert body["error"] == 1 and set(body["error_messages"]) == {"email", "firstname"}
    assert isinstance(body["error_messages"]["email"], list)
    assert logged_in.json("customer/info/set/", post=True, mobile_phone_number="12")["error"] == 6
    services.customer_create(client=subscriber.client, firstname="Other", mobile_phone_number="+79009998877")
    assert logged_in.json("customer/info/set/", post=True, mobile_phone_number="+79009998877")["error"] == 2
    # another operator's subscriber with the number does not matter
    services.customer_create(client=factories.ClientFactory(), firstname="F", mobile_phone_number="+79005554433")
    assert logged_in.json("customer/info/set/", post=True, mobile_phone_number="+79005554433")["error"] == 0
    assert logged_in.json("customer/info/set/", post=True, email="")["error"] == 0  # cleared
    assert Customer.objects.get(pk=subscriber.customer.pk).email == ""


def test_info_set_confirms_a_new_number(logged_in, subscriber, capsys):
    SelfServiceSettings.objects.create(client=subscriber.client, confirm_phone_change=True)
    capsys.readouterr()
    body = logged_in.json("customer/info/set/", post=True, mobile_phone_number="+79001112233")
    assert body["error"] == 3 and "confirmation_phone" in body["error_messages"]
    code = capsys.readouterr().out.rsplit("code: ", 1)[1].split()[0]
    assert Customer.objects.get(pk=subscriber.customer.pk).mobile_phone_number == ""
    assert logged_in.json("customer/info/set/", post=True, mobile_phone_number="+79001112233")["error"] == 4
    wrong = "000000" if code != "000000" else "111111"
    assert logged_in.json("customer/info/set/", post=True, mobile_phone_number="+79001112233", code=wrong)[
        "error"] == 5
    assert logged_in.json("customer/info/set/", post=True, mobile_phone_number="+79001112233", code=code)[
        "error"] == 0
    assert Customer.objects.get(pk=subscriber.customer.pk).mobile_phone_number == "+79001112233"


def test_info_set_sms_failure(logged_in, subscriber, settings):
    SelfServiceSettings.objects.create(client=subscriber.client, confirm_phone_change=True)
    settings.TVMIDDLEWARE_SMS_BACKEND = "tvmiddleware.notify.sms.HttpGatewaySMSBackend"
    settings.TVMIDDLEWARE_SMS_GATEWAY_URL = ""
    assert logged_in.json("customer/info/set/", post=True, mobile_phone_number="+79001112233")["error"] == 7


# --- what the customer pays: customer/info, v2/customer/info, customer/payment/info ----------------------------

@pytest.fixture
def priced(subscriber):
    """The basic tariff (300.00 / 30 days) at an individual 250.00, paid until in 10 days, and a
    sport tariff 90.00 / 30 days paid until in 20 days; balance 100.00."""
    client, customer = subscriber.client, subscriber.customer
    now = timezone.now()
    TariffSubscription.objects.filter(customer=customer, tariff=subscriber.tariff).update(
        price=Decimal("250.00"), end_date=now + timedelta(days=10))
    sport = factories.TariffFactory(client=client, name="Sport", basic_tariff_priority=0, price=Decimal("90.00"))
    services.tariff_assign(customer=customer, tariff=sport, start_date=now, end_date=now + timedelta(days=20))
    return sport


def test_customer_info_summary_fields(logged_in, subscriber, priced):
    body = logged_in.json("customer/info/")
    assert body["payment_sum"] == 340.0 and body["payment_sum_no_discount"] == 390.0
    assert body["payment_period"] == 30
    assert body["annual_payment"] == f"{Decimal('340') * 365 / 30:.2f}"
    assert body["current_debt_amount"] == "0.00"
    assert body["activation_days_left"] in (9, 10)
    transaction_create(client=subscriber.client, customer=subscriber.customer, amount="-150.00", ext_id="debt")
    assert logged_in.json("customer/info/")["current_debt_amount"] == "50.00"


def test_v2_customer_info(logged_in, subscriber, priced):
    transaction_create(client=subscriber.client, customer=subscriber.customer, amount="600.00", ext_id="top-up")
    body = logged_in.json("v2/customer/info/")
    paid_until = timezone.localdate(timezone.now() + timedelta(days=10))
    assert body["abonement"] == int(subscriber.account.abonement) and body["balance"] == "700.00"
    assert body["deactivation_date"] == paid_until.isoformat()
    assert body["deactivation_date_to"] == (paid_until + timedelta(days=60)).isoformat()  # 700 covers 2 x 340
    assert body["is_trial"] == 0 and body["autopayment_enabled"] == 0 and body["payment_sum"] == 340.0
    services.account_modify(account=subscriber.account, auto_activation_period=7,
                            deactivation_date=timezone.localdate() + timedelta(days=3))
    body = logged_in.json("v2/customer/info/")
    assert body["is_trial"] == 1 and body["activation_days_left"] == 3


def test_payment_info(logged_in, subscriber, priced):
    body = logged_in.json("customer/payment/info/")
    assert body["payment_sum"] == 340.0 and body["payment_sum_no_discount"] == 390.0
    assert [(row["title"], row["sum"]) for row in body["details"]] == [("Base", 250.0), ("Sport", 90.0)]
    assert body["details"][1]["date"] == timezone.localdate(timezone.now() + timedelta(days=20)).isoformat()


# --- subscriptions and their cost ------------------------------------------------------------------------

def test_subscription_list_and_cost(logged_in, subscriber, priced):
    rows = logged_in.json("customer/tariff/subscription/list/")["subscriptions"]
    assert [(row["tariff_name"], row["price"]) for row in rows] == [("Base", 250.0), ("Sport", 90.0)]
    movies = factories.TariffFactory(client=subscriber.client, name="Movies", basic_tariff_priority=0,
                                     price=Decimal("50.00"), default_activation_price=Decimal("5.00"))
    kids = factories.TariffFactory(client=subscriber.client, name="Kids", basic_tariff_priority=0,
                                   price=Decimal("20.00"))
    foreign = factories.TariffFactory(basic_tariff_priority=0)
    assert logged_in.json("customer/tariff/subscription/cost/", tariff_id=f"{movies.pk},{kids.pk}") == {
        "error": 0, "error_message": "", "price": 75.0, "balance": 100.0}
    for bad in (priced.pk, foreign.pk, "x", None):
        assert logged_in.json("customer/tariff/subscription/cost/", tariff_id=bad)["error"] == 1, bad


def test_subscription_list_constant_queries(logged_in, subscriber):
    def add(n):
        for _ in range(n):
            services.tariff_assign(customer=subscriber.customer,
                                   tariff=factories.TariffFactory(client=subscriber.client, basic_tariff_priority=0))
    add(1)
    _queries(logged_in, "customer/tariff/subscription/list/")
    few = _queries(logged_in, "customer/tariff/subscription/list/")
    add(18)
    assert _queries(logged_in, "customer/tariff/subscription/list/") == few


# --- customer/invoice/complete -------------------------------------------------------------------------------

class FakeProvider:
    def __init__(self, outcome):
        self.outcome = outcome
        self.asked = []

    def invoice_complete(self, *, customer, invoice_id):
        self.asked.append((customer.pk, invoice_id))
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


@pytest.fixture
def swap_provider():
    before = payment_gateway.provider()
    yield payment_gateway.register_provider
    payment_gateway.register_provider(before)


def test_invoice_complete(logged_in, subscriber, swap_provider):
    swap_provider(None)
    assert logged_in.json("customer/invoice/complete/", invoice_id="7")["error"] == 104
    swap_provider(object())
    assert logged_in.json("customer/invoice/complete/", invoice_id="7")["error"] == 106
    fake = FakeProvider("pending")
    swap_provider(fake)
    assert logged_in.json("customer/invoice/complete/")["error"] == 120
    assert logged_in.json("customer/invoice/complete/", invoice_id="7")["error"] == 160
    assert fake.asked == [(subscriber.customer.pk, "7")]
    fake.outcome = "paid"
    assert logged_in.json("customer/invoice/complete/", invoice_id="7") == {"error": 0, "error_message": ""}
    fake.outcome = payment_gateway.GatewayRefusal(3, "Gateway down.")
    assert logged_in.json("customer/invoice/complete/", invoice_id="7")["error"] == 105


def test_invoice_complete_with_the_payments_app(logged_in, subscriber):
    from payments import services as payment_services
    from payments.models import Merchant, MerchantType

    if not hasattr(payment_gateway.provider(), "invoice_complete"):
        pytest.fail("the payments app is installed in the test settings")
    Merchant.objects.create(client=subscriber.client, merchant_type=MerchantType.NULL, name="Demo", is_default=True)
    started = payment_services.payment_start(client=subscriber.client, customer=subscriber.customer,
                                             amount=Decimal("10.00"), merchant_type="", source="device_api")
    assert logged_in.json("customer/invoice/complete/", invoice_id=str(started.payment.pk))["error"] in (0, 160)
    other = services.customer_create(client=subscriber.client, firstname="Other")
    theirs = payment_services.payment_start(client=subscriber.client, customer=other, amount=Decimal("10.00"),
                                            merchant_type="", source="device_api")
    assert logged_in.json("customer/invoice/complete/", invoice_id=str(theirs.payment.pk))["error"] == 105


# --- customer/billing_details_notify ---------------------------------------------------------------------

def test_billing_details_notify(logged_in, subscriber):
    body = logged_in.json("customer/billing_details_notify/", email="ivan@example.com", period=30)
    assert body == {"error": 0, "error_message": ""}
    assert mail.outbox[-1].to == ["ivan@example.com"] and "100.00" in mail.outbox[-1].body
    assert Customer.objects.get(pk=subscriber.customer.pk).email == "ivan@example.com"  # had none
    services.customer_create(client=subscriber.client, firstname="Other", email="other@example.com")
    assert logged_in.json("customer/billing_details_notify/", email="other@example.com", period=30)["error"] == 2
    assert logged_in.json("customer/billing_details_notify/", email="bad", period=30)["error"] == 1
    assert logged_in.json("customer/billing_details_notify/", email="ivan@example.com", period=0)["error"] == 1
    assert logged_in.json("customer/billing_details_notify/", email="ivan@example.com")["error"] == 1
    from billing.models import CustomerTransaction
    CustomerTransaction.objects.update(created_at=timezone.now() - timedelta(days=40))
    assert logged_in.json("customer/billing_details_notify/", email="ivan@example.com", period=30)["error"] == 3
    assert logged_in.json("customer/billing_details_notify/", email="ivan@example.com", period=60)["error"] == 0
    for _ in range(3):
        logged_in.json("customer/billing_details_notify/", email="ivan@example.com", period=60)
    assert logged_in.json("customer/billing_details_notify/", email="ivan@example.com", period=60)["error"] == 1


def test_payment_info_constant_queries(logged_in, subscriber):
    def add(n):
        for _ in range(n):
            services.tariff_assign(customer=subscriber.customer, tariff=factories.TariffFactory(
                client=subscriber.client, basic_tariff_priority=0, price=Decimal("1.00")))
    add(1)
    _queries(logged_in, "customer/payment/info/")
    few = _queries(logged_in, "customer/payment/info/")
    add(18)
    body = logged_in.json("customer/payment/info/")
    assert len(body["details"]) == 20 and body["payment_sum"] == 300.0 + 19
    assert _queries(logged_in, "customer/payment/info/") == few
    # another customer's tariffs are not the subscriber's charges
    other = services.customer_create(client=subscriber.client, firstname="Other")
    services.tariff_assign(customer=other, tariff=factories.TariffFactory(client=subscriber.client))
    assert len(logged_in.json("customer/payment/info/")["details"]) == 20


def test_xml_devices_get_the_self_service_answers_as_xml(api, subscriber):
    from xml.etree.ElementTree import fromstring

    from apikit import device as framework
    from tvmiddleware.models import DeviceType, ResponseFormat

    DeviceType.objects.filter(system_name="dune").update(response_format=ResponseFormat.XML)
    framework._device_types.clear()
    response = api.call("login/", auth=False, abonement=subscriber.account.abonement, password=subscriber.password,
                        api_key=subscriber.client.api_key, device="dune", device_uid="00:1A:79:00:00:09")
    api.authkey = fromstring(response.content).findtext("authkey")
    root = fromstring(api.call("customer/device/list/").content)
    assert root.findtext("error") == "0"
    assert [item.findtext("device_uid") for item in root.find("devices").findall("item")] == ["00:1A:79:00:00:09"]
    root = fromstring(api.call("v2/customer/info/").content)
    assert root.findtext("firstname") == "Ivan" and root.findtext("payment_period") == "30"
    root = fromstring(api.call("customer/device/delete/", id="x").content)
    assert root.findtext("error") == "1"
