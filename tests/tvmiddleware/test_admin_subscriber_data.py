"""What the device API keeps for subscribers, in the operator panel: device sessions (deleting one logs
the device out), operator messages, portal settings, video purchases (read only), and the account
page's favourites, channel settings and viewing positions."""
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import CustomerTransaction
from billing.services import transaction_create
from tests import factories
from tests.admin_factories import admin_url, build_row, change_url, changeform_data, device_type_id
from tvmiddleware.models import (
    AccountChannelSetting, AccountVideoSetting, AuthKey, ContentKind, ContentPosition, Customer, Message, MessageRead,
    PortalSetting, PriceCategory, VideoPurchase,
)
from billing.purchases import video_purchase
from tvmiddleware.services.sessions import session_create, session_resolve

pytest_plugins = ["tests.admin_factories"]  # staff_client, superuser_client, ... fixtures


def shown(response):
    return list(response.context["cl"].result_list)


def queries_of(http, url, **params):
    with CaptureQueriesContext(connection) as captured:
        assert http.get(url, params).status_code == 200
    return len(captured.captured_queries)


def open_session(account, uid="00:1A:79:AA:BB:CC"):
    device = factories.AccountDeviceFactory(account=account, device_uid=uid)
    return session_create(account=account, device=device, device_type=device.device_type, device_uid=uid,
                          is_basic_device=True, ip_address="192.0.2.10")


# --- device sessions -----------------------------------------------------------------------------

@pytest.mark.parametrize("http_fixture", ["staff_client", "superuser_client"])
def test_deleting_sessions_with_the_action_logs_the_devices_out(request, http_fixture, account, other_client):
    http = request.getfixturevalue(http_fixture)
    session, authkey = open_session(account)
    kept, kept_key = open_session(account, uid="00:1A:79:AA:BB:DD")
    foreign, foreign_key = open_session(factories.AccountFactory(customer__client=other_client))
    for key in (authkey, kept_key, foreign_key):
        assert session_resolve(key) is not None  # the sessions are in the cache now

    selected = [session.pk] + ([foreign.pk] if http_fixture == "staff_client" else [])
    changelist = admin_url(AuthKey, "changelist")
    confirm = http.post(changelist, {"action": "delete_selected", ACTION_CHECKBOX_NAME: selected})
    assert confirm.status_code == 200  # the confirmation page
    response = http.post(changelist, {"action": "delete_selected", ACTION_CHECKBOX_NAME: selected, "post": "yes"})
    assert response.status_code == 302

    assert session_resolve(authkey) is None
    assert not AuthKey.objects.filter(pk=session.pk).exists()
    assert session_resolve(kept_key) is not None
    assert session_resolve(foreign_key) is not None  # staff cannot select another operator's session


def test_deleting_a_session_from_its_page_logs_the_device_out(staff_client, account):
    session, authkey = open_session(account)
    assert session_resolve(authkey).account_id == account.pk

    assert staff_client.get(admin_url(AuthKey, "delete", session.pk)).status_code == 200
    response = staff_client.post(admin_url(AuthKey, "delete", session.pk), {"post": "yes"})
    assert response.status_code == 302
    assert session_resolve(authkey) is None
    assert not AuthKey.objects.filter(pk=session.pk).exists()


def test_staff_cannot_delete_another_operators_session(staff_client, other_client):
    session, authkey = open_session(factories.AccountFactory(customer__client=other_client))
    session_resolve(authkey)
    response = staff_client.post(admin_url(AuthKey, "delete", session.pk), {"post": "yes"})
    assert response.status_code in (302, 404)
    assert session_resolve(authkey) is not None


def test_sessions_are_neither_added_nor_changed(staff_client, superuser_client, account):
    session, authkey = open_session(account)
    for http in (staff_client, superuser_client):
        assert http.get(admin_url(AuthKey, "add")).status_code == 403
        page = http.get(change_url(session))
        assert page.status_code == 200
        assert page.context["has_change_permission"] is False
        assert page.context["has_delete_permission"] is True
        assert authkey not in page.content.decode() and session.key_hash not in page.content.decode()
        assert http.post(change_url(session), {"device_uid": "changed"}).status_code == 403
    session.refresh_from_db()
    assert session.device_uid == "00:1A:79:AA:BB:CC"


def test_session_list_shows_account_device_and_ip_and_searches(staff_client, account, client_obj):
    session, _ = open_session(account)
    other = factories.AccountFactory(customer__client=client_obj)
    open_session(other, uid="11:22:33:44:55:66")
    changelist = admin_url(AuthKey, "changelist")

    content = staff_client.get(changelist).content.decode()
    for text in (account.abonement, "00:1A:79:AA:BB:CC", "192.0.2.10", "mag"):
        assert text in content
    assert shown(staff_client.get(changelist, {"q": account.abonement})) == [session]
    assert shown(staff_client.get(changelist, {"q": "AA:BB:CC"})) == [session]
    assert len(shown(staff_client.get(changelist, {"q": "192.0.2"}))) == 2
    assert shown(staff_client.get(changelist, {"device_type__id__exact": device_type_id("mag")}))


def test_session_list_runs_no_query_per_row(staff_client, client_obj):
    open_session(factories.AccountFactory(customer__client=client_obj))
    changelist = admin_url(AuthKey, "changelist")
    one = queries_of(staff_client, changelist)
    for n in range(4):
        open_session(factories.AccountFactory(customer__client=client_obj), uid=f"22:00:00:00:00:0{n}")
    assert queries_of(staff_client, changelist) == one


# --- messages ------------------------------------------------------------------------------------

def test_staff_message_is_their_operators_and_offers_only_their_accounts(staff_client, client_obj, other_client,
                                                                        account):
    foreign_account = factories.AccountFactory(customer__client=other_client)
    page = staff_client.get(admin_url(Message, "add"))
    form = page.context["adminform"].form
    assert "client" not in form.fields
    assert list(form.fields["account"].queryset) == [account]

    response = staff_client.get(reverse("admin:autocomplete"), {
        "app_label": "tvmiddleware", "model_name": "message", "field_name": "account", "term": "",
    })
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [str(account.pk)]

    data = changeform_data(page, account=account.pk, subject="Maintenance", text="Tonight 2-4 am", urgent="on",
                           client=other_client.pk)
    assert staff_client.post(admin_url(Message, "add"), data).status_code == 302
    message = Message.objects.get(subject="Maintenance")
    assert (message.client, message.account, message.urgent) == (client_obj, account, True)

    data = changeform_data(page, account=foreign_account.pk, subject="Sneaky")
    response = staff_client.post(admin_url(Message, "add"), data)
    assert response.status_code == 200
    assert "account" in response.context["adminform"].form.errors
    assert not Message.objects.filter(subject="Sneaky").exists()


def test_message_to_everybody_has_no_account(staff_client, client_obj):
    page = staff_client.get(admin_url(Message, "add"))
    data = changeform_data(page, subject="New channels", text="Five new channels", no_confirmation="on")
    assert staff_client.post(admin_url(Message, "add"), data).status_code == 302
    message = Message.objects.get(subject="New channels")
    assert (message.client, message.account, message.no_confirmation) == (client_obj, None, True)
    assert "everybody" in staff_client.get(admin_url(Message, "changelist")).content.decode()


def test_message_list_counts_reads_without_a_query_per_row(staff_client, client_obj):
    accounts = factories.AccountFactory.create_batch(3, customer__client=client_obj)
    broadcast = Message.objects.create(client=client_obj, subject="For all")
    for account in accounts:
        MessageRead.objects.create(message=broadcast, account=account)
    unread = Message.objects.create(client=client_obj, account=accounts[0], subject="Just you")
    changelist = admin_url(Message, "changelist")

    rows = {m.pk: m.read_count for m in shown(staff_client.get(changelist))}
    assert rows == {broadcast.pk: 3, unread.pk: 0}
    assert [m.pk for m in shown(staff_client.get(changelist, {"o": "-7"}))][0] == broadcast.pk  # by reads

    one = queries_of(staff_client, changelist)
    for n in range(4):
        message = Message.objects.create(client=client_obj, account=accounts[n % 3], subject=f"More {n}")
        MessageRead.objects.create(message=message, account=accounts[n % 3])
    assert queries_of(staff_client, changelist) == one

    page = staff_client.get(change_url(broadcast))
    assert page.status_code == 200
    assert "read_by" in page.context["adminform"].readonly_fields


# --- portal settings -----------------------------------------------------------------------------

def test_portal_settings_per_operator_and_device_type(staff_client, client_obj, other_client):
    PortalSetting.objects.create(client=other_client, key="show_radio", value="0")  # another operator's: no clash
    page = staff_client.get(admin_url(PortalSetting, "add"))
    add = admin_url(PortalSetting, "add")

    assert staff_client.post(add, changeform_data(page, key="show_radio", value="1")).status_code == 302
    response = staff_client.post(add, changeform_data(page, key="show_radio", value="0"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["key"] == [
        "This key already has a value for every device type."]

    mag = device_type_id("mag")
    assert staff_client.post(add, changeform_data(page, key="show_radio", value="0",
                                                  device_type=mag)).status_code == 302
    response = staff_client.post(add, changeform_data(page, key="show_radio", value="1", device_type=mag))
    assert response.context["adminform"].form.errors["key"] == [
        "This key already has a value for this device type."]

    own = PortalSetting.objects.for_client(client_obj)
    assert sorted(own.values_list("value", "device_type_id")) == [("0", mag), ("1", None)]

    PortalSetting.objects.create(client=client_obj, key="login_text", value="Welcome")
    changelist = admin_url(PortalSetting, "changelist")
    assert [s.key for s in shown(staff_client.get(changelist, {"q": "login"}))] == ["login_text"]
    assert len(shown(staff_client.get(changelist, {"device_type__id__exact": mag}))) == 1


def test_changing_a_portal_setting_keeps_its_key_free_for_itself(staff_client, client_obj):
    setting = PortalSetting.objects.create(client=client_obj, key="show_radio", value="1")
    page = staff_client.get(change_url(setting))
    assert staff_client.post(change_url(setting), changeform_data(page, value="0")).status_code == 302
    setting.refresh_from_db()
    assert setting.value == "0"


# --- video purchases -----------------------------------------------------------------------------

def buy(customer, kind="buy", **video):
    transaction_create(client=customer.client, customer=customer, amount=Decimal("100.00"))
    title = factories.VideoFactory(client=customer.client, price_category=PriceCategory.PURCHASE,
                                   price=Decimal("30.00"), rent_price=Decimal("10.00"), **video)
    return video_purchase(customer=customer, video=title, kind=kind)


def test_purchases_are_read_only(staff_client, superuser_client, client_obj):
    purchase = build_row(VideoPurchase, client_obj)
    model_admin = admin.site._registry[VideoPurchase]
    for http in (staff_client, superuser_client):
        request = http.get(admin_url(VideoPurchase, "changelist")).wsgi_request
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request, purchase)
        assert not model_admin.has_delete_permission(request, purchase)
        assert http.get(admin_url(VideoPurchase, "add")).status_code == 403
        assert http.get(admin_url(VideoPurchase, "delete", purchase.pk)).status_code == 403
        assert http.post(change_url(purchase), {"price": "0.00"}).status_code == 403
        page = http.get(change_url(purchase))
        assert page.status_code == 200 and page.context["has_change_permission"] is False
    purchase.refresh_from_db()
    assert purchase.price == Decimal("30.00")


def test_purchase_list_filters_by_kind_and_customer_and_links_the_ledger(staff_client, client_obj):
    alice, bob = factories.CustomerFactory.create_batch(2, client=client_obj)
    bought, rented = buy(alice), buy(bob, kind="rent")
    changelist = admin_url(VideoPurchase, "changelist")

    response = staff_client.get(changelist)
    assert set(shown(response)) == {bought, rented}
    assert change_url(bought.transaction) in response.content.decode()
    assert shown(staff_client.get(changelist, {"kind__exact": "rent"})) == [rented]
    assert shown(staff_client.get(changelist, {"q": bought.video.name})) == [bought]
    assert shown(staff_client.get(changelist, {"q": "nobody by this name"})) == []

    # the customer page links to the customer's purchases
    link = admin_url(VideoPurchase, "changelist") + f"?customer__id__exact={alice.pk}"
    assert link in staff_client.get(change_url(alice)).content.decode()
    assert shown(staff_client.get(link)) == [bought]


def test_purchase_list_runs_no_query_per_row(staff_client, client_obj):
    buy(factories.CustomerFactory(client=client_obj))
    changelist = admin_url(VideoPurchase, "changelist")
    one = queries_of(staff_client, changelist)
    for _ in range(3):
        buy(factories.CustomerFactory(client=client_obj))
    assert queries_of(staff_client, changelist) == one


# --- on the account page -------------------------------------------------------------------------

def test_account_page_shows_what_the_subscriber_set_in_the_apps(staff_client, account, client_obj):
    channel = factories.ChannelFactory(client=client_obj, name="Cartoon Club")
    video = factories.VideoFactory(client=client_obj, name="Long Voyage")
    AccountChannelSetting.objects.create(client=client_obj, account=account, channel=channel, is_favorited=True)
    AccountVideoSetting.objects.create(client=client_obj, account=account, video=video, is_favorited=True)
    ContentPosition.objects.create(client=client_obj, account=account, content_type=ContentKind.VIDEO,
                                   content_id=video.pk, position=1234, duration=5400)

    page = staff_client.get(change_url(account))
    assert page.status_code == 200
    content = page.content.decode()
    for text in ("Cartoon Club", "Long Voyage", "1234"):
        assert text in content
    inlines = {inline.formset.prefix: inline for inline in page.context["inline_admin_formsets"]}
    assert {"devices", "channel_settings", "video_settings", "positions"} <= set(inlines)
    for prefix in ("channel_settings", "video_settings", "positions"):
        assert inlines[prefix].has_change_permission is False
        assert inlines[prefix].has_add_permission is False
        assert inlines[prefix].has_delete_permission is False

    # the account form still saves, leaving the subscriber's data alone
    response = staff_client.post(change_url(account), changeform_data(page, template="dark"))
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.template == "dark"
    assert AccountChannelSetting.objects.filter(account=account, is_favorited=True).count() == 1
    assert ContentPosition.objects.get(account=account).position == 1234


def test_a_customer_with_purchases_can_still_be_deleted(staff_client, client_obj):
    # Purchases are never deleted on their own, but they go with their customer (as subscriptions do);
    # the ledger row that paid stays, keeping the customer's id.
    customer = factories.CustomerFactory(client=client_obj)
    purchase = buy(customer)
    confirm = staff_client.get(admin_url(Customer, "delete", customer.pk))
    assert confirm.status_code == 200 and not confirm.context["perms_lacking"]
    assert staff_client.post(admin_url(Customer, "delete", customer.pk), {"post": "yes"}).status_code == 302
    assert not VideoPurchase.objects.filter(pk=purchase.pk).exists()
    assert CustomerTransaction.objects.get(pk=purchase.transaction_id).customer_ref == customer.pk
