"""Concurrent syncs of one customer (two workers delivering two events at once) are serialised by the
row lock on the customer's CAS record: the second reads the CAS after the first wrote it."""
import pytest

from irdeto.models import CasSubscriber
from tests.concurrency import run_parallel
from tvmiddleware import services
from tvmiddleware.models import ExternalSystem


@pytest.mark.postgres
def test_parallel_syncs_of_one_customer_do_not_interleave(irdeto, home):
    ExternalSystem.objects.filter(pk=irdeto.system.pk).update(enabled=False)  # no deliveries while setting up
    services.tariff_assign(customer=home.customer, tariff=irdeto.tv)
    services.tariff_assign(customer=home.customer, tariff=irdeto.sport)
    ExternalSystem.objects.filter(pk=irdeto.system.pk).update(enabled=True)
    with irdeto.fake.lock:  # (transactional test: the fixture's device event reached the CAS) start empty
        irdeto.fake.subscribers.clear()
        irdeto.fake.calls.clear()
    irdeto.fake.delay = 0.05  # each call takes a while, so unserialised syncs would overlap

    def sync(_):
        api = ExternalSystem.objects.get(pk=irdeto.system.pk).get_api()
        try:
            return api.sync_customer(home.customer.pk)
        finally:
            api.close()

    results, errors = run_parallel(4, sync)
    assert errors == [] and all(r.ok for r in results)
    operations = irdeto.fake.operations()
    assert operations.count("CreateSubscriber") == 1  # one sync did the work, the others found it done
    assert operations.count("AddEntitlement") == 2 and operations.count("PairDevice") == 1
    assert sum(len(r.changes) for r in results) == 4
    assert irdeto.fake.entitlements(irdeto.cas_id(home.customer)) == {("SC-0001", "TV-STB"), ("SC-0001", "SPORT")}
    assert CasSubscriber.objects.filter(customer=home.customer).count() == 1
