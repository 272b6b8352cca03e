"""The subscriber action log: what the device API and the widgets record (and what nobody else does),
its retention, and its read-only, per-operator list in the operator panel."""
from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.services import transaction_create
from billing.subscriptions import tariffs_subscribe
from tests import factories
from tests.admin_factories import admin_url, change_url, changeform_data
from tvmiddleware import services
from tvmiddleware.models import ActionOrigin, SubscriberAction
from tvmiddleware.scheduler import jobs_from, resolve_task
from tvmiddleware.services.accounts import subscriber_register
from tvmiddleware.services.actions import acting_from, current_origin, purge_old, record
from tvmiddleware.services.login import credentials_check
from tvmiddleware.services.staff import OPERATOR_GROUP, operator_group
from tvmiddleware.services.tariffs import tariffs_unsubscribe

pytest_plugins = ["tests.admin_factories"]  # staff_client, superuser_client, client_obj, other_client

LOGIN = "/tvmiddleware/api/login/"
PASSWORD = "Kq7-secret-2291"


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()  # login rate limits of earlier tests


@pytest.fixture
def operator(db):
    return factories.ClientFactory(api_key="device-key")


@pytest.fixture
def account(operator):
    customer = services.customer_create(client=operator, firstname="Ivan", lastname="Petrov", ext_id="C-1")
    account, _ = services.account_create(client=operator, customer=customer, abonement="100001", password=PASSWORD)
    basic = factories.TariffFactory(client=operator, name="Base", basic_tariff_priority=1, price=Decimal("0.00"))
    services.tariff_assign(customer=customer, tariff=basic)
    transaction_create(client=operator, customer=customer, amount="100.00", ext_id="seed")
    return account


@pytest.fixture
def sport(operator):
    return factories.TariffFactory(client=operator, name="Sport", basic_tariff_priority=0, price=Decimal("30.00"),
                                   period=30)


def login(http, account, **extra) -> dict:
    params = {"client_id": account.client_id, "api_key": "device-key", "abonement": account.abonement,
              "password": PASSWORD, "device": "mag", "device_uid": "00:1A:79:00:00:01"}
    body = http.get(LOGIN, params, **extra).json()
    assert body["error"] == 0, body
    return body


# --- what is recorded ------------------------------------------------------------------------------

class TestDeviceAPI:
    def test_login_records_logged_in_with_the_peer_address(self, client, account):
        assert not SubscriberAction.objects.exists()  # the operator's own set-up is not logged
        login(client, account, REMOTE_ADDR="198.51.100.20")
        action = SubscriberAction.objects.get()
        assert (action.action, action.origin, action.widget_id) == ("logged_in", ActionOrigin.DEVICE_API, "")
        assert (action.client_id, action.customer_id, action.account_id) == (
            account.client_id, account.customer_id, account.pk)
        assert action.ip_address == "198.51.100.20"
        assert action.details == {"device_uid": "00:1A:79:00:00:01"}

    def test_forwarded_address_is_believed_only_from_a_trusted_proxy(self, client, account, settings):
        settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
        login(client, account, REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="203.0.113.9")
        login(client, account, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.10")
        assert list(SubscriberAction.objects.order_by("pk").values_list("ip_address", flat=True)) == [
            "203.0.113.9", "198.51.100.7"]

    def test_refused_login_records_nothing(self, client, account):
        body = client.get(LOGIN, {"client_id": account.client_id, "api_key": "device-key",
                                  "abonement": account.abonement, "password": "wrong", "device": "mag"}).json()
        assert body["error"] != 0
        assert not SubscriberAction.objects.exists()

    def test_tariff_subscribe_and_unsubscribe(self, client, account, sport):
        authkey = login(client, account)["authkey"]
        params = {"client_id": account.client_id, "authkey": authkey, "tariff_id": sport.pk}
        assert client.get("/tvmiddleware/api/customer/tariff/subscribe/", params).json()["error"] == 0
        assert client.get("/tvmiddleware/api/customer/tariff/unsubscribe/", params).json()["error"] == 0
        subscribed, unsubscribed = SubscriberAction.objects.exclude(action="logged_in").order_by("pk")
        assert (subscribed.action, subscribed.origin) == ("tariffs_subscribed", ActionOrigin.DEVICE_API)
        assert subscribed.details == {"tariff_ids": [sport.pk]} and subscribed.account_id == account.pk
        assert (unsubscribed.action, unsubscribed.origin) == ("tariffs_unsubscribed", ActionOrigin.DEVICE_API)
        assert unsubscribed.details == {"tariff_ids": [sport.pk]}
        assert unsubscribed.customer_id == account.customer_id and unsubscribed.ip_address == "127.0.0.1"

    def test_a_refused_subscription_records_nothing(self, client, account, sport):
        authkey = login(client, account)["authkey"]
        sport.price = Decimal("500.00")
        sport.save()
        body = client.get("/tvmiddleware/api/customer/tariff/subscribe/",
                          {"client_id": account.client_id, "authkey": authkey, "tariff_id": sport.pk}).json()
        assert body["error"] != 0
        assert list(SubscriberAction.objects.values_list("action", flat=True)) == ["logged_in"]

    def test_register(self, client, operator):
        body = client.get("/tvmiddleware/api/account/register/", {
            "client_id": operator.pk, "api_key": "device-key", "mobile_phone_number": "+79990001122",
            "password": "48213579"}).json()
        assert body["error"] == 0, body
        actions = {a.action: a for a in SubscriberAction.objects.all()}
        assert set(actions) == {"account_created", "registered"}
        assert {a.origin for a in actions.values()} == {ActionOrigin.DEVICE_API}
        assert actions["registered"].account.abonement == body["abonement"]
        assert "48213579" not in json.dumps([a.details for a in actions.values()])


class TestOutsideARequest:
    """The panel, the Billing API and scheduled work act for the operator: nothing is logged."""

    def test_services_record_nothing(self, operator, account, sport):
        customer = account.customer
        services.customer_modify(customer=customer, firstname="Pyotr")
        tariffs_subscribe(customer=customer, tariff_ids=[sport.pk], account=account)
        tariffs_unsubscribe(customer=customer, tariff_ids=[sport.pk])
        services.account_create(client=operator, customer=customer, password="another-pass-1")
        subscriber_register(client=operator, mobile_phone_number="+79990001133", comment="walk-in")
        assert credentials_check(client=operator, abonement=account.abonement, password=PASSWORD,
                                 ip="192.0.2.1") == account
        assert current_origin() is None
        assert not SubscriberAction.objects.exists()


class TestWidgetOrigin:
    def test_actions_carry_the_widget_and_never_a_secret(self, operator, account):
        customer = account.customer
        with acting_from(ActionOrigin.WIDGET, widget_id="w-signup-7"):
            new_account, plain = services.account_create(client=operator, customer=customer, password=PASSWORD)
            services.customer_modify(customer=customer, email="ivan@example.com")
        assert current_origin() is None  # the origin ends with the block
        services.customer_modify(customer=customer, email="other@example.com")

        created, changed = SubscriberAction.objects.order_by("pk")
        assert (created.action, created.origin, created.widget_id) == ("account_created", ActionOrigin.WIDGET,
                                                                       "w-signup-7")
        assert created.account_id == new_account.pk and created.customer_id == customer.pk
        assert created.ip_address is None  # no request: no address
        assert (changed.action, changed.details) == ("profile_changed", {"fields": ["email"]})
        stored = json.dumps([created.details, changed.details])
        assert PASSWORD not in stored and plain not in stored

    def test_origins_nest_and_the_caller_address_comes_from_the_request(self, rf, account, settings):
        settings.TRUSTED_PROXIES = []
        request = rf.get("/widgets/api/show/x", REMOTE_ADDR="192.0.2.44", HTTP_X_FORWARDED_FOR="203.0.113.1")
        with acting_from(ActionOrigin.DEVICE_API):
            with acting_from(ActionOrigin.WIDGET, widget_id="w-1", request=request):
                inner = record("logged_in", customer=None, account=account, external="", note=None)
            outer = record("profile_changed", customer=account.customer)
        assert (inner.origin, inner.widget_id, inner.ip_address) == (ActionOrigin.WIDGET, "w-1", "192.0.2.44")
        assert inner.customer_id == account.customer_id and inner.details == {}  # empty facts dropped
        assert (outer.origin, outer.widget_id, outer.account_id) == (ActionOrigin.DEVICE_API, "", None)
        assert record("logged_in", customer=None, account=None) is None


# --- retention ---------------------------------------------------------------------------------------

def _aged(account, days: float) -> SubscriberAction:
    with acting_from(ActionOrigin.DEVICE_API):
        action = record("logged_in", customer=account.customer, account=account)
    SubscriberAction.objects.filter(pk=action.pk).update(created_at=timezone.now() - timedelta(days=days))
    return action


class TestRetention:
    def test_actions_older_than_the_setting_are_deleted(self, account, settings, monkeypatch):
        from tvmiddleware.services import actions as actions_module

        monkeypatch.setattr(actions_module, "PURGE_BATCH", 2)  # several batches
        settings.TVMIDDLEWARE_SUBSCRIBER_ACTIONS_DAYS = 30
        old = [_aged(account, 31) for _ in range(5)]
        kept = [_aged(account, 29), _aged(account, 0)]
        assert purge_old() == len(old)
        assert set(SubscriberAction.objects.values_list("pk", flat=True)) == {a.pk for a in kept}
        assert purge_old() == 0

    def test_the_default_is_a_year_and_zero_keeps_everything(self, account, settings):
        from settings import base

        assert base.TVMIDDLEWARE_SUBSCRIBER_ACTIONS_DAYS == 365
        _aged(account, 364), _aged(account, 366)
        settings.TVMIDDLEWARE_SUBSCRIBER_ACTIONS_DAYS = 0
        assert purge_old() == 0 and SubscriberAction.objects.count() == 2
        settings.TVMIDDLEWARE_SUBSCRIBER_ACTIONS_DAYS = 365
        assert purge_old() == 1 and SubscriberAction.objects.count() == 1

    def test_the_jobs_are_on_the_schedule_and_resolve(self, settings):
        jobs = {job.name: job for job in jobs_from()}
        assert jobs["purge-subscriber-actions"].task == "tvmiddleware.tasks.purge_subscriber_actions"
        assert jobs["purge-widget-sessions"].task == "widgets.tasks.purge_widget_sessions"
        for name in ("purge-subscriber-actions", "purge-widget-sessions"):
            assert resolve_task(jobs[name].task) is not None  # the embedded scheduler can run them

    def test_the_scheduled_task_purges(self, account, settings):
        settings.TVMIDDLEWARE_SUBSCRIBER_ACTIONS_DAYS = 10
        _aged(account, 11), _aged(account, 1)
        assert resolve_task("tvmiddleware.tasks.purge_subscriber_actions")() == 1
        assert SubscriberAction.objects.count() == 1

    def test_dead_widget_sessions_and_expired_captchas_go(self, account):
        from captcha.models import CaptchaStore
        from widgets.models import WidgetSession
        from widgets.services import widget_create
        from widgets.tasks import purge_stale

        widget = widget_create(client=account.client, name="Cabinet", type="channel_list",
                               allowed_hostnames="site.example")
        now = timezone.now()

        def session(name: str, *, ended=None, expires=timedelta(hours=6), seen=timedelta(0)) -> WidgetSession:
            return WidgetSession.objects.create(
                client=account.client, widget=widget, account=account, key_hash=name.ljust(64, "0"),
                last_seen_at=now - seen, expires_at=now + expires, ended_at=None if ended is None else now - ended)

        live = session("live")
        ended_recently = session("endedrecently", ended=timedelta(hours=2))
        session("endedlongago", ended=timedelta(days=2))
        expired_recently = session("expiredrecently", expires=-timedelta(hours=3), seen=timedelta(hours=15))
        session("expiredlongago", expires=-timedelta(days=2), seen=timedelta(days=3))
        session("idlelongago", seen=timedelta(days=1, hours=1))
        fresh = CaptchaStore.objects.create(challenge="ABCDE", response="abcde")
        stale = CaptchaStore.objects.create(challenge="FGHIJ", response="fghij")
        CaptchaStore.objects.filter(pk=stale.pk).update(expiration=now - timedelta(minutes=1))

        assert purge_stale() == {"sessions": 3, "captchas": 1}
        assert set(WidgetSession.objects.values_list("pk", flat=True)) == {
            live.pk, ended_recently.pk, expired_recently.pk}
        assert list(CaptchaStore.objects.values_list("pk", flat=True)) == [fresh.pk]
        assert resolve_task("widgets.tasks.purge_widget_sessions")() == {"sessions": 0, "captchas": 0}


# --- the operator panel --------------------------------------------------------------------------------

def _action(client_obj, *, abonement: str, lastname: str, action: str = "logged_in",
            origin: ActionOrigin = ActionOrigin.DEVICE_API, widget_id: str = "", ip: str = "192.0.2.1"
            ) -> SubscriberAction:
    customer = factories.CustomerFactory(client=client_obj, lastname=lastname)
    account = factories.AccountFactory(customer=customer, abonement=abonement)
    with acting_from(origin, widget_id=widget_id):
        row = record(action, customer=customer, account=account, tariff_ids=[7])
    SubscriberAction.objects.filter(pk=row.pk).update(ip_address=ip)
    return row


def _shown(response) -> set[int]:
    return {row.pk for row in response.context["cl"].result_list}


class TestPanel:
    def test_the_list_shows_the_operators_rows_with_their_columns(self, staff_client, client_obj, other_client):
        own = _action(client_obj, abonement="700001", lastname="Sidorov", origin=ActionOrigin.WIDGET,
                      widget_id="w-cabinet", ip="203.0.113.77")
        foreign = _action(other_client, abonement="800001", lastname="Foreign")
        response = staff_client.get(admin_url(SubscriberAction, "changelist"))
        assert response.status_code == 200
        assert _shown(response) == {own.pk}
        page = response.content.decode()
        for text in ("700001", "Sidorov", "logged_in", "Website widget", "w-cabinet", "203.0.113.77"):
            assert text in page
        assert "800001" not in page and change_url(foreign) not in page
        assert staff_client.get(change_url(foreign)).status_code in (302, 404)
        detail = staff_client.get(change_url(own))
        assert detail.status_code == 200 and "tariff_ids" in detail.content.decode()

    def test_nobody_adds_changes_or_deletes(self, staff_client, superuser_client, client_obj):
        row = _action(client_obj, abonement="700002", lastname="Kuznetsov")
        for http in (staff_client, superuser_client):
            assert http.get(admin_url(SubscriberAction, "add")).status_code == 403
            assert http.post(change_url(row), {"action": "tampered"}).status_code == 403
            assert http.post(admin_url(SubscriberAction, "delete", row.pk), {"post": "yes"}).status_code == 403
            listing = http.get(admin_url(SubscriberAction, "changelist"))
            assert "delete_selected" not in listing.content.decode()
        row.refresh_from_db()
        assert row.action == "logged_in"
        perms = set(operator_group().permissions.filter(content_type__model="subscriberaction")
                    .values_list("codename", flat=True))
        assert perms == {"view_subscriberaction"}
        assert Group.objects.get(name=OPERATOR_GROUP).permissions.filter(codename="view_subscriberaction").exists()

    def test_filters_and_search(self, staff_client, client_obj):
        login_row = _action(client_obj, abonement="700010", lastname="Orlov")
        widget_row = _action(client_obj, abonement="700011", lastname="Belov", action="registered",
                             origin=ActionOrigin.WIDGET, widget_id="w-2")
        url = admin_url(SubscriberAction, "changelist")
        assert _shown(staff_client.get(url, {"origin": "widget"})) == {widget_row.pk}
        assert _shown(staff_client.get(url, {"origin": "device_api"})) == {login_row.pk}
        assert _shown(staff_client.get(url, {"action": "registered"})) == {widget_row.pk}
        assert _shown(staff_client.get(url, {"q": "700010"})) == {login_row.pk}
        assert _shown(staff_client.get(url, {"q": "Belov"})) == {widget_row.pk}
        assert _shown(staff_client.get(url, {"q": "nobody-like-this"})) == set()
        assert _shown(staff_client.get(url, {"q": "192.0.2.1"})) == {login_row.pk, widget_row.pk}
        for hostile in ("abc", "-1", "9" * 30, "'; --", "%_"):
            assert staff_client.get(url, {"q": hostile}).status_code == 200
        assert staff_client.get(url, {"origin": "bogus"}).status_code in (200, 302)
        assert _shown(staff_client.get(url, {"customer__id__exact": login_row.customer_id})) == {login_row.pk}

    @pytest.mark.parametrize("user", ["staff", "superuser"])
    def test_the_list_costs_the_same_queries_for_more_rows(self, user, staff_client, superuser_client, client_obj):
        http = staff_client if user == "staff" else superuser_client
        url = admin_url(SubscriberAction, "changelist")

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert http.get(url).status_code == 200
            return len(captured)

        for n in range(2):
            _action(client_obj, abonement=f"71000{n}", lastname=f"Few{n}")
        http.get(url)  # warm the session and the content types
        few = queries()
        for n in range(8):
            _action(client_obj, abonement=f"72000{n}", lastname=f"Many{n}")
        assert queries() == few

    def test_the_customer_page_shows_the_latest_actions_and_links_to_all(self, staff_client, client_obj):
        row = _action(client_obj, abonement="700020", lastname="Volkov", action="payment_started",
                      origin=ActionOrigin.WIDGET, widget_id="w-pay")
        customer = row.customer
        with acting_from(ActionOrigin.DEVICE_API):
            for _ in range(25):
                record("logged_in", customer=customer, account=row.account)
        response = staff_client.get(change_url(customer))
        assert response.status_code == 200
        page = response.content.decode()
        formset = next(f for f in response.context["inline_admin_formsets"] if f.opts.model is SubscriberAction)
        shown = [form.original for form in formset]
        assert len(shown) == 20 and all(a.action == "logged_in" for a in shown)  # the newest first
        assert admin_url(SubscriberAction, "changelist") + f"?customer__id__exact={customer.pk}" in page
        everything = staff_client.get(admin_url(SubscriberAction, "changelist"),
                                      {"customer__id__exact": customer.pk})
        assert len(_shown(everything)) == 26
        assert "w-pay" in everything.content.decode()

    def test_the_customer_page_still_saves_and_leaves_the_actions_alone(self, staff_client, client_obj):
        row = _action(client_obj, abonement="700030", lastname="Zaitsev")
        with acting_from(ActionOrigin.WIDGET, widget_id="w-x"):
            for _ in range(22):
                record("profile_changed", customer=row.customer, fields=["email"])
        page = staff_client.get(change_url(row.customer))
        data = changeform_data(page, firstname="Oleg")
        prefix = next(f.formset.prefix for f in page.context["inline_admin_formsets"]
                      if f.opts.model is SubscriberAction)
        data[f"{prefix}-0-action"] = "tampered"  # a read-only inline takes nothing from the form
        data[f"{prefix}-0-DELETE"] = "on"
        response = staff_client.post(change_url(row.customer), data)
        assert response.status_code == 302, response.context and response.context["errors"]
        row.customer.refresh_from_db()
        assert row.customer.firstname == "Oleg"
        # none deleted or changed, and the panel's own change (the operator's work) is not recorded
        assert SubscriberAction.objects.filter(customer=row.customer).count() == 23
        assert not SubscriberAction.objects.filter(action="tampered").exists()
