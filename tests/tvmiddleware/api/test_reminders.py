"""Programme reminders: notification/create, notification/delete, notification/list."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories
from tvmiddleware.models import EpgProgram, ProgrammeReminder


@pytest.fixture
def guide(subscriber):
    client = subscriber.client
    epg = factories.EpgChannelFactory(client=client)
    news = factories.ChannelFactory(client=client, name="News", epg_channel=epg, max_archive_duration=24)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    programmes = [EpgProgram.objects.create(client=client, epg_channel=epg, name=f"Show {h}", description=f"About {h}",
                                            begin_time=now + timedelta(hours=h), end_time=now + timedelta(hours=h + 1))
                  for h in range(1, 6)]
    return news, programmes


def test_create_list_and_delete(logged_in, subscriber, guide):
    news, shows = guide
    assert logged_in.json("notification/create/", cid=news.pk, pid=shows[2].pk, timeshift_offset=600) == {
        "error": 0, "error_message": ""}
    assert logged_in.json("notification/create/", cid=news.pk, pid=shows[0].pk)["error"] == 0
    items = logged_in.json("notification/list/")["notifications"]
    assert [i["program_id"] for i in items] == [shows[0].pk, shows[2].pk]  # by programme start
    first = items[1]
    assert first["id"] == news.pk and first["name"] == "News" and first["timeshift_offset"] == 600
    assert first["program_name"] == "Show 3" and first["program_description"] == "About 3"
    assert first["program_begin_time"] == int(shows[2].begin_time.timestamp())
    assert first["has_record"] == 1 and first["max_archive_duration"] == 24
    # asking again changes the offset, not the number
    assert logged_in.json("notification/create/", cid=news.pk, pid=shows[2].pk, timeshift_offset=0)["error"] == 0
    assert ProgrammeReminder.objects.filter(account=subscriber.account).count() == 2
    assert logged_in.json("notification/delete/", pid=shows[0].pk)["error"] == 0
    assert [i["program_id"] for i in logged_in.json("notification/list/")["notifications"]] == [shows[2].pk]
    assert logged_in.json("notification/delete/", pid=shows[0].pk)["error"] == 0  # already gone: fine
    assert logged_in.json("notification/delete/", pid="all")["error"] == 0
    assert logged_in.json("notification/list/")["notifications"] == []


def test_unknown_channel_or_programme_elsewhere_is_404(logged_in, subscriber, guide):
    news, shows = guide
    other = factories.ChannelFactory(client=subscriber.client, name="Other",
                                     epg_channel=factories.EpgChannelFactory(client=subscriber.client))
    foreign = factories.ChannelFactory(client=factories.ClientFactory())
    cases = [dict(cid=other.pk, pid=shows[0].pk), dict(cid=foreign.pk, pid=shows[0].pk),
             dict(cid=news.pk, pid=10**12), dict(cid=10**12, pid=shows[0].pk)]
    for case in cases:
        assert logged_in.json("notification/create/", **case)["error"] == 404, case
    assert not ProgrammeReminder.objects.exists()


@pytest.mark.parametrize("pid", ["", "abc", "-1", "0", "1.5", "9" * 40])
def test_delete_needs_a_pid_or_all(logged_in, guide, pid):
    assert logged_in.json("notification/delete/", pid=pid)["error"] == 1


def test_the_operators_limit_keeps_the_latest_programmes(logged_in, subscriber, guide):
    news, shows = guide
    subscriber.client.max_reminders = 3
    subscriber.client.save(update_fields=["max_reminders"])
    for show in reversed(shows):
        assert logged_in.json("notification/create/", cid=news.pk, pid=show.pk)["error"] == 0
    kept = [i["program_id"] for i in logged_in.json("notification/list/")["notifications"]]
    assert kept == [s.pk for s in shows[2:]]  # the earliest programmes made room


def test_hidden_channels_leave_the_list_and_queries_stay_constant(logged_in, subscriber, guide):
    news, shows = guide
    for show in shows[:2]:
        logged_in.json("notification/create/", cid=news.pk, pid=show.pk)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert logged_in.json("notification/list/")["error"] == 0
        return len(queries)

    logged_in.json("notification/list/")
    before = count()
    for show in shows[2:]:
        logged_in.json("notification/create/", cid=news.pk, pid=show.pk)
    assert count() == before
    news.is_hidden = True
    news.save()
    assert logged_in.json("notification/list/")["notifications"] == []


def test_needs_a_session(api, guide):
    assert api.json("notification/list/")["error"] == 403
