"""Operator commands to devices: queued from the panel, handed once through account/status."""
from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.errors import Invalid
from tests import factories
from tests.admin_factories import make_staff
from tvmiddleware.models import DeviceCommand, DeviceCommandType
from tvmiddleware.services.device_commands import command_send, commands_withdraw


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def test_a_command_is_delivered_once(logged_in, subscriber):
    assert "command" not in logged_in.json("account/status/")
    command_send(account=subscriber.account, type=DeviceCommandType.OPEN_LINK, deep_link="app://tariffs",
                 accompanying_text="New tariffs!", image_url="https://example.com/a.png", user_confirmation=True)
    body = logged_in.json("account/status/")
    assert body["command"] == {"type": 4, "user_confirmation": 1, "deep_link": "app://tariffs",
                               "accompanying_text_to_command": "New tariffs!",
                               "image_for_command": "https://example.com/a.png"}
    assert "command" not in logged_in.json("account/status/")
    taken = DeviceCommand.objects.get()
    assert taken.delivered_at is not None and taken.delivered_to == "00:1A:79:00:00:01"


def test_commands_come_oldest_first_and_only_to_their_device(logged_in, subscriber):
    other_device = factories.AccountDeviceFactory(account=subscriber.account, device_uid="OTHER")
    command_send(account=subscriber.account, type=DeviceCommandType.REBOOT, device_uid=other_device.device_uid)
    command_send(account=subscriber.account, type=DeviceCommandType.RELOAD)
    command_send(account=subscriber.account, type=DeviceCommandType.UPDATE_APP)
    assert logged_in.json("account/status/")["command"]["type"] == 2
    assert logged_in.json("account/status/")["command"]["type"] == 5
    assert "command" not in logged_in.json("account/status/")  # the reboot waits for the other device
    assert DeviceCommand.objects.filter(delivered_at__isnull=True).get().type == DeviceCommandType.REBOOT


def test_no_sql_on_the_warm_path_without_commands(logged_in, subscriber):
    logged_in.json("account/status/")
    with CaptureQueriesContext(connection) as captured:
        assert "command" not in logged_in.json("account/status/")
    assert len(captured) == 0
    command_send(account=subscriber.account, type=DeviceCommandType.RELOAD)  # renews the cached answer
    assert logged_in.json("account/status/")["command"]["type"] == 2
    logged_in.json("account/status/")
    with CaptureQueriesContext(connection) as captured:
        logged_in.json("account/status/")
    assert len(captured) == 0


def test_a_warm_poll_reads_messages_and_commands_in_one_cache_round_trip(logged_in, subscriber, monkeypatch):
    logged_in.json("account/status/")
    reads: list[list[str]] = []
    get_many = cache.get_many

    def counting(keys, *args, **kwargs):
        reads.append(list(keys))
        return get_many(keys, *args, **kwargs)

    monkeypatch.setattr(cache, "get_many", counting)
    assert "command" not in logged_in.json("account/status/")
    poll = [keys for keys in reads if any("account-poll" in key for key in keys)]
    assert len(poll) == 1  # the message and the commands with their three versions, together
    assert not any("account-device-commands:v1" in key or "account-first-unread" in key for keys in reads for key in keys)


def test_another_operators_commands_are_not_seen(logged_in, subscriber):
    foreign = factories.AccountFactory(customer__client=factories.ClientFactory())
    command_send(account=foreign, type=DeviceCommandType.REBOOT)
    assert "command" not in logged_in.json("account/status/")
    assert DeviceCommand.objects.get().delivered_at is None


def test_withdrawn_commands_are_not_delivered(logged_in, subscriber):
    logged_in.json("account/status/")
    command = command_send(account=subscriber.account, type=DeviceCommandType.RELOAD)
    assert commands_withdraw(client_id=subscriber.client.pk, command_ids=[command.pk]) == 1
    assert "command" not in logged_in.json("account/status/")


@pytest.mark.parametrize("fields, refused", [
    ({"type": 99}, "type"), ({"type": DeviceCommandType.OPEN_LINK}, "deep_link"),
    ({"type": DeviceCommandType.MESSAGE, "accompanying_text": " "}, "accompanying_text"),
    ({"type": DeviceCommandType.REBOOT, "device_uid": "NOT-BOUND"}, "device_uid"),
])
def test_refused_commands(subscriber, fields, refused):
    with pytest.raises(Invalid) as caught:
        command_send(account=subscriber.account, **fields)
    assert refused in caught.value.fields


def test_the_panel_sends_commands_for_its_operator_only(client, subscriber):
    client.force_login(make_staff(subscriber.client))
    foreign = factories.AccountFactory(customer__client=factories.ClientFactory())
    url = "/admin/tvmiddleware/devicecommand/add/"
    response = client.post(url, {"account": foreign.pk, "type": DeviceCommandType.RELOAD})
    assert response.status_code == 200 and not DeviceCommand.objects.exists()
    response = client.post(url, {"account": subscriber.account.pk, "type": DeviceCommandType.RELOAD})
    assert response.status_code == 302
    command = DeviceCommand.objects.get()
    assert command.client_id == subscriber.client.pk and command.created_by
