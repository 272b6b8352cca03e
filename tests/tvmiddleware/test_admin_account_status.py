"""Blocking and unblocking accounts in the operator panel, and refusals of the services shown to the user.

The status always changes through the account services, so partners hear `account.status_changed`.
"""
import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.urls import reverse

from tests import factories
from tests.admin_factories import admin_url, change_url, changeform_data
from tvmiddleware import services
from tvmiddleware.admin.accounts import AccountAdmin
from tvmiddleware.models import Account, AccountStatus, Customer, DomainEvent

pytest_plugins = ["tests.admin_factories"]  # staff_client, superuser_client, ... fixtures


def run_action(http, model, action, rows):
    return http.post(admin_url(model, "changelist"), {"action": action, ACTION_CHECKBOX_NAME: [r.pk for r in rows]},
                     follow=True)


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)] or [
        str(m) for m in response.context.get("messages", [])]


def status_events(client):
    return list(DomainEvent.objects.for_client(client).filter(name="account.status_changed")
                .order_by("id").values_list("payload", flat=True))


def state(account):
    account.refresh_from_db()
    return account.active, account.status_reason


# --- the original bug: "Blocked" chosen with "Active" left ticked -------------------------------------

def test_choosing_blocked_with_active_left_ticked_blocks_the_account(staff_client, account, client_obj):
    page = staff_client.get(change_url(account))
    data = changeform_data(page, status_reason=AccountStatus.BLOCK)
    assert data["active"] == "on"  # left as rendered

    response = staff_client.post(change_url(account), data)

    assert response.status_code == 302
    assert state(account) == (False, AccountStatus.BLOCK)
    event, = status_events(client_obj)
    assert (event["active"], event["status_reason"], event["old_status_reason"]) == (
        False, AccountStatus.BLOCK, AccountStatus.ACTIVE)


def test_adding_an_account_as_blocked_with_active_left_ticked(staff_client, customer):
    page = staff_client.get(admin_url(Account, "add"))
    data = changeform_data(page, customer=customer.pk, status_reason=AccountStatus.BLOCK)
    assert data["active"] == "on"

    response = staff_client.post(admin_url(Account, "add"), data)

    assert response.status_code == 302
    account = Account.objects.get(customer=customer)
    assert (account.active, account.status_reason) == (False, AccountStatus.BLOCK)


def test_unticking_active_alone_makes_the_account_inactive(staff_client, account):
    page = staff_client.get(change_url(account))
    response = staff_client.post(change_url(account), changeform_data(page, active=""))
    assert response.status_code == 302
    assert state(account) == (False, AccountStatus.INACTIVE)


def test_choosing_active_reactivates_a_blocked_account(staff_client, customer):
    account = factories.AccountFactory(customer=customer, active=False, status_reason=AccountStatus.BLOCK)
    page = staff_client.get(change_url(account))
    response = staff_client.post(change_url(account), changeform_data(page, status_reason=AccountStatus.ACTIVE))
    assert response.status_code == 302
    assert state(account) == (True, AccountStatus.ACTIVE)


def test_ticking_active_and_choosing_blocked_together_is_a_field_error(staff_client, customer, client_obj):
    account = factories.AccountFactory(customer=customer, active=False, status_reason=AccountStatus.INACTIVE)
    page = staff_client.get(change_url(account))

    response = staff_client.post(change_url(account), changeform_data(page, active="on",
                                                                      status_reason=AccountStatus.BLOCK))

    assert response.status_code == 200
    assert "contradicts an active account" in response.context["adminform"].form.errors["status_reason"][0]
    assert state(account) == (False, AccountStatus.INACTIVE)
    assert status_events(client_obj) == []


# --- block / unblock in the list -------------------------------------------------------------------

def test_block_action_blocks_through_the_service(staff_client, client_obj):
    customer = factories.CustomerFactory(client=client_obj)
    active = factories.AccountFactory(customer=customer)
    in_debt = factories.AccountFactory(customer=customer, active=False, status_reason=AccountStatus.DEBT)
    blocked = factories.AccountFactory(customer=customer, active=False, status_reason=AccountStatus.BLOCK)

    response = run_action(staff_client, Account, "block_accounts", [active, in_debt, blocked])

    assert [state(a) for a in (active, in_debt, blocked)] == [(False, AccountStatus.BLOCK)] * 3
    assert "2 account(s) blocked. 1 already were." in messages_of(response)
    assert [e["account_id"] for e in status_events(client_obj)] == sorted([active.pk, in_debt.pk], reverse=True)
    assert LogEntry.objects.filter(object_id=str(active.pk), change_message__contains="blocked").exists()


def test_unblock_action_lifts_blocks_and_debt_blocks_only(staff_client, client_obj):
    customer = factories.CustomerFactory(client=client_obj)
    blocked = factories.AccountFactory(customer=customer, active=False, status_reason=AccountStatus.BLOCK)
    in_debt = factories.AccountFactory(customer=customer, active=False, status_reason=AccountStatus.DEBT)
    waiting = factories.AccountFactory(customer=customer, active=False, status_reason=AccountStatus.WAIT)

    response = run_action(staff_client, Account, "unblock_accounts", [blocked, in_debt, waiting])

    assert state(blocked) == state(in_debt) == (True, AccountStatus.ACTIVE)
    assert state(waiting) == (False, AccountStatus.WAIT)
    assert "2 account(s) unblocked. 1 were not blocked." in messages_of(response)
    assert len(status_events(client_obj)) == 2


def test_customer_list_blocks_every_account_of_the_customer(staff_client, client_obj, other_client):
    customer = factories.CustomerFactory(client=client_obj)
    accounts = factories.AccountFactory.create_batch(2, customer=customer)
    foreign = factories.AccountFactory(customer=factories.CustomerFactory(client=other_client))

    run_action(staff_client, Customer, "block_accounts", [customer, foreign.customer])

    assert [state(a) for a in accounts] == [(False, AccountStatus.BLOCK)] * 2
    assert state(foreign) == (True, AccountStatus.ACTIVE)


def test_a_refused_account_does_not_stop_the_others(staff_client, client_obj, monkeypatch):
    customer = factories.CustomerFactory(client=client_obj)
    first, second = factories.AccountFactory.create_batch(2, customer=customer)
    real = services.account_deactivate

    def deactivate(*, account, **kwargs):
        if account.pk == first.pk:
            raise services.Conflict("The CAS refused.")
        return real(account=account, **kwargs)

    monkeypatch.setattr(services, "account_deactivate", deactivate)
    response = run_action(staff_client, Account, "block_accounts", [first, second])

    assert state(first) == (True, AccountStatus.ACTIVE)
    assert state(second) == (False, AccountStatus.BLOCK)
    assert f"Not changed: {first.abonement}: The CAS refused." in messages_of(response)


# --- block / unblock on the account's page ----------------------------------------------------------

def block_url(account, what="block"):
    return reverse(f"admin:tvmiddleware_account_{what}", args=[account.pk])


def test_account_page_offers_block_and_blocks(staff_client, account, client_obj):
    page = staff_client.get(change_url(account))
    assert block_url(account).encode() in page.content
    assert block_url(account, "unblock").encode() not in page.content

    response = staff_client.post(block_url(account), follow=True)

    assert response.redirect_chain[-1][0] == change_url(account)
    assert state(account) == (False, AccountStatus.BLOCK)
    assert f"Account {account.abonement} blocked." in messages_of(response)
    assert len(status_events(client_obj)) == 1
    page = staff_client.get(change_url(account))
    assert block_url(account, "unblock").encode() in page.content
    assert block_url(account).encode() not in page.content


def test_account_page_unblocks(staff_client, customer, client_obj):
    account = factories.AccountFactory(customer=customer, active=False, status_reason=AccountStatus.DEBT)
    response = staff_client.post(block_url(account, "unblock"), follow=True)
    assert state(account) == (True, AccountStatus.ACTIVE)
    assert f"Account {account.abonement} unblocked." in messages_of(response)
    event, = status_events(client_obj)
    assert event["old_status_reason"] == AccountStatus.DEBT


def test_unblocking_an_account_that_is_not_blocked_changes_nothing(staff_client, customer, client_obj):
    account = factories.AccountFactory(customer=customer, active=False, status_reason=AccountStatus.WAIT)
    response = staff_client.post(block_url(account, "unblock"), follow=True)
    assert state(account) == (False, AccountStatus.WAIT)
    assert f"Account {account.abonement} is not blocked." in messages_of(response)
    assert status_events(client_obj) == []


def test_block_buttons_need_a_post(staff_client, account):
    assert staff_client.get(block_url(account)).status_code == 405
    assert state(account) == (True, AccountStatus.ACTIVE)


def test_staff_cannot_block_another_operators_account(staff_client, other_client):
    foreign = factories.AccountFactory(customer=factories.CustomerFactory(client=other_client))
    response = staff_client.post(block_url(foreign))
    assert response.status_code in (302, 404)
    assert state(foreign) == (True, AccountStatus.ACTIVE)


def test_users_without_change_permission_cannot_block(client, account, django_user_model):
    from django.contrib.auth.models import Permission

    from tvmiddleware.models import OperatorProfile

    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    OperatorProfile.objects.create(user=viewer, client=account.client)
    viewer.user_permissions.add(Permission.objects.get(codename="view_account"))
    client.force_login(viewer)
    assert client.post(block_url(account)).status_code == 403
    assert state(account) == (True, AccountStatus.ACTIVE)


# --- any refusal of a service, anywhere in the panel, is shown, not a 500 ------------------------------

def test_a_refused_save_comes_back_as_a_field_error(staff_client, account, monkeypatch):
    def refuse(**kwargs):
        raise services.Invalid("parent_code is taken by the neighbour.", fields={"parent_code": "taken"})

    monkeypatch.setattr(services, "account_modify", refuse)
    page = staff_client.get(change_url(account))
    response = staff_client.post(change_url(account), changeform_data(page, parent_code="1234"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["parent_code"] == ["parent_code is taken by the neighbour."]
    account.refresh_from_db()
    assert account.parent_code == ""


def test_a_refusal_naming_no_field_of_the_form_is_shown_on_top(staff_client, customer, monkeypatch):
    def refuse(**kwargs):
        raise services.LimitReached("The operator's account limit is reached.")

    monkeypatch.setattr(services, "account_create", refuse)
    page = staff_client.get(admin_url(Account, "add"))
    response = staff_client.post(admin_url(Account, "add"), changeform_data(page, customer=customer.pk))

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == ["The operator's account limit is reached."]
    assert not Account.objects.filter(customer=customer).exists()


def test_a_refusal_after_a_write_rolls_the_write_back(staff_client, account, client_obj, monkeypatch):
    def save_related(self, request, form, formsets, change):
        raise services.Conflict("A partner refused the change.")

    monkeypatch.setattr(AccountAdmin, "save_related", save_related)
    page = staff_client.get(change_url(account))
    response = staff_client.post(change_url(account), changeform_data(page, status_reason=AccountStatus.BLOCK))

    assert response.status_code == 200
    assert state(account) == (True, AccountStatus.ACTIVE)
    assert status_events(client_obj) == []


def test_a_refused_delete_is_a_message(staff_client, account, monkeypatch):
    def refuse(**kwargs):
        raise services.Conflict("The account still has an open purchase.")

    monkeypatch.setattr(services, "account_delete", refuse)
    response = staff_client.post(admin_url(Account, "delete", account.pk), {"post": "yes"}, follow=True)

    assert response.status_code == 200
    assert "The account still has an open purchase." in messages_of(response)
    assert Account.objects.filter(pk=account.pk).exists()


def test_a_refused_list_action_is_a_message_and_changes_nothing(staff_client, account, monkeypatch):
    def refuse(self, request, queryset):
        raise services.Conflict("Bulk changes are paused.")

    monkeypatch.setattr(AccountAdmin, "selected_accounts", refuse)
    response = run_action(staff_client, Account, "block_accounts", [account])

    assert response.status_code == 200
    assert "Nothing was changed: Bulk changes are paused." in messages_of(response)
    assert state(account) == (True, AccountStatus.ACTIVE)


@pytest.mark.parametrize("user", ["staff", "superuser"])
def test_block_action_is_offered(user, staff_client, superuser_client, account):
    http = staff_client if user == "staff" else superuser_client
    response = http.get(admin_url(Account, "changelist"))
    choices = dict(response.context["action_form"].fields["action"].choices)
    assert {"block_accounts", "unblock_accounts", "block_accounts_for_debt"} <= set(choices)
