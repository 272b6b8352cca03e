"""Billing API, Tariff group: the operator's packages as the billing lists, creates and changes them."""
from decimal import Decimal

import pytest

from tests import factories
from tvmiddleware.models import Tariff, TariffSubscription
from tvmiddleware.services import tariff_assign, tariff_remove
from common.errors import Conflict, Invalid
from tvmiddleware.services.tariff_admin import tariff_create, tariff_modify

pytestmark = pytest.mark.django_db

LIST_FIELDS = {"id", "name", "period", "price", "activation_price", "sessions_count", "basic_sessions_count",
               "ip_restriction"}


@pytest.fixture
def base(operator):
    return factories.TariffFactory(client=operator, name="Base", basic_tariff_priority=3, price=Decimal("9.90"),
                                   default_activation_price=Decimal("1.00"), ext_id="B")


@pytest.fixture
def sport(operator):
    return factories.TariffFactory(client=operator, name="Sport", basic_tariff_priority=0)


@pytest.fixture
def option(operator):
    return factories.TariffFactory(client=operator, name="Option", basic_tariff_priority=0, hidden=True)


@pytest.fixture
def service(operator):
    return factories.StreamServiceFactory(client=operator)


# --- lists ------------------------------------------------------------------------------------------------

class TestLists:
    def test_tariff_list(self, billing_api, operator, base, sport, option):
        channel = factories.ChannelFactory(client=operator, name="One")
        base.channels.add(channel)
        factories.TariffFactory()  # another operator's
        body = billing_api.json("tariff/list/")
        assert body["error"] == 0
        rows = {row["id"]: row for row in body["tariffs"]}
        assert set(rows) == {base.pk, sport.pk, option.pk}
        row = rows[base.pk]
        assert LIST_FIELDS | {"basic_tariff_priority", "channels"} <= set(row)
        assert row["price"] == "9.90" and row["activation_price"] == "1.00" and row["basic_tariff_priority"] == 3
        assert row["period"] == 30 and row["ip_restriction"] == 0 and row["ext_id"] == "B"
        assert row["channels"] == [{"id": channel.pk, "name": "One", "icon": ""}]

    def test_basic_additional_option(self, billing_api, base, sport, option):
        basic = billing_api.json("tariff/basic/list/")["tariffs"]
        assert [row["id"] for row in basic] == [base.pk]
        additional = billing_api.json("tariff/additional/list/")["tariffs"]
        assert {row["id"] for row in additional} == {sport.pk, option.pk}
        assert "basic_tariff_priority" not in additional[0] and "channels" in additional[0]
        options = billing_api.json("tariff/option/list/")["tariffs"]
        assert [row["id"] for row in options] == [option.pk]
        assert LIST_FIELDS <= set(options[0]) and "channels" not in options[0]

    @pytest.mark.parametrize("method", ["tariff/list/", "tariff/basic/list/", "tariff/additional/list/"])
    def test_constant_queries(self, billing_api, operator, method, django_assert_max_num_queries):
        def add(n):
            for i in range(n):
                tariff = factories.TariffFactory(client=operator, basic_tariff_priority=i % 2)
                tariff.channels.add(*(factories.ChannelFactory(client=operator) for _ in range(2)))
        add(2)
        with django_assert_max_num_queries(3):
            billing_api.json(method)
        add(20)
        with django_assert_max_num_queries(3):
            body = billing_api.json(method)
        assert all(len(row["channels"]) == 2 for row in body["tariffs"])

    def test_bad_signature(self, billing_api, base):
        assert billing_api.json("tariff/list/", key="nope")["error"] == -2


# --- create / modify / delete -------------------------------------------------------------------------------

REQUIRED = {"name": "Kids", "period": 30, "sessions_count": 2, "basic_sessions_count": 1, "basic_tariff_priority": 0}


class TestCreate:
    def test_defaults(self, billing_api, operator):
        body = billing_api.json("tariff/create/", **REQUIRED)
        assert body["error"] == 0, body
        tariff = Tariff.objects.get(pk=body["id"])
        assert tariff.client == operator and tariff.name == "Kids" and tariff.price == Decimal("0.00")
        assert tariff.default_activation_price is None and tariff.enabled and not tariff.required
        assert tariff.available_everywhere and tariff.available_to_unsubscribe and not tariff.is_basic

    def test_every_parameter(self, billing_api):
        body = billing_api.json(
            "tariff/create/", name="Max", period=0, price="199.99", default_activation_price="50",
            enabled=0, assigned_by_default=1, required=1, sessions_count=5, ip_restriction=1,
            basic_sessions_count=3, basic_tariff_priority=10, available_for_inactive_accounts=1,
            available_everywhere=0, display_in_channels_widget=0, used_for_channel_list=0, used_for_video_list=0,
            used_for_radio_list=0, available_to_unsubscribe=0, ext_id="MAX", hidden=1,
        )
        t = Tariff.objects.get(pk=body["id"])
        assert (t.period, t.price, t.default_activation_price) == (0, Decimal("199.99"), Decimal("50.00"))
        assert not t.enabled and t.assigned_by_default and t.required and t.ip_restriction and t.hidden
        assert (t.sessions_count, t.basic_sessions_count, t.basic_tariff_priority) == (5, 3, 10)
        assert t.available_for_inactive_accounts and not t.available_everywhere
        assert not (t.display_in_channels_widget or t.used_for_channel_list or t.used_for_video_list
                    or t.used_for_radio_list or t.available_to_unsubscribe)
        assert t.ext_id == "MAX"

    @pytest.mark.parametrize("change, field", [
        ({"name": None}, "name"),
        ({"name": "n" * 201}, "name"),
        ({"period": None}, "period"),
        ({"period": "-1"}, "period"),
        ({"sessions_count": "x"}, "sessions_count"),
        ({"basic_sessions_count": None}, "basic_sessions_count"),
        ({"basic_tariff_priority": 11}, "basic_tariff_priority"),
        ({"price": "-5"}, "price"),
        ({"price": "1,5"}, "price"),
        ({"price": "1e20"}, "price"),
        ({"default_activation_price": "abc"}, "default_activation_price"),
        ({"enabled": 2}, "enabled"),
        ({"period": "9" * 12}, "period"),
    ])
    def test_bad_parameters(self, billing_api, change, field):
        body = billing_api.json("tariff/create/", **{**REQUIRED, **change})
        assert body["error"] == -1 and field in body["error_fields"], body
        assert not Tariff.objects.exists()

    def test_duplicate_ext_id(self, billing_api, base):
        body = billing_api.json("tariff/create/", **REQUIRED, ext_id="B")
        assert body["error"] == -1 and body["error_fields"] == {"ext_id": "duplicate"}

    @pytest.mark.parametrize("name", ["<b>x</b>", "'; DELETE FROM tvmiddleware_tariff; --"])
    def test_hostile_names_are_data(self, billing_api, name):
        body = billing_api.json("tariff/create/", **{**REQUIRED, "name": name})
        assert Tariff.objects.get(pk=body["id"]).name == name


class TestModify:
    def test_only_given_settings_change(self, billing_api, base):
        body = billing_api.json("tariff/modify/", tariff_id=base.pk, price="12.00", sessions_count=7, hidden=1)
        assert body["error"] == 0, body
        base.refresh_from_db()
        assert base.price == Decimal("12.00") and base.sessions_count == 7 and base.hidden
        assert base.name == "Base" and base.basic_tariff_priority == 3 and base.available_to_unsubscribe

    def test_clear_activation_price(self, billing_api, base):
        billing_api.json("tariff/modify/", tariff_id=base.pk, default_activation_price="")
        base.refresh_from_db()
        assert base.default_activation_price is None

    def test_not_found(self, billing_api, base):
        foreign = factories.TariffFactory()
        for value in (foreign.pk, 999999, "x", None):
            body = billing_api.json("tariff/modify/", tariff_id=value, name="New")
            assert body["error"] == 1, value
        foreign.refresh_from_db()
        assert foreign.name != "New"

    def test_held_tariff_keeps_basic_or_additional(self, billing_api, base, operator):
        tariff_assign(customer=factories.CustomerFactory(client=operator), tariff=base)
        body = billing_api.json("tariff/modify/", tariff_id=base.pk, basic_tariff_priority=0)
        assert body["error"] == -1 and "basic_tariff_priority" in body["error_fields"]
        assert billing_api.json("tariff/modify/", tariff_id=base.pk, basic_tariff_priority=5)["error"] == 0

    def test_bad_values(self, billing_api, base):
        assert billing_api.json("tariff/modify/", tariff_id=base.pk, price="-1")["error"] == -1
        assert billing_api.json("tariff/modify/", tariff_id=base.pk, required="yes")["error"] == -1
        base.refresh_from_db()
        assert base.price == Decimal("9.90")

    def test_disabling_drops_holders_access(self, billing_api, base, operator, django_capture_on_commit_callbacks):
        from unittest import mock
        customer = factories.CustomerFactory(client=operator)
        account = factories.AccountFactory(customer=customer)
        tariff_assign(customer=customer, tariff=base)
        with mock.patch("tvmiddleware.streaming.access.invalidate_accounts") as invalidate, \
                django_capture_on_commit_callbacks(execute=True):
            billing_api.json("tariff/modify/", tariff_id=base.pk, enabled=0)
        invalidate.assert_called_once_with([account.pk])


class TestDelete:
    def test_delete_unused_with_history(self, billing_api, base, operator):
        customer = factories.CustomerFactory(client=operator)
        tariff_assign(customer=customer, tariff=base)
        tariff_remove(customer=customer, tariff=base)
        assert billing_api.json("tariff/delete/", tariff_id=base.pk)["error"] == 0
        assert not Tariff.objects.filter(pk=base.pk).exists() and not TariffSubscription.objects.exists()
        assert billing_api.json("tariff/delete/", tariff_id=base.pk)["error"] == 1

    def test_held_tariff_is_refused(self, billing_api, base, operator):
        tariff_assign(customer=factories.CustomerFactory(client=operator), tariff=base)
        body = billing_api.json("tariff/delete/", tariff_id=base.pk)
        assert body["error"] == 2 and "hold" in body["error_message"]
        assert Tariff.objects.filter(pk=base.pk).exists()

    def test_unknown_foreign_malformed(self, billing_api):
        foreign = factories.TariffFactory()
        for value in (foreign.pk, "abc", None, "1" * 40):
            assert billing_api.json("tariff/delete/", tariff_id=value)["error"] == 1, value
        assert Tariff.objects.filter(pk=foreign.pk).exists()


# --- stream services ------------------------------------------------------------------------------------------

class TestStreamServices:
    def test_assign_and_remove(self, billing_api, base, service):
        for _ in range(2):  # again is no error
            assert billing_api.json("tariff/streamservice/assign/", tariff_id=base.pk,
                                    service_id=service.pk)["error"] == 0
        assert list(base.stream_services.all()) == [service]
        for _ in range(2):
            assert billing_api.json("tariff/streamservice/remove/", tariff_id=base.pk,
                                    service_id=service.pk)["error"] == 0
        assert not base.stream_services.exists()

    @pytest.mark.parametrize("method", ["tariff/streamservice/assign/", "tariff/streamservice/remove/"])
    def test_errors(self, billing_api, base, service, method):
        foreign_service = factories.StreamServiceFactory()
        foreign_tariff = factories.TariffFactory(client=foreign_service.client)
        assert billing_api.json(method, tariff_id=foreign_tariff.pk, service_id=service.pk)["error"] == 1
        assert billing_api.json(method, tariff_id="x", service_id=service.pk)["error"] == 1
        assert billing_api.json(method, service_id=service.pk)["error"] == 1
        assert billing_api.json(method, tariff_id=base.pk, service_id=foreign_service.pk)["error"] == 2
        assert billing_api.json(method, tariff_id=base.pk, service_id="-3")["error"] == 2
        assert billing_api.json(method, tariff_id=base.pk)["error"] == 2
        assert not foreign_tariff.stream_services.exists()


# --- services directly ------------------------------------------------------------------------------------------

class TestServices:
    def test_create_validates(self, operator):
        with pytest.raises(Invalid):
            tariff_create(client=operator, name="", period=1, sessions_count=1, basic_sessions_count=1,
                          basic_tariff_priority=0)
        with pytest.raises(Invalid):
            tariff_create(client=operator, name="x", period=1, sessions_count=1, basic_sessions_count=1,
                          basic_tariff_priority=0, color="red")

    def test_modify_duplicate_ext_id(self, operator, base, sport):
        with pytest.raises(Conflict):
            tariff_modify(tariff=sport, ext_id="B")


TARIFF_METHODS = {
    "tariff/list/": ["client_id"],
    "tariff/create/": ["name", "period", "price", "default_activation_price", "enabled", "sessions_count",
                       "basic_tariff_priority", "ext_id"],
    "tariff/modify/": ["tariff_id", "name", "price", "basic_tariff_priority", "hidden"],
    "tariff/delete/": ["tariff_id"],
    "tariff/streamservice/assign/": ["tariff_id", "service_id"],
    "tariff/streamservice/remove/": ["tariff_id", "service_id"],
}


@pytest.mark.parametrize("method", sorted(TARIFF_METHODS))
def test_fuzz(billing_api, sport, service, method):
    from tests.billing.api.test_customers import fuzz
    fuzz(billing_api, method, TARIFF_METHODS[method],
         base={**REQUIRED, "tariff_id": sport.pk, "service_id": service.pk})


def test_service_refuses_bad_prices(operator, base):
    for value in ("abc", "NaN", "Infinity", "-1", "0.001", "1e20"):
        with pytest.raises(Invalid):
            tariff_modify(tariff=base, price=value)
    base.refresh_from_db()
    assert base.price == Decimal("9.90")
