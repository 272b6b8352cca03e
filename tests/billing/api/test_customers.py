"""Billing API, Customer group: what an operator's billing sees and may change about subscribers."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import CustomerTransaction, TransactionSource
from billing.services import transaction_create
from tests import factories
from tvmiddleware.models import Account, Customer, TariffSubscription
from tvmiddleware.services import tariff_assign

pytestmark = pytest.mark.django_db

HOSTILE = ["'; DROP TABLE tvmiddleware_customer; --", "<script>alert(1)</script>", "Ёлка ☃"]


@pytest.fixture
def customer(operator):
    return factories.CustomerFactory(client=operator, ext_id="C-1", mobile_phone_number="+79990001122")


@pytest.fixture
def foreign_customer(db):
    return factories.CustomerFactory(ext_id="C-1")


@pytest.fixture
def tariff(operator):
    return factories.TariffFactory(client=operator, ext_id="T-BASE", basic_tariff_priority=1)


@pytest.fixture
def extra(operator):
    return factories.TariffFactory(client=operator, ext_id="T-SPORT", basic_tariff_priority=0)


# --- CustomerCreate -------------------------------------------------------------------------------------

class TestCustomerCreate:
    def test_minimal(self, billing_api, operator):
        body = billing_api.json("customer/create/", firstname="Ivan")
        assert body["error"] == 0, body
        customer = Customer.objects.get(pk=body["id"])
        assert customer.client == operator and customer.firstname == "Ivan"

    def test_every_documented_field(self, billing_api):
        body = billing_api.json(
            "customer/create/", firstname="Ivan", middlename="I.", lastname="Petrov", birthdate="1980-02-29",
            passport_number="123456", passport_series="4500", passport_issue_date="2001-01-02",
            passport_issued_by="OVD", postal_address_street="Lenina", postal_address_bld="1",
            postal_address_apt="2", postal_address_zip="101000", billing_address_street="Mira",
            billing_address_bld="3", billing_address_apt="4", billing_address_zip="102000",
            mobile_phone_number="+79990000000", phone_number_1="111", phone_number_2="222",
            fax_phone_number="333", email="ivan@example.com", company_name="ACME", comment="VIP",
            ext_id="EXT-7", send_sms=1, bank_account_blz="blz", bank_account_bic="bic",
            bank_account_number="40817", bank_account_iban="DE89", bank_account_bank_name="Bank",
            bank_account_owner_name="Ivan", contract_number="D-1", dealer_id="42",
            meta='{"source": "web", "n": [1, 2]}', send_sms_messages=0, send_email_messages=0,
            postal_address_city="Moscow", postal_address_country="RU",
        )
        assert body["error"] == 0, body
        c = Customer.objects.get(pk=body["id"])
        assert (c.firstname, c.middlename, c.lastname) == ("Ivan", "I.", "Petrov")
        assert c.birthdate == date(1980, 2, 29) and c.passport_issue_date == date(2001, 1, 2)
        assert c.meta == {"source": "web", "n": [1, 2]}
        assert c.ext_id == "EXT-7" and c.send_sms and not c.send_sms_messages and not c.send_email_messages
        assert (c.postal_address_city, c.postal_address_country, c.dealer_id) == ("Moscow", "RU", "42")
        assert c.bank_account_iban == "DE89" and c.contract_number == "D-1" and c.email == "ivan@example.com"

    def test_custom_billing_api(self, billing_api, operator):
        system = factories.ExternalSystemFactory(client=operator)
        body = billing_api.json("customer/create/", comment="x", custom_billing_api=system.pk)
        assert Customer.objects.get(pk=body["id"]).custom_billing_api == system
        foreign = factories.ExternalSystemFactory()
        body = billing_api.json("customer/create/", comment="x", custom_billing_api=foreign.pk)
        assert body["error"] == 3 and "custom_billing_api" in body["error_fields"]

    def test_duplicate_ext_id_is_1(self, billing_api, customer, foreign_customer):
        body = billing_api.json("customer/create/", firstname="Dup", ext_id="C-1")
        assert body["error"] == 1 and body["error_fields"] == {"ext_id": "duplicate"}
        assert Customer.objects.filter(client=customer.client).count() == 1

    @pytest.mark.parametrize("params, field", [
        ({"meta": "{not json"}, "meta"),
        ({"meta": "[1, 2]"}, "meta"),
        ({"meta": "[" * 5000 + "]" * 5000}, "meta"),
        ({"birthdate": "1980-13-01"}, "birthdate"),
        ({"birthdate": "01.02.1980"}, "birthdate"),
        ({"passport_issue_date": "2020-02-30"}, "passport_issue_date"),
        ({"email": "not-an-email"}, "email"),
        ({"send_sms": "2"}, "send_sms"),
        ({"firstname": "x" * 101}, "firstname"),
        ({"ext_id": "e" * 129}, "ext_id"),
        ({"custom_billing_api": "abc"}, "custom_billing_api"),
    ])
    def test_bad_fields_are_3(self, billing_api, params, field):
        body = billing_api.json("customer/create/", **{"firstname": "Ivan", **params})
        assert body["error"] == 3 and field in body["error_fields"], body
        assert not Customer.objects.exists()

    def test_a_name_or_comment_is_required(self, billing_api):
        body = billing_api.json("customer/create/", email="a@b.cd")
        assert body["error"] == 3 and "firstname" in body["error_fields"]

    @pytest.mark.parametrize("text", HOSTILE)
    def test_hostile_text_is_stored_verbatim(self, billing_api, text):
        body = billing_api.json("customer/create/", comment=text)
        assert Customer.objects.get(pk=body["id"]).comment == text

    def test_bad_signature(self, billing_api):
        assert billing_api.json("customer/create/", firstname="X", key="wrong")["error"] == -2
        assert not Customer.objects.exists()


# --- CustomerModify / CustomerDelete ---------------------------------------------------------------------

class TestCustomerModify:
    def test_by_ext_id_changes_only_given_fields(self, billing_api, customer):
        body = billing_api.json("customer/modify/", ext_id="C-1", lastname="Sidorov", birthdate="1990-05-06",
                                meta='{"a": 1}')
        assert body["error"] == 0, body
        customer.refresh_from_db()
        assert customer.lastname == "Sidorov" and customer.birthdate == date(1990, 5, 6)
        assert customer.meta == {"a": 1} and customer.mobile_phone_number == "+79990001122"

    def test_by_id_with_ext_id_renames(self, billing_api, customer):
        assert billing_api.json("customer/modify/", customer_id=customer.pk, ext_id="C-2")["error"] == 0
        customer.refresh_from_db()
        assert customer.ext_id == "C-2"

    def test_empty_value_clears(self, billing_api, customer):
        customer.email, customer.birthdate = "x@y.zz", date(2000, 1, 1)
        customer.save()
        assert billing_api.json("customer/modify/", customer_id=customer.pk, email="", birthdate="")["error"] == 0
        customer.refresh_from_db()
        assert customer.email == "" and customer.birthdate is None

    def test_duplicate_ext_id_is_2(self, billing_api, customer, operator):
        factories.CustomerFactory(client=operator, ext_id="C-9")
        body = billing_api.json("customer/modify/", customer_id=customer.pk, ext_id="C-9")
        assert body["error"] == 2 and "ext_id" in body["error_fields"]

    def test_validation_is_2(self, billing_api, customer):
        body = billing_api.json("customer/modify/", customer_id=customer.pk, meta="nope")
        assert body["error"] == 2 and "meta" in body["error_fields"]
        body = billing_api.json("customer/modify/", customer_id=customer.pk, firstname="", lastname="",
                                middlename="", comment="")
        assert body["error"] == 2

    def test_unknown_and_foreign_are_1(self, billing_api, customer, foreign_customer):
        assert billing_api.json("customer/modify/", customer_id=foreign_customer.pk, comment="x")["error"] == 1
        assert billing_api.json("customer/modify/", customer_id="1x", comment="x")["error"] == 1
        assert billing_api.json("customer/modify/", comment="x")["error"] == 1
        foreign_customer.refresh_from_db()
        assert foreign_customer.comment == ""


class TestCustomerDelete:
    def test_delete_keeps_ledger(self, billing_api, customer, tariff):
        factories.AccountFactory(customer=customer)
        tariff_assign(customer=customer, tariff=tariff)
        transaction_create(client=customer.client, customer=customer, amount="10", ext_id="p1")
        assert billing_api.json("customer/delete/", ext_id="C-1")["error"] == 0
        assert not Customer.objects.filter(pk=customer.pk).exists() and not Account.objects.exists()
        assert CustomerTransaction.objects.get().customer_ref == customer.pk
        assert billing_api.json("customer/delete/", customer_id=customer.pk)["error"] == 1

    def test_unknown_foreign_missing_are_1(self, billing_api, foreign_customer):
        for params in ({"customer_id": foreign_customer.pk}, {"customer_id": "-1"}, {}, {"ext_id": "nope"}):
            assert billing_api.json("customer/delete/", **params)["error"] == 1
        assert Customer.objects.filter(pk=foreign_customer.pk).exists()


# --- CustomerInfo / CustomerList -------------------------------------------------------------------------

INFO_FIELDS = {"accounts", "subscriptions", "balance", "payments_count", "tariffs_info", "vtariffs_info", "meta",
               "birthdate", "autopayment_enabled", "tariffs", "error", "error_message"}


class TestCustomerInfo:
    def test_fields(self, billing_api, customer, tariff, extra):
        customer.meta, customer.birthdate = {"k": "v"}, date(1985, 3, 4)
        customer.save()
        account = factories.AccountFactory(customer=customer, deactivation_date=timezone.localdate() + timedelta(3))
        tariff_assign(customer=customer, tariff=tariff)
        tariff_assign(customer=customer, tariff=extra, price=Decimal("1.50"))
        transaction_create(client=customer.client, customer=customer, amount="12.30", ext_id="p1")
        transaction_create(client=customer.client, customer=customer, amount="-2.30")

        body = billing_api.json("customer/info/", customer_id=customer.pk)
        assert INFO_FIELDS <= set(body) and body["error"] == 0
        assert body["balance"] == "10.00" and body["payments_count"] == 2
        assert body["tariffs"] == sorted([tariff.pk, extra.pk])
        assert {(t["id"], t["ext_id"]) for t in body["tariffs_info"]} == {(tariff.pk, "T-BASE"), (extra.pk, "T-SPORT")}
        assert body["vtariffs_info"] == [] and body["meta"] == {"k": "v"} and body["birthdate"] == "1985-03-04"
        assert body["accounts"][0]["id"] == account.pk and body["accounts"][0]["abonement"] == account.abonement
        assert body["accounts"][0]["activation_days_left"] == 3 and body["accounts"][0]["on_trial_period"] == 0
        sub = {s["tariff_id"]: s for s in body["subscriptions"]}[extra.pk]
        assert sub["is_price_overridden"] == 1 and Decimal(sub["price"]) == Decimal("1.50") and sub["is_closed"] == 0
        assert {"api_config_id", "start_date", "end_date", "is_periodical", "price_expiration"} <= set(sub)

    def test_by_ext_id_and_not_found(self, billing_api, customer, foreign_customer):
        assert billing_api.json("customer/info/", ext_id="C-1")["id"] == customer.pk
        for params in ({"customer_id": foreign_customer.pk}, {"customer_id": "abc"}, {}, {"ext_id": "x" * 500}):
            body = billing_api.json("customer/info/", **params)
            assert body["error"] == 1 and body["error_fields"], params

    def test_closed_tariffs_are_not_listed(self, billing_api, customer, tariff):
        from tvmiddleware.services import tariff_remove
        tariff_assign(customer=customer, tariff=tariff)
        tariff_remove(customer=customer, tariff=tariff)
        body = billing_api.json("customer/info/", customer_id=customer.pk)
        assert body["tariffs"] == [] and body["subscriptions"] == []


class TestCustomerList:
    def test_get_with_filters(self, billing_api, operator, customer, tariff, extra, foreign_customer):
        both = factories.CustomerFactory(client=operator)
        only_base = factories.CustomerFactory(client=operator)
        for c in (both, only_base):
            tariff_assign(customer=c, tariff=tariff)
        tariff_assign(customer=both, tariff=extra)
        factories.AccountFactory(customer=both, abonement="777001")
        factories.AccountFactory(customer=only_base, abonement="888001")

        ids = lambda body: [c["id"] for c in body["customers"]]  # noqa: E731
        body = billing_api.json("customer/list/", get=True)
        assert body["error"] == 0 and ids(body) == [customer.pk, both.pk, only_base.pk]
        assert ids(billing_api.json("customer/list/", get=True, tariff_id=[tariff.pk, extra.pk])) == [both.pk]
        assert ids(billing_api.json("customer/list/", tariff_id=f"{tariff.pk},{extra.pk}")) == [both.pk]
        assert ids(billing_api.json("customer/list/", get=True, tariff_id=tariff.pk)) == [both.pk, only_base.pk]
        assert ids(billing_api.json("customer/list/", get=True, abonement_regexp="^777")) == [both.pk]
        assert ids(billing_api.json("customer/list/", get=True, mobile_phone_number="+79990001122")) == [customer.pk]
        row = billing_api.json("customer/list/", get=True, tariff_id=[extra.pk])["customers"][0]
        assert {"id", "accounts", "subscriptions", "balance", "mobile_phone_number", "payments_count",
                "tariffs_info", "vtariffs_info", "meta", "birthdate", "autopayment_enabled", "tariffs"} <= set(row)
        assert row["accounts"][0]["abonement"] == "777001" and row["accounts"][0]["active"] == 1

    def test_tariff_errors(self, billing_api, tariff):
        foreign = factories.TariffFactory()
        assert billing_api.json("customer/list/", get=True, tariff_id=foreign.pk)["error"] == 1
        assert billing_api.json("customer/list/", get=True, tariff_id=[tariff.pk, 999999])["error"] == 1
        for bad in ("abc", "-1", "1.5", "9" * 30):
            body = billing_api.json("customer/list/", get=True, tariff_id=bad)
            assert body["error"] == 2 and "tariff_id" in body["error_fields"], bad

    @pytest.mark.parametrize("params, field", [
        ({"abonement_regexp": "1" * 101}, "abonement_regexp"),
        ({"abonement_regexp": "(unclosed"}, "abonement_regexp"),
        ({"abonement_regexp": "[z-a]"}, "abonement_regexp"),
        ({"limit": "0"}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"page": "0"}, "page"),
        ({"page": "99999999999"}, "page"),
    ])
    def test_bad_params(self, billing_api, params, field):
        body = billing_api.json("customer/list/", get=True, **params)
        assert body["error"] == -1 and field in body["error_fields"], body

    def test_pattern_only_python_accepts(self, billing_api, customer):
        from django.db import connection
        factories.AccountFactory(customer=customer, abonement="555001")
        body = billing_api.json("customer/list/", get=True, abonement_regexp="(?P<n>555)")
        expected = -1 if connection.vendor == "postgresql" else 0  # PostgreSQL has no named groups
        assert body["error"] == expected, body

    def test_paging(self, billing_api, operator):
        made = [factories.CustomerFactory(client=operator).pk for _ in range(5)]
        body = billing_api.json("customer/list/", get=True, limit=2, page=2)
        assert [c["id"] for c in body["customers"]] == made[2:4]
        assert billing_api.json("customer/list/", get=True, limit=2, page=9)["customers"] == []
        assert len(billing_api.json("customer/list/", get=True, limit=500)["customers"]) == 5  # cut to 100

    def test_constant_queries(self, billing_api, operator, tariff, extra, django_assert_max_num_queries):
        def add(n):
            for _ in range(n):
                c = factories.CustomerFactory(client=operator)
                factories.AccountFactory(customer=c)
                factories.AccountFactory(customer=c)
                tariff_assign(customer=c, tariff=tariff)
                tariff_assign(customer=c, tariff=extra)
                transaction_create(client=operator, customer=c, amount="1")
        add(2)
        with django_assert_max_num_queries(7):  # client, tariffs, savepoint x2, page, 2 prefetches
            small = billing_api.json("customer/list/", get=True, tariff_id=[tariff.pk], abonement_regexp="^5")
        add(15)
        with django_assert_max_num_queries(7):  # client, tariffs, savepoint x2, page, 2 prefetches
            large = billing_api.json("customer/list/", get=True, tariff_id=[tariff.pk], abonement_regexp="^5")
        assert len(small["customers"]) == 2 and len(large["customers"]) == 17
        assert all(len(c["accounts"]) == 2 and len(c["tariffs"]) == 2 and c["payments_count"] == 1
                   for c in large["customers"])


# --- tariffs and subscriptions ---------------------------------------------------------------------------

def open_tariffs(customer):
    held = TariffSubscription.objects.filter(customer=customer, is_closed=False)
    return set(held.values_list("tariff_id", flat=True))


class TestCustomerTariff:
    @pytest.mark.parametrize("how", ["tariff_id", "vtariff_id", "tariff_ext_id"])
    def test_assign_and_remove(self, billing_api, customer, extra, how):
        value = extra.ext_id if how == "tariff_ext_id" else extra.pk
        assert billing_api.json("customer/tariff/assign/", ext_id="C-1", **{how: value})["error"] == 0
        assert open_tariffs(customer) == {extra.pk}
        assert billing_api.json("customer/tariff/remove/", customer_id=customer.pk, **{how: value})["error"] == 0
        assert open_tariffs(customer) == set()

    def test_assign_errors(self, billing_api, customer, extra, foreign_customer):
        foreign_tariff = factories.TariffFactory(ext_id="T-SPORT")
        assert billing_api.json("customer/tariff/assign/", customer_id=foreign_customer.pk,
                                tariff_id=extra.pk)["error"] == 1
        assert billing_api.json("customer/tariff/assign/", tariff_id=extra.pk)["error"] == 1
        for params in ({"tariff_id": foreign_tariff.pk}, {"tariff_id": "x"}, {}, {"tariff_ext_id": "nope"}):
            body = billing_api.json("customer/tariff/assign/", customer_id=customer.pk, **params)
            assert body["error"] == 2 and body["error_fields"], params
        assert billing_api.json("customer/tariff/assign/", customer_id=customer.pk, tariff_id=extra.pk,
                                subscribe_svod=1)["error"] == 0
        again = billing_api.json("customer/tariff/assign/", customer_id=customer.pk, tariff_id=extra.pk)
        assert again["error"] == 4 and again["error_message"]
        disabled = factories.TariffFactory(client=customer.client, enabled=False)
        assert billing_api.json("customer/tariff/assign/", customer_id=customer.pk,
                                tariff_id=disabled.pk)["error"] == 4
        assert billing_api.json("customer/tariff/assign/", customer_id=customer.pk, tariff_id=extra.pk,
                                subscribe_svod=7)["error"] == 4

    def test_new_basic_replaces_basic(self, billing_api, customer, tariff, operator):
        other = factories.TariffFactory(client=operator, basic_tariff_priority=2)
        billing_api.json("customer/tariff/assign/", customer_id=customer.pk, tariff_id=tariff.pk)
        billing_api.json("customer/tariff/assign/", customer_id=customer.pk, tariff_id=other.pk)
        assert open_tariffs(customer) == {other.pk}

    def test_remove_errors(self, billing_api, customer, extra, foreign_customer):
        assert billing_api.json("customer/tariff/remove/", customer_id=customer.pk, tariff_id=extra.pk)["error"] == 2
        assert billing_api.json("customer/tariff/remove/", customer_id=foreign_customer.pk,
                                tariff_id=extra.pk)["error"] == 1
        assert billing_api.json("customer/tariff/remove/", customer_id=customer.pk)["error"] == 2


class TestSubscriptions:
    def test_price_override_and_duration(self, billing_api, customer, extra):
        body = billing_api.json("customer/tariffsubscription/create/", customer_id=customer.pk, tariff_id=extra.pk,
                                price="3.50", price_expiration="2099-01-01", duration=10)
        assert body["error"] == 0, body
        sub = TariffSubscription.objects.get(pk=body["tariffsubscription_id"])
        assert sub.price == Decimal("3.50") and sub.is_price_overridden and sub.price_expiration == date(2099, 1, 1)
        assert not sub.is_periodical
        assert abs((sub.end_date - timezone.now()) - timedelta(days=10)) < timedelta(minutes=1)

    def test_end_date_wins_over_duration(self, billing_api, customer, extra):
        body = billing_api.json("customer/tariffsubscription/create/", ext_id="C-1", tariff_id=extra.pk,
                                duration=10, end_date="2099-12-31")
        sub = TariffSubscription.objects.get(pk=body["tariffsubscription_id"])
        assert timezone.localtime(sub.end_date).date() == date(2099, 12, 31) and not sub.is_periodical
        assert sub.price is None and not sub.is_price_overridden

    def test_plain_subscription_is_periodical(self, billing_api, customer, extra):
        body = billing_api.json("customer/tariffsubscription/create/", customer_id=customer.pk, tariff_id=extra.pk)
        sub = TariffSubscription.objects.get(pk=body["tariffsubscription_id"])
        assert sub.is_periodical and sub.end_date is None

    @pytest.mark.parametrize("params, code, field", [
        ({"price_expiration": "2099-01-01"}, 3, "price_expiration"),
        ({"end_date": "2000-01-01"}, 3, "end_date"),
        ({"end_date": "31.12.2099"}, 3, "end_date"),
        ({"price": "-1"}, 3, "price"),
        ({"price": "1,5"}, 3, "price"),
        ({"duration": "0"}, 3, "duration"),
        ({"duration": "99999999"}, 3, "duration"),
        ({"tariff_id": "999999"}, 2, "tariff_id"),
        ({"tariff_id": ""}, 2, "tariff_id"),
    ])
    def test_errors(self, billing_api, customer, extra, params, code, field):
        params = {"customer_id": customer.pk, "tariff_id": extra.pk, **params}
        body = billing_api.json("customer/tariffsubscription/create/", **params)
        assert body["error"] == code and field in body["error_fields"], body
        assert not TariffSubscription.objects.exists()

    def test_already_held_and_unknown_customer(self, billing_api, customer, extra, foreign_customer):
        tariff_assign(customer=customer, tariff=extra)
        assert billing_api.json("customer/tariffsubscription/create/", customer_id=customer.pk,
                                tariff_id=extra.pk)["error"] == 3
        assert billing_api.json("customer/tariffsubscription/create/", customer_id=foreign_customer.pk,
                                tariff_id=extra.pk)["error"] == 1

    def test_delete(self, billing_api, customer, extra):
        sub = tariff_assign(customer=customer, tariff=extra)
        assert billing_api.json("customer/tariffsubscription/delete/", id=sub.pk)["error"] == 0
        sub.refresh_from_db()
        assert sub.is_closed and open_tariffs(customer) == set()
        assert billing_api.json("customer/tariffsubscription/delete/", id=sub.pk)["error"] == 1

    def test_delete_unknown_foreign_malformed(self, billing_api):
        stranger = factories.CustomerFactory()
        foreign = tariff_assign(customer=stranger, tariff=factories.TariffFactory(client=stranger.client))
        for value in (foreign.pk, 999999, "abc", None):
            body = billing_api.json("customer/tariffsubscription/delete/", id=value)
            assert body["error"] == 1 and body["error_fields"], value
        foreign.refresh_from_db()
        assert not foreign.is_closed


# --- CustomerTransactionList -----------------------------------------------------------------------------

class TestTransactionList:
    def test_rows(self, billing_api, customer):
        transaction_create(client=customer.client, customer=customer, amount="100", ext_id="PAY-1",
                           comment="top up", processed=False)
        charge = transaction_create(client=customer.client, customer=customer, amount="-30.5",
                                    source=TransactionSource.CHARGE)
        body = billing_api.json("customer/transaction/list/", ext_id="C-1")
        assert body["error"] == 0
        newest, oldest = body["payments"]
        assert newest["transaction_id"] == str(charge.pk) and newest["amount"] == "-30.50"
        assert newest["source"] == "charge" and newest["processed"] == 1
        assert oldest == {**oldest, "transaction_id": "PAY-1", "amount": "100.00", "source": "api",
                          "comment": "top up", "processed": 0}
        assert oldest["datetime"]

    def test_paging_and_queries(self, billing_api, customer, django_assert_max_num_queries):
        for i in range(7):
            transaction_create(client=customer.client, customer=customer, amount=str(i + 1), ext_id=f"p{i}")
        with django_assert_max_num_queries(3):
            body = billing_api.json("customer/transaction/list/", customer_id=customer.pk, limit=3, page=2)
        assert [p["transaction_id"] for p in body["payments"]] == ["p3", "p2", "p1"]
        assert billing_api.json("customer/transaction/list/", customer_id=customer.pk, page=0)["error"] == -1

    def test_unknown_and_foreign(self, billing_api, foreign_customer):
        transaction_create(client=foreign_customer.client, customer=foreign_customer, amount="5")
        assert billing_api.json("customer/transaction/list/", customer_id=foreign_customer.pk)["error"] == 1
        assert billing_api.json("customer/transaction/list/")["error"] == 1


# --- payment-gateway methods (no merchant configured: tests/payments/api/ has the configured ones) -------

class TestPaymentMethods:
    def test_merchant_url(self, billing_api, customer):
        body = billing_api.json("customer/merchant_url/", customer_id=customer.pk, amount="100.00")
        assert body["error"] == 723 and "gateway" in body["error_message"]
        assert billing_api.json("customer/merchant_url/", customer_id=999999, amount="1")["error"] == 1
        assert billing_api.json("customer/merchant_url/", customer_id=customer.pk, amount="-1")["error"] == 2
        assert billing_api.json("customer/merchant_url/", customer_id=customer.pk)["error"] == 2

    def test_payment_create(self, billing_api, customer):
        assert billing_api.json("customer/payment/create/", ext_id="C-1", amount="10")["error"] == 723
        assert billing_api.json("customer/payment/create/", ext_id="nope", amount="10")["error"] == 100
        assert billing_api.json("customer/payment/create/", ext_id="C-1", amount="abc")["error"] == 4

    def test_payment_process(self, billing_api, customer, caplog):
        card = {"card_number": "4111111111111111", "card_holder": "IVAN", "card_expire": "1230", "card_cvv": "123"}
        body = billing_api.json("customer/payment/process/", customer_id=customer.pk, payment_id="P1", **card)
        assert body["error"] == 1 and "gateway" in body["error_message"]
        assert billing_api.json("customer/payment/process/", customer_id=999999, payment_id="P1",
                                **card)["error"] == 100
        body = billing_api.json("customer/payment/process/", customer_id=customer.pk, payment_id="P1")
        assert body["error"] == 4 and "card_number" in body["error_fields"]
        assert "4111111111111111" not in caplog.text and "123" not in body["error_message"]

    def test_saved_card_pay(self, billing_api, customer):
        account = factories.AccountFactory(customer=customer)
        body = billing_api.json("customer/saved_card/pay/", abonement=account.abonement, amount="5")
        assert body["error"] == 3 and "gateway" in body["error_message"]
        assert billing_api.json("customer/saved_card/pay/", abonement="000", amount="5")["error"] == 1
        assert billing_api.json("customer/saved_card/pay/", abonement=account.abonement, amount="0")["error"] == 2
        foreign = factories.AccountFactory()
        assert billing_api.json("customer/saved_card/pay/", abonement=foreign.abonement, amount="5")["error"] == 1


# --- no input makes a 500 ---------------------------------------------------------------------------------

FUZZ_VALUES = ["", "abc", "-1", "0", "1.5", "9" * 40, "\x00", "<b>x</b>", "'; --", "1e400", "[]", "{}", "Ж" * 2000]


def fuzz(api, method: str, names: list[str], base: dict | None = None) -> None:
    """Every parameter of a method, one at a time, with every hostile value: a JSON answer, never a 500
    (`SignedAPI.call` asserts the status), and never `error: 0` with garbage in a required id."""
    for name in names:
        for value in FUZZ_VALUES:
            for get in (False, True):
                body = api.json(method, get=get, **{**(base or {}), name: value})
                assert isinstance(body["error"], int), (method, name, value, body)


CUSTOMER_METHODS = {
    "customer/create/": ["firstname", "birthdate", "meta", "email", "ext_id", "send_sms", "custom_billing_api"],
    "customer/modify/": ["customer_id", "ext_id", "birthdate", "meta", "send_email_messages", "comment"],
    "customer/delete/": ["customer_id", "ext_id"],
    "customer/info/": ["customer_id", "ext_id"],
    "customer/list/": ["tariff_id", "abonement_regexp", "mobile_phone_number", "limit", "page"],
    "customer/merchant_url/": ["customer_id", "ext_id", "amount", "merchant_type"],
    "customer/payment/create/": ["customer_id", "amount", "merchant_type"],
    "customer/payment/process/": ["customer_id", "payment_id", "card_number"],
    "customer/saved_card/pay/": ["abonement", "amount"],
    "customer/tariff/assign/": ["customer_id", "tariff_id", "vtariff_id", "tariff_ext_id", "subscribe_svod"],
    "customer/tariff/remove/": ["customer_id", "tariff_id", "tariff_ext_id"],
    "customer/tariffsubscription/create/": ["customer_id", "tariff_id", "price", "duration", "price_expiration",
                                           "end_date"],
    "customer/tariffsubscription/delete/": ["id"],
    "customer/transaction/list/": ["customer_id", "ext_id", "limit", "page"],
}


@pytest.mark.parametrize("method", sorted(CUSTOMER_METHODS))
def test_fuzz(billing_api, customer, extra, method):
    fuzz(billing_api, method, CUSTOMER_METHODS[method],
         base={"customer_id": customer.pk, "tariff_id": extra.pk, "firstname": "F", "amount": "1"})
