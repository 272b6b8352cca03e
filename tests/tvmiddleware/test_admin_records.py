"""Records only services write: the ledger and the domain events with their deliveries."""
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from billing.models import CustomerTransaction, TransactionSource
from billing.services import transaction_create
from tests import factories
from tests.admin_factories import EventDeliveryFactory, admin_url, change_url
from tvmiddleware.models import DeliveryStatus, DomainEvent, EventDelivery
from tvmiddleware.services import account_block_for_debt

pytest_plugins = ["tests.admin_factories"]  # staff_client, superuser_client, ... fixtures


def shown(response):
    return list(response.context["cl"].result_list)


# --- ledger --------------------------------------------------------------------------------------

def test_nobody_adds_changes_or_deletes_ledger_rows(superuser_client, customer):
    row = transaction_create(client=customer.client, customer=customer, amount=Decimal("5.00"))
    model_admin = admin.site._registry[CustomerTransaction]
    request = RequestFactory().get("/")
    request.user = get_user_model().objects.get(username="root")

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, row)
    assert not model_admin.has_delete_permission(request, row)
    assert model_admin.has_view_permission(request, row)
    assert superuser_client.get(admin_url(CustomerTransaction, "add")).status_code == 403
    assert superuser_client.get(admin_url(CustomerTransaction, "delete", row.pk)).status_code == 403
    assert superuser_client.post(change_url(row), {"amount": "1000.00"}).status_code == 403
    assert superuser_client.get(change_url(row)).context["has_change_permission"] is False


def test_ledger_list_search_and_filter(staff_client, client_obj):
    alice, bob = factories.CustomerFactory.create_batch(2, client=client_obj)
    payment = transaction_create(client=client_obj, customer=alice, amount="100.00", ext_id="PAY-1",
                                 source=TransactionSource.PAYMENT)
    manual = transaction_create(client=client_obj, customer=bob, amount="-5.00", source=TransactionSource.MANUAL)
    changelist = admin_url(CustomerTransaction, "changelist")

    assert set(shown(staff_client.get(changelist))) == {payment, manual}
    assert shown(staff_client.get(changelist, {"q": "PAY-1"})) == [payment]
    assert shown(staff_client.get(changelist, {"q": str(bob.pk)})) == [manual]
    assert shown(staff_client.get(changelist, {"source__exact": "payment"})) == [payment]
    assert shown(staff_client.get(changelist, {"customer__id__exact": alice.pk})) == [payment]


# --- domain events and deliveries ----------------------------------------------------------------

def test_events_are_read_only(staff_client, superuser_client, account):
    account_block_for_debt(account=account)
    event = DomainEvent.objects.get()
    for http in (staff_client, superuser_client):
        response = http.get(change_url(event))
        assert response.status_code == 200
        assert response.context["has_change_permission"] is False
        assert "DEBT" in response.content.decode()  # the payload is shown
        assert http.get(admin_url(DomainEvent, "add")).status_code == 403


def test_delivery_list_shows_status_attempts_and_errors(staff_client, client_obj):
    failed = EventDeliveryFactory(event__client=client_obj)
    delivered = EventDeliveryFactory(event__client=client_obj, status=DeliveryStatus.DELIVERED, last_error="")
    changelist = admin_url(EventDelivery, "changelist")

    content = staff_client.get(changelist).content.decode()
    assert "PluginError: partner down" in content
    assert shown(staff_client.get(changelist, {"status__exact": "failed"})) == [failed]
    assert shown(staff_client.get(changelist, {"status__exact": "delivered"})) == [delivered]


@pytest.mark.parametrize("http_fixture", ["staff_client", "superuser_client"])
def test_retry_makes_failed_deliveries_due_again(request, http_fixture, client_obj, other_client):
    http = request.getfixturevalue(http_fixture)
    failed = EventDeliveryFactory(event__client=client_obj)
    delivered = EventDeliveryFactory(event__client=client_obj, status=DeliveryStatus.DELIVERED)
    foreign = EventDeliveryFactory(event__client=other_client)

    response = http.post(admin_url(EventDelivery, "changelist"), {
        "action": "retry_deliveries", ACTION_CHECKBOX_NAME: [failed.pk, delivered.pk, foreign.pk],
    }, follow=True)
    assert response.status_code == 200

    failed.refresh_from_db()
    # due again, its history kept: the attempts so far and the last error stay visible
    assert (failed.status, failed.attempts, failed.retried_at_attempt) == (DeliveryStatus.PENDING, 12, 12)
    assert failed.last_error == "PluginError: partner down"
    delivered.refresh_from_db()
    assert delivered.status == DeliveryStatus.DELIVERED
    foreign.refresh_from_db()
    expected_foreign = DeliveryStatus.PENDING if http_fixture == "superuser_client" else DeliveryStatus.FAILED
    assert foreign.status == expected_foreign


def test_retry_delivers_at_once_and_keeps_the_attempts_and_the_last_error(
        staff_client, client_obj, customer, basic_tariff, test_plugin, django_capture_on_commit_callbacks,
        settings):
    """Embedded mode (tasks in-process, no sweep running): the operator's retry is attempted before
    the page answers; a retry that fails again counts on from the attempts made, error shown."""
    from tvmiddleware import services

    settings.EVENT_DELIVERY_MAX_ATTEMPTS = 2
    factories.ExternalSystemFactory(client=client_obj, api_class="test_plugin")
    test_plugin.failures_left = 3
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=customer, tariff=basic_tariff)  # attempt 1 fails at commit
    delivery = EventDelivery.objects.get()
    EventDelivery.objects.filter(pk=delivery.pk).update(attempts=2, status=DeliveryStatus.FAILED)  # gave up
    changelist = admin_url(EventDelivery, "changelist")

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(changelist, {"action": "retry_deliveries", ACTION_CHECKBOX_NAME: [delivery.pk]})
    delivery.refresh_from_db()
    assert delivery.attempts == 3 and delivery.last_attempt_at is not None  # attempted right away
    assert delivery.status == DeliveryStatus.PENDING  # a fresh series of automatic retries, not given up
    assert "partner is down" in delivery.last_error
    assert "partner is down" in staff_client.get(change_url(delivery)).content.decode()

    test_plugin.failures_left = 0
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(changelist, {"action": "retry_deliveries", ACTION_CHECKBOX_NAME: [delivery.pk]})
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 4)
    assert len(test_plugin.received) == 1
