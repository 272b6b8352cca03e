"""PreparedQuery: the ORM's SQL kept and re-run with new values gives what the queryset gives."""
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count, Max
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories
from tvmiddleware.models import Channel, EpgProgram
from common.prepared import PreparedQuery


@pytest.fixture
def guide(client_obj):
    epg = [factories.EpgChannelFactory(client=client_obj) for _ in range(3)]
    now = timezone.now().replace(microsecond=0)
    for index, channel in enumerate(epg):
        for hour in range(-3, 3):
            factories.EpgProgramFactory(client=client_obj, epg_channel=channel, name=f"P{index}/{hour}",
                                        begin_time=now + timedelta(hours=hour),
                                        end_time=now + timedelta(hours=hour + 1), meta={"hour": hour})
    return epg, now


def programmes(client_id, epg_channel_ids, time_from, time_to):
    return (EpgProgram.objects.for_client(client_id)
            .filter(epg_channel_id__in=epg_channel_ids, end_time__gt=time_from, begin_time__lt=time_to)
            .order_by("epg_channel_id", "begin_time", "id").values("id", "name", "begin_time", "meta"))


def test_same_rows_as_the_queryset_for_new_values(client_obj, guide):
    epg, now = guide
    query = PreparedQuery(programmes)
    for ids, start, hours in (([epg[0].pk], now - timedelta(hours=2), 2), ([epg[1].pk, epg[2].pk], now, 1),
                              ([epg[2].pk, epg[0].pk], now - timedelta(hours=5), 9), ([epg[1].pk], now, 1)):
        arguments = dict(client_id=client_obj.pk, epg_channel_ids=ids, time_from=start,
                         time_to=start + timedelta(hours=hours))
        expected = list(programmes(**arguments))
        assert expected and query(**arguments) == expected
        assert all(isinstance(row["meta"], dict) and row["begin_time"].tzinfo for row in query(**arguments))
    assert all(plan is not None for plan in query._plans.values())


def test_a_planned_query_is_one_statement_without_the_orm(client_obj, guide):
    epg, now = guide
    built = []

    def build(client_id, epg_channel_id):
        built.append(epg_channel_id)
        return (EpgProgram.objects.for_client(client_id).filter(epg_channel_id=epg_channel_id)
                .order_by().values("epg_channel_id").annotate(n=Count("id"), last=Max("end_time"))
                .values_list("n", "last"))

    query = PreparedQuery(build)
    query(client_id=client_obj.pk, epg_channel_id=epg[0].pk)  # plans, checks against the ORM
    built.clear()
    with CaptureQueriesContext(connection) as queries:
        assert query(client_id=client_obj.pk, epg_channel_id=epg[1].pk) == [(6, now + timedelta(hours=3))]
        assert query(client_id=client_obj.pk, epg_channel_id=987654321) == []
    assert len(queries) == 2 and built == []


def test_flat_values_and_tenant_scope(client_obj, other_client):
    mine = factories.ChannelFactory(client=client_obj, name="Mine")
    theirs = factories.ChannelFactory(client=other_client, name="Theirs")
    query = PreparedQuery(lambda client_id, name: Channel.objects.for_client(client_id).filter(name=name)
                          .values_list("id", flat=True))
    assert query(client_id=client_obj.pk, name="Mine") == [mine.pk]
    assert query(client_id=client_obj.pk, name="Theirs") == []
    assert query(client_id=other_client.pk, name="Theirs") == [theirs.pk]


def test_what_it_cannot_prepare_stays_on_the_orm(client_obj):
    channel = factories.ChannelFactory(client=client_obj, enabled=False)
    by_flag = PreparedQuery(lambda enabled: Channel.objects.filter(enabled=enabled).values_list("id", flat=True))
    assert by_flag(enabled=False) == [channel.pk] and by_flag._plans == {}  # bool: never substituted
    contains = PreparedQuery(lambda text: Channel.objects.filter(name__icontains=text).values_list("id", flat=True))
    assert contains(text=channel.name[2:5]) == [channel.pk]  # the value is wrapped in %...%: no plan
    assert list(contains._plans.values()) == [None]
    assert contains(text=channel.name[1:4]) == [channel.pk]
    empty = PreparedQuery(lambda ids: Channel.objects.filter(pk__in=ids).values_list("id", flat=True))
    assert empty(ids=[]) == [] and empty(ids=[channel.pk]) == [channel.pk]
