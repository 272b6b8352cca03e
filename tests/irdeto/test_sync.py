"""The desired CAS state of a customer (device-type product map, periods, blocked accounts) and the
plan of calls that turns what the CAS holds into it."""
from datetime import datetime, timedelta, timezone as dt_timezone

from django.utils import timezone

from irdeto.client import CasDevice, CasSubscriberState, Period
from irdeto.models import CasProduct
from irdeto.selectors import FAR_END, cas_customer_id, customer_id_from_cas, desired_state
from irdeto.services import Change, plan
from tvmiddleware import services
from tvmiddleware.models import TariffSubscription


def desired(irdeto, customer):
    return desired_state(client_id=irdeto.client.pk, customer=customer, now=timezone.now())


def products(state) -> dict[str, set[str]]:
    return {device_id: set(device.entitlements) for device_id, device in state.items()}


def test_products_follow_the_device_type_map(irdeto, home):
    services.tariff_assign(customer=home.customer, tariff=irdeto.tv)
    services.tariff_assign(customer=home.customer, tariff=irdeto.sport)
    services.device_bind(account=home.account, device_type=irdeto.android_stb, device_uid="ASTB-1")
    state = desired(irdeto, home.customer)
    assert products(state) == {"SC-0001": {"TV-STB", "SPORT"}, "ASTB-1": {"TV-ASTB"}}  # no phone: unmapped type
    assert (state["SC-0001"].device_type, state["ASTB-1"].device_type) == ("mag", "android_stb")


def test_periods_periodic_open_ended_fixed_term_until_its_end_expired_none(irdeto, home):
    start = timezone.now() - timedelta(days=1)
    tv = services.tariff_assign(customer=home.customer, tariff=irdeto.tv, start_date=start,
                                end_date=timezone.now() + timedelta(days=30))  # periodic: end is "paid until"
    end = timezone.now() + timedelta(days=5)
    services.tariff_assign(customer=home.customer, tariff=irdeto.sport, end_date=end, is_periodical=False)
    entitlements = desired(irdeto, home.customer)["SC-0001"].entitlements
    assert entitlements["TV-STB"] == Period(start=tv.start_date.replace(microsecond=0), end=FAR_END)
    assert entitlements["SPORT"].end == end.replace(microsecond=0)

    TariffSubscription.objects.filter(tariff=irdeto.sport).update(end_date=timezone.now() - timedelta(minutes=1))
    assert set(desired(irdeto, home.customer)["SC-0001"].entitlements) == {"TV-STB"}


def test_two_tariffs_granting_one_product_merge_into_the_widest_period(irdeto, home):
    CasProduct.objects.create(client=irdeto.client, tariff=irdeto.sport, device_type=irdeto.mag, product_id="TV-STB")
    early = timezone.now() - timedelta(days=10)
    services.tariff_assign(customer=home.customer, tariff=irdeto.tv)
    services.tariff_assign(customer=home.customer, tariff=irdeto.sport, start_date=early,
                           end_date=timezone.now() + timedelta(days=2), is_periodical=False)
    period = desired(irdeto, home.customer)["SC-0001"].entitlements["TV-STB"]
    assert period == Period(start=early.replace(microsecond=0), end=FAR_END)


def test_inactive_accounts_keep_their_devices_paired_without_entitlements(irdeto, home):
    services.tariff_assign(customer=home.customer, tariff=irdeto.tv)
    second, _ = services.account_create(client=irdeto.client, customer=home.customer, abonement="300009",
                                        password="1111")
    services.device_bind(account=second, device_type=irdeto.mag, device_uid="MAG-2")
    services.account_deactivate(account=second)
    assert products(desired(irdeto, home.customer)) == {"SC-0001": {"TV-STB"}, "MAG-2": set()}


def test_no_map_no_devices_and_gone_customers_want_nothing(irdeto, home):
    services.tariff_assign(customer=home.customer, tariff=irdeto.tv)
    assert desired(irdeto, None) == {}
    CasProduct.objects.all().delete()
    assert desired(irdeto, home.customer) == {}


def test_cas_customer_ids_are_per_operator():
    assert cas_customer_id(3, 41) == "3-41"
    assert customer_id_from_cas(3, "3-41") == 41
    assert customer_id_from_cas(4, "3-41") is None and customer_id_from_cas(3, "3-x") is None


T0 = datetime(2025, 1, 1, tzinfo=dt_timezone.utc)
T1 = datetime(2025, 2, 1, tzinfo=dt_timezone.utc)


def test_plan_for_an_unknown_subscriber_creates_pairs_and_adds():
    want = {"SC1": CasDevice("mag", {"P1": Period(T0, FAR_END)})}
    assert plan(None, want) == [Change("create"), Change("pair", device_id="SC1", device_type="mag"),
                                Change("add", device_id="SC1", product_id="P1", period=Period(T0, FAR_END))]
    assert plan(None, {}) == []


def test_plan_sends_only_the_differences():
    actual = CasSubscriberState("1-1", devices={
        "SC1": CasDevice("mag", {"P1": Period(T0, FAR_END), "OLD": Period(T0, FAR_END), "P2": Period(T0, T1)}),
        "GONE": CasDevice("mag", {"P1": Period(T0, FAR_END)}),
        "RETYPED": CasDevice("mag"),
    })
    want = {
        "SC1": CasDevice("mag", {"P1": Period(T0, FAR_END), "P2": Period(T0, FAR_END), "NEW": Period(T0, T1)}),
        "RETYPED": CasDevice("android_stb"),
    }
    assert [str(c) for c in plan(actual, want)] == [
        "unpair GONE",
        "pair RETYPED (android_stb)",
        "remove OLD on SC1",
        "add NEW on SC1 2025-01-01 00:00:00–2025-02-01 00:00:00",
        "redate P2 on SC1 2025-01-01 00:00:00–2099-12-31 23:59:59",
    ]
    assert plan(actual, {k: v for k, v in actual.devices.items()}) == []
