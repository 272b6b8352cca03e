"""`irdeto_resync` compares the CAS with the desired state and repairs it (or, dry run, reports)."""
from datetime import datetime, timezone as dt_timezone
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from irdeto.models import CasProduct, CasSubscriber
from irdeto.tasks import resync_all
from tests.irdeto.fakes import Device
from tvmiddleware import services


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("irdeto_resync", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def synced(irdeto, home, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_assign(customer=home.customer, tariff=irdeto.tv)
        services.tariff_assign(customer=home.customer, tariff=irdeto.sport)
    return home


def tamper(irdeto, customer) -> None:
    """Change the CAS behind the middleware's back."""
    subscriber = irdeto.fake.subscribers[irdeto.cas_id(customer)]
    box = subscriber.devices["SC-0001"]
    del box.entitlements["SPORT"]
    start, _ = box.entitlements["TV-STB"]
    box.entitlements["TV-STB"] = (start, datetime(2030, 1, 1, tzinfo=dt_timezone.utc))
    box.entitlements["PREMIUM"] = (start, datetime(2031, 1, 1, tzinfo=dt_timezone.utc))
    subscriber.devices["STRAY"] = Device("mag", {"TV-STB": (start, datetime(2031, 1, 1, tzinfo=dt_timezone.utc))})


def test_dry_run_reports_without_changing(irdeto, synced):
    tamper(irdeto, synced.customer)
    before, writes = irdeto.fake.state(irdeto.cas_id(synced.customer)), irdeto.writes()
    out, err = run("--dry-run")
    assert "customers checked: 1, changes needed: 4, errors: 0" in out
    assert "[dry run] Irdeto" in out and "unpair STRAY" in out and "remove PREMIUM on SC-0001" in out
    assert "add SPORT on SC-0001" in out and "redate TV-STB on SC-0001" in out
    assert irdeto.fake.state(irdeto.cas_id(synced.customer)) == before and irdeto.writes() == writes


def test_resync_repairs_what_changed_behind_our_back(irdeto, synced):
    tamper(irdeto, synced.customer)
    out, _ = run()
    assert "customers checked: 1, changes made: 4, errors: 0" in out
    state = irdeto.fake.state(irdeto.cas_id(synced.customer))
    assert set(state) == {"SC-0001"} and set(state["SC-0001"]["entitlements"]) == {"TV-STB", "SPORT"}
    assert state["SC-0001"]["entitlements"]["TV-STB"][1].year == 2099
    out, _ = run()
    assert "changes made: 0" in out


def test_resync_rebuilds_a_cas_that_lost_its_data(irdeto, synced):
    irdeto.fake.restart(keep_state=False)
    out, _ = run("--client", str(irdeto.client.pk))
    assert "changes made: 4" in out  # create, pair, two entitlements
    assert irdeto.fake.entitlements(irdeto.cas_id(synced.customer)) == {("SC-0001", "TV-STB"), ("SC-0001", "SPORT")}


def test_resync_applies_a_changed_product_map(irdeto, synced):
    CasProduct.objects.filter(product_id="SPORT").update(product_id="SPORT-HD")
    run()
    assert irdeto.fake.entitlements(irdeto.cas_id(synced.customer)) == {("SC-0001", "TV-STB"),
                                                                        ("SC-0001", "SPORT-HD")}


def test_one_customer_is_checked_even_with_nothing_to_manage(irdeto, home):
    out, _ = run("--customer", str(home.customer.pk))  # never synced; the box has no tariff yet
    assert "customers checked: 1, changes made: 2" in out  # create subscriber, pair the box
    assert irdeto.fake.state(irdeto.cas_id(home.customer)) == {"SC-0001": {"type": "mag", "entitlements": {}}}


def test_errors_give_a_non_zero_exit_and_are_recorded(irdeto, synced):
    irdeto.fake.go_down()
    with pytest.raises(CommandError, match="1 customer"):
        run()
    assert "connection failed" in CasSubscriber.objects.get(customer=synced.customer).last_error


def test_unknown_customer_or_no_integration_is_an_error(irdeto, home):
    with pytest.raises(CommandError):
        run("--customer", "999999")
    with pytest.raises(CommandError, match="No enabled integration"):
        run("--client", str(irdeto.client.pk + 1000))
    irdeto.system.enabled = False
    irdeto.system.save()
    with pytest.raises(CommandError, match="No enabled integration"):
        run()


def test_a_stale_subscriber_of_a_gone_customer_is_cleaned(irdeto, synced):
    cas_id = irdeto.cas_id(synced.customer)
    irdeto.fake.go_down()
    from tvmiddleware.models import EventDelivery

    services.customer_delete(customer=synced.customer)  # its events fail (never delivered here)
    EventDelivery.objects.all().delete()
    irdeto.fake.come_back()
    out, _ = run()
    assert "customers checked: 1" in out and "unpair SC-0001" in out
    assert irdeto.fake.state(cas_id) == {}
    out, _ = run()
    assert "customers checked: 0" in out  # nothing left to manage


def test_the_daily_task_resyncs_every_integration(irdeto, synced):
    tamper(irdeto, synced.customer)
    assert resync_all() == {"customers": 1, "changes": 4, "errors": 0}


def test_many_customers_stop_after_the_cas_is_unreachable_several_times(irdeto, synced):
    for n in range(5):
        customer = services.customer_create(client=irdeto.client, firstname=f"C{n}")
        account, _ = services.account_create(client=irdeto.client, customer=customer, abonement=f"31000{n}",
                                             password="1111")
        services.device_bind(account=account, device_type=irdeto.mag, device_uid=f"box-{n}")
    irdeto.fake.go_down()
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("irdeto_resync", stdout=out, stderr=err)
    assert "customers checked: 3" in out.getvalue()
    assert "the CAS is unreachable; the remaining customers were not checked" in err.getvalue()
