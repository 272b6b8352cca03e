"""The operator panel's daily work: accounts, customers, tariffs, devices, stream services, integrations.

Every write goes through the services, so the domain events partners rely on are recorded.
"""
import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages

from tests import factories
from tests.admin_factories import admin_url, change_url, changeform_data, device_type_id, inline_rows
from tvmiddleware import services
from tvmiddleware.models import (
    Account, AccountDevice, AccountStatus, ChannelCategory, Customer, DomainEvent, ExternalSystem, StreamService,
    TariffSubscription,
)

pytest_plugins = ["tests.admin_factories"]  # staff_client, superuser_client, ... fixtures


def run_action(http, model, action, rows, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [row.pk for row in rows], **extra}
    return http.post(admin_url(model, "changelist"), data, follow=True)


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)] or [
        str(m) for m in response.context.get("messages", [])
    ]


def event_names(client):
    return list(DomainEvent.objects.for_client(client).order_by("id").values_list("name", flat=True))


def form_errors(response):
    return response.context["adminform"].form.errors


# --- accounts ------------------------------------------------------------------------------------

def test_new_account_gets_a_generated_password_shown_once(staff_client, customer):
    page = staff_client.get(admin_url(Account, "add"), {"customer": customer.pk})
    assert "password" not in page.context["adminform"].form.fields  # the hash is never a form field
    response = staff_client.post(admin_url(Account, "add"), changeform_data(page), follow=True)

    assert response.status_code == 200
    account = Account.objects.get(customer=customer)
    shown = [m for m in messages_of(response) if "password is" in m]
    assert len(shown) == 1
    plaintext = re.search(r"password is (\d+)", shown[0]).group(1)
    assert account.password.startswith("pbkdf2_sha256_account$")
    assert account.check_password(plaintext)
    assert account.client == customer.client
    assert account.abonement.isdigit()

    again = staff_client.get(change_url(account))
    assert "password is" not in again.content.decode()
    assert account.password not in again.content.decode()


def test_new_account_with_a_chosen_number_and_password(staff_client, customer):
    page = staff_client.get(admin_url(Account, "add"))
    data = changeform_data(page, customer=customer.pk, abonement="777000", new_password="9876")
    assert staff_client.post(admin_url(Account, "add"), data).status_code == 302
    account = Account.objects.get(abonement="777000")
    assert account.check_password("9876")


def test_taken_abonement_is_a_form_error(staff_client, account):
    page = staff_client.get(admin_url(Account, "add"))
    data = changeform_data(page, customer=account.customer_id, abonement=account.abonement)
    response = staff_client.post(admin_url(Account, "add"), data)
    assert response.status_code == 200
    assert "An account with this abonement already exists." in str(form_errors(response))


def test_invalid_subnets_are_a_form_error(staff_client, customer):
    page = staff_client.get(admin_url(Account, "add"))
    data = changeform_data(page, customer=customer.pk, subnets="10.0.0.0/8, not-a-net")
    response = staff_client.post(admin_url(Account, "add"), data)
    assert "subnets" in form_errors(response)


def test_changing_the_password_replaces_the_hash(staff_client, account):
    page = staff_client.get(change_url(account))
    staff_client.post(change_url(account), changeform_data(page, new_password="5555"))
    account.refresh_from_db()
    assert account.check_password("5555")

    page = staff_client.get(change_url(account))
    staff_client.post(change_url(account), changeform_data(page, new_password="", template="dark"))
    account.refresh_from_db()
    assert account.check_password("5555")
    assert account.template == "dark"


def test_status_changed_in_the_form_is_told_to_partners(staff_client, account):
    page = staff_client.get(change_url(account))
    response = staff_client.post(change_url(account), changeform_data(page, status_reason=AccountStatus.BLOCK,
                                                                      active=""))
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.active, account.status_reason) == (False, AccountStatus.BLOCK)
    event = DomainEvent.objects.get(name="account.status_changed")
    assert event.payload["old_status_reason"] == AccountStatus.ACTIVE


@pytest.mark.parametrize("action, active, status_reason", [
    ("deactivate_accounts", False, AccountStatus.INACTIVE),
    ("block_accounts_for_debt", False, AccountStatus.DEBT),
])
def test_account_status_actions_go_through_the_services(staff_client, client_obj, action, active, status_reason):
    accounts = factories.AccountFactory.create_batch(2, customer=factories.CustomerFactory(client=client_obj))
    response = run_action(staff_client, Account, action, accounts)

    assert response.status_code == 200
    for account in accounts:
        account.refresh_from_db()
        assert (account.active, account.status_reason) == (active, status_reason)
    assert event_names(client_obj) == ["account.status_changed"] * 2
    assert any(m.startswith("2 account(s)") for m in messages_of(response))


def test_activate_counts_accounts_that_already_were_active(staff_client, client_obj):
    customer = factories.CustomerFactory(client=client_obj)
    blocked = factories.AccountFactory(customer=customer, active=False, status_reason=AccountStatus.DEBT)
    active = factories.AccountFactory(customer=customer)
    response = run_action(staff_client, Account, "activate_accounts", [blocked, active])

    blocked.refresh_from_db()
    assert (blocked.active, blocked.status_reason) == (True, AccountStatus.ACTIVE)
    assert "1 account(s) activated. 1 already were." in messages_of(response)
    assert event_names(client_obj) == ["account.status_changed"]


def test_customer_actions_change_every_account_of_the_customers(staff_client, client_obj, other_client):
    customer = factories.CustomerFactory(client=client_obj)
    accounts = factories.AccountFactory.create_batch(2, customer=customer)
    foreign = factories.AccountFactory(customer=factories.CustomerFactory(client=other_client))
    run_action(staff_client, Customer, "block_accounts_for_debt", [customer, foreign.customer])

    assert {a.status_reason for a in Account.objects.filter(pk__in=[a.pk for a in accounts])} == {AccountStatus.DEBT}
    foreign.refresh_from_db()
    assert foreign.status_reason == AccountStatus.ACTIVE


def test_deleting_an_account_releases_its_devices(staff_client, account):
    factories.AccountDeviceFactory(account=account)
    response = staff_client.post(admin_url(Account, "delete", account.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Account.objects.filter(pk=account.pk).exists()
    assert event_names(account.client) == ["device.removed"]


# --- devices -------------------------------------------------------------------------------------

def test_binding_a_device_goes_through_device_bind(staff_client, account):
    page = staff_client.get(admin_url(AccountDevice, "add"))
    data = changeform_data(page, account=account.pk, device_type=device_type_id("mag"), device_uid="00:11:22:33:44:55")
    assert staff_client.post(admin_url(AccountDevice, "add"), data).status_code == 302
    device = AccountDevice.objects.get(device_uid="00:11:22:33:44:55")
    assert device.client == account.client
    assert event_names(account.client) == ["device.added"]


def test_a_device_group_the_account_forbids_is_a_form_error(staff_client, account):
    account.allowed_device_groups = [2]
    account.save()
    page = staff_client.get(admin_url(AccountDevice, "add"))
    data = changeform_data(page, account=account.pk, device_type=device_type_id("mag"), device_uid="AA")
    response = staff_client.post(admin_url(AccountDevice, "add"), data)
    assert "device_type" in form_errors(response)


def test_a_basic_device_beyond_the_tariffs_is_a_form_error(staff_client, account):
    page = staff_client.get(admin_url(AccountDevice, "add"))
    data = changeform_data(page, account=account.pk, device_type=device_type_id("mag"), device_uid="AA",
                           is_basic="on")
    response = staff_client.post(admin_url(AccountDevice, "add"), data)
    assert "is_basic" in form_errors(response)  # no tariff: no basic devices


def test_removing_a_device_is_told_to_partners(staff_client, account):
    device = factories.AccountDeviceFactory(account=account)
    run_action(staff_client, AccountDevice, "delete_selected", [device], post="yes")
    assert not AccountDevice.objects.filter(pk=device.pk).exists()
    assert event_names(account.client) == ["device.removed"]


# --- customers -----------------------------------------------------------------------------------

def test_a_customer_needs_a_name_or_a_comment(staff_client, client_obj):
    page = staff_client.get(admin_url(Customer, "add"))
    response = staff_client.post(admin_url(Customer, "add"), changeform_data(page, mobile_phone_number="+7900"))
    assert response.status_code == 200
    assert "At least one of firstname" in str(form_errors(response))

    response = staff_client.post(admin_url(Customer, "add"), changeform_data(page, comment="Hotel room 12"))
    assert response.status_code == 302
    assert Customer.objects.get(comment="Hotel room 12").client == client_obj


def test_the_balance_is_shown_but_not_editable(staff_client, customer):
    page = staff_client.get(change_url(customer))
    assert "balance" not in page.context["adminform"].form.fields
    assert "balance" in page.context["adminform"].readonly_fields


@pytest.mark.parametrize("term", ["500777", "AA:BB:CC:00:00:01", "EXT-42", "+79001234567"])
def test_customer_search(staff_client, client_obj, term):
    wanted = factories.CustomerFactory(client=client_obj, ext_id="EXT-42", mobile_phone_number="+79001234567")
    account = factories.AccountFactory(customer=wanted, abonement="500777")
    factories.AccountDeviceFactory(account=account, device_uid="AA:BB:CC:00:00:01")
    factories.CustomerFactory(client=client_obj)

    response = staff_client.get(admin_url(Customer, "changelist"), {"q": term})
    assert list(response.context["cl"].result_list) == [wanted]


def test_customer_filters_by_account_status_and_by_tariff(staff_client, client_obj, basic_tariff):
    debtor = factories.CustomerFactory(client=client_obj)
    factories.AccountFactory(customer=debtor, active=False, status_reason=AccountStatus.DEBT)
    subscriber = factories.CustomerFactory(client=client_obj)
    factories.AccountFactory(customer=subscriber)
    services.tariff_assign(customer=subscriber, tariff=basic_tariff)
    former = factories.CustomerFactory(client=client_obj)
    services.tariff_assign(customer=former, tariff=basic_tariff)
    services.tariff_remove(customer=former, tariff=basic_tariff)

    changelist = admin_url(Customer, "changelist")
    assert list(staff_client.get(changelist, {"status": "DEBT"}).context["cl"].result_list) == [debtor]
    assert list(staff_client.get(changelist, {"accounts__active__exact": "0"}).context["cl"].result_list) == [debtor]
    assert list(staff_client.get(changelist, {"tariff": basic_tariff.pk}).context["cl"].result_list) == [subscriber]


def test_deleting_a_customer_ends_tariffs_and_releases_devices(staff_client, account, basic_tariff):
    services.tariff_assign(customer=account.customer, tariff=basic_tariff)
    factories.AccountDeviceFactory(account=account)
    response = staff_client.post(admin_url(Customer, "delete", account.customer_id), {"post": "yes"})
    assert response.status_code == 302
    assert not Customer.objects.filter(pk=account.customer_id).exists()
    assert event_names(account.client)[-2:] == ["tariff.removed", "device.removed"]


# --- tariffs -------------------------------------------------------------------------------------

def test_assigning_a_tariff_in_the_admin_goes_through_tariff_assign(staff_client, customer, basic_tariff, client_obj):
    other_basic = factories.TariffFactory(client=client_obj, basic_tariff_priority=2)
    services.tariff_assign(customer=customer, tariff=basic_tariff)

    page = staff_client.get(admin_url(TariffSubscription, "add"), {"customer": customer.pk})
    response = staff_client.post(admin_url(TariffSubscription, "add"),
                                 changeform_data(page, tariff=other_basic.pk))
    assert response.status_code == 302
    # the new basic tariff replaced the old one
    assert list(customer.subscriptions.filter(is_closed=False).values_list("tariff", flat=True)) == [other_basic.pk]
    assert event_names(client_obj) == ["tariff.assigned", "tariff.removed", "tariff.assigned"]


def test_a_tariff_the_customer_has_is_a_form_error(staff_client, customer, additional_tariff):
    services.tariff_assign(customer=customer, tariff=additional_tariff)
    page = staff_client.get(admin_url(TariffSubscription, "add"), {"customer": customer.pk})
    response = staff_client.post(admin_url(TariffSubscription, "add"),
                                 changeform_data(page, tariff=additional_tariff.pk))
    assert form_errors(response)["tariff"] == ["The customer already has this tariff."]


def test_closing_subscriptions_goes_through_tariff_remove(staff_client, customer, basic_tariff, additional_tariff):
    open_one = services.tariff_assign(customer=customer, tariff=basic_tariff)
    closed_one = services.tariff_assign(customer=customer, tariff=additional_tariff)
    services.tariff_remove(customer=customer, tariff=additional_tariff)

    response = run_action(staff_client, TariffSubscription, "close_subscriptions", [open_one, closed_one])
    open_one.refresh_from_db()
    assert open_one.is_closed and open_one.closed_at is not None
    assert "1 subscription(s) closed. 1 already were." in messages_of(response)
    assert event_names(customer.client).count("tariff.removed") == 2


def test_subscriptions_are_history_and_cannot_be_deleted(staff_client, superuser_client, customer, basic_tariff):
    subscription = services.tariff_assign(customer=customer, tariff=basic_tariff)
    for http in (staff_client, superuser_client):
        assert http.get(admin_url(TariffSubscription, "delete", subscription.pk)).status_code == 403


def test_customer_page_shows_accounts_and_current_tariffs(staff_client, account, basic_tariff, additional_tariff):
    services.tariff_assign(customer=account.customer, tariff=basic_tariff)
    services.tariff_assign(customer=account.customer, tariff=additional_tariff)
    services.tariff_remove(customer=account.customer, tariff=additional_tariff)

    page = staff_client.get(change_url(account.customer))
    inlines = {f.formset.model.__name__: f.formset for f in page.context["inline_admin_formsets"]}
    assert [f.instance for f in inlines["Account"].forms] == [account]
    assert [f.instance.tariff for f in inlines["TariffSubscription"].forms] == [basic_tariff]


def test_bulk_assign_tariff_asks_for_the_tariff_then_assigns(staff_client, client_obj, other_client,
                                                            additional_tariff):
    customers = factories.CustomerFactory.create_batch(2, client=client_obj)
    foreign_tariff = factories.TariffFactory(client=other_client)

    page = run_action(staff_client, Customer, "assign_tariff", customers)
    assert page.status_code == 200
    assert list(page.context["form"].fields["tariff"].queryset) == [additional_tariff]

    refused = run_action(staff_client, Customer, "assign_tariff", customers, apply="1", tariff=foreign_tariff.pk)
    assert "tariff" in refused.context["form"].errors

    done = run_action(staff_client, Customer, "assign_tariff", customers, apply="1", tariff=additional_tariff.pk)
    assert f"Tariff {additional_tariff} assigned to 2 customer(s)." in messages_of(done)
    assert TariffSubscription.objects.filter(tariff=additional_tariff, is_closed=False).count() == 2

    again = run_action(staff_client, Customer, "remove_tariff", customers[:1], apply="1", tariff=additional_tariff.pk)
    assert f"Tariff {additional_tariff} removed from 1 customer(s)." in messages_of(again)
    assert TariffSubscription.objects.filter(tariff=additional_tariff, is_closed=False).count() == 1


def test_bulk_assign_reports_refusals(staff_client, customer, additional_tariff):
    services.tariff_assign(customer=customer, tariff=additional_tariff)
    response = run_action(staff_client, Customer, "assign_tariff", [customer], apply="1", tariff=additional_tariff.pk)
    assert any("already has this tariff" in m for m in messages_of(response))


# --- stream services -----------------------------------------------------------------------------

def test_stream_service_mask_with_an_unknown_variable_is_refused(staff_client):
    page = staff_client.get(admin_url(StreamService, "add"))
    assert "$prefix" in page.content.decode()  # the help text lists the variables
    data = changeform_data(page, name="Edge", url_mask="http://edge/$prefix/index.m3u8?t=$unknown")
    response = staff_client.post(admin_url(StreamService, "add"), data)
    assert response.status_code == 200
    assert "$unknown" in str(form_errors(response)["url_mask"])

    data["url_mask"] = "http://edge/$prefix/index.m3u8?token=$token"
    assert staff_client.post(admin_url(StreamService, "add"), data).status_code == 302


def test_stream_service_page_shows_its_own_check_url_and_the_rotation_changes_it(staff_client, client_obj):
    service = factories.StreamServiceFactory(client=client_obj)
    page = staff_client.get(change_url(service)).content.decode()
    url = f"http://testserver/tvmiddleware/api/streamservice/{service.check_key}/token/check/"
    assert f"auth_backend tvmw {{ backend {url}; }}" in page  # ready-to-paste Flussonic snippet
    assert f"proxy_pass {url}?name=$auth_stream" in page  # nginx auth_request
    old = service.check_key
    response = run_action(staff_client, StreamService, "rotate_check_keys", [service])
    assert any("New check keys" in m for m in messages_of(response))
    service.refresh_from_db()
    assert service.check_key != old and len(service.check_key) >= 32


def test_stream_service_cannot_take_another_operators_check_key(staff_client, client_obj):
    foreign = factories.StreamServiceFactory()
    service = factories.StreamServiceFactory(client=client_obj)
    data = changeform_data(staff_client.get(change_url(service)), check_key=foreign.check_key)
    response = staff_client.post(change_url(service), data)
    assert response.status_code == 200 and "check_key" in form_errors(response)
    own = factories.StreamServiceFactory(client=client_obj)
    data["check_key"] = own.check_key  # one streamer for two of its own services: allowed
    assert staff_client.post(change_url(service), data).status_code == 302


# --- integrations --------------------------------------------------------------------------------

def test_integration_api_class_is_chosen_among_installed_plugins(staff_client, admin_test_plugin):
    form = staff_client.get(admin_url(ExternalSystem, "add")).context["adminform"].form
    assert (admin_test_plugin, "Admin test plugin") in form.fields["api_class"].choices


def test_integration_attributes_are_checked_by_the_plugin(staff_client, client_obj, admin_test_plugin):
    page = staff_client.get(admin_url(ExternalSystem, "add"))
    data = changeform_data(page, name="Partner", api_class=admin_test_plugin)
    data.update(inline_rows("attributes", [{"key": "partner_id", "value": "abc"}]))
    response = staff_client.post(admin_url(ExternalSystem, "add"), data)

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.non_form_errors() == ["api_key: The partner's API key is required."]
    assert formset.forms[0].errors["value"] == ["Must be a number."]

    data.update(inline_rows("attributes", [{"key": "partner_id", "value": "42"}, {"key": "api_key", "value": "k"}]))
    assert staff_client.post(admin_url(ExternalSystem, "add"), data).status_code == 302
    system = ExternalSystem.objects.get(name="Partner")
    assert system.client == client_obj
    assert system.attribute_map() == {"partner_id": "42", "api_key": "k"}
    assert {attr.client_id for attr in system.attributes.all()} == {client_obj.pk}


def test_only_one_integration_is_the_billing_default(staff_client, client_obj, admin_test_plugin):
    factories.ExternalSystemFactory(client=client_obj, api_class=admin_test_plugin, is_default_for_billing=True)
    page = staff_client.get(admin_url(ExternalSystem, "add"))
    data = changeform_data(page, name="Second", api_class=admin_test_plugin, is_default_for_billing="on")
    data.update(inline_rows("attributes", [{"key": "partner_id", "value": "1"}, {"key": "api_key", "value": "k"}]))
    response = staff_client.post(admin_url(ExternalSystem, "add"), data)
    assert "Another integration is already the default for billing." in str(form_errors(response))


# --- line-up -------------------------------------------------------------------------------------

def test_categories_are_reordered_in_the_list(staff_client, client_obj):
    category = factories.ChannelCategoryFactory(client=client_obj, sort=5)
    response = staff_client.post(admin_url(ChannelCategory, "changelist"), {
        "form-TOTAL_FORMS": 1, "form-INITIAL_FORMS": 1, "form-0-id": category.pk, "form-0-sort": 1, "_save": "Save",
    })
    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.sort, category.client) == (1, client_obj)


def test_superuser_creates_an_account_for_the_chosen_operator(superuser_client, customer, other_client):
    page = superuser_client.get(admin_url(Account, "add"), {"customer": customer.pk, "client": customer.client_id})
    assert superuser_client.post(admin_url(Account, "add"), changeform_data(page)).status_code == 302
    assert Account.objects.get(customer=customer).client == customer.client

    foreign = changeform_data(page, client=other_client.pk)
    response = superuser_client.post(admin_url(Account, "add"), foreign)
    assert form_errors(response)["customer"] == ["This belongs to another operator."]


@pytest.mark.django_db
def test_operator_group_gets_new_permissions_after_migrate():
    from django.contrib.auth.models import Permission
    from django.db.models.signals import post_migrate

    from tvmiddleware.apps import _refresh_operator_group
    from tvmiddleware.services.staff import operator_group

    assert any(entry[1]() is _refresh_operator_group for entry in post_migrate.receivers)
    group = operator_group()
    message_perm = Permission.objects.get(codename="add_message")
    group.permissions.remove(message_perm)  # as if the model came in a later release
    _refresh_operator_group(using="default")  # what `migrate` runs at its end
    assert group.permissions.filter(pk=message_perm.pk).exists()
