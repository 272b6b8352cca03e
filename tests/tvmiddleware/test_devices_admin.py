"""The operator's composed changes to logins and devices (`tvmiddleware.services.devices_admin`):
each is one transaction, so a refused change leaves the devices signed in and the settings kept."""
import pytest

from tests import factories
from tvmiddleware.models import AccountChannelSetting, AuthKey
from tvmiddleware.services import Conflict, devices_admin
from tvmiddleware.services.sessions import session_create

pytestmark = pytest.mark.django_db


def signed_in(account, uid="00:1A:79:00:00:AA"):
    device = factories.AccountDeviceFactory(account=account, device_uid=uid)
    session_create(account=account, device=device, device_type=device.device_type, device_uid=uid)
    return device


def test_account_update_resets_the_apps_with_the_change(account):
    signed_in(account)
    channel = factories.ChannelFactory(client=account.client)
    AccountChannelSetting.objects.create(client=account.client, account=account, channel=channel, is_favorited=True)
    devices_admin.account_update(account=account, option1="x", reset_device_settings=True)
    account.refresh_from_db()
    assert account.option1 == "x"
    assert not AuthKey.objects.filter(account=account).exists()
    assert not AccountChannelSetting.objects.filter(account=account).exists()


def test_a_refused_account_update_resets_nothing(account, customer):
    signed_in(account)
    factories.AccountFactory(customer=customer, account_ext_id="TAKEN")
    with pytest.raises(Conflict):
        devices_admin.account_update(account=account, account_ext_id="TAKEN", reset_device_settings=True)
    assert AuthKey.objects.filter(account=account).count() == 1


def test_a_failed_reset_undoes_the_change(account, monkeypatch):
    signed_in(account)

    def broken_reset(*, account):
        raise RuntimeError("the reset failed")

    monkeypatch.setattr(devices_admin, "account_user_data_reset", broken_reset)
    with pytest.raises(RuntimeError):
        devices_admin.account_update(account=account, option1="changed", reset_device_settings=True)
    account.refresh_from_db()
    assert account.option1 != "changed"  # both or neither


def test_device_modify_and_attach_can_log_the_device_out(account):
    device = signed_in(account)
    devices_admin.device_modify(device=device, serial_number="SN-1")
    assert AuthKey.objects.filter(account=account).count() == 1  # by default the device stays signed in
    devices_admin.device_modify(device=device, serial_number="SN-2", end_sessions=True)
    assert not AuthKey.objects.filter(account=account).exists()
    with pytest.raises(devices_admin.DeviceAlreadyBound):
        devices_admin.device_attach(account=account, device_type=device.device_type, device_uid=device.device_uid,
                                    end_sessions=True)
