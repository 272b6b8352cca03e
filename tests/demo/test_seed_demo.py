"""`manage.py seed_demo`: the demo operators it builds, and that running it again changes nothing."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from billing.models import CustomerTransaction, TransactionSource
from tvmiddleware.models import (
    Account, AccountDevice, AccountStatus, Channel, ChannelCategory, Client, Customer, EpgProgram, Episode, PriceCategory,
    Season, Selection, StreamService, Tariff, TariffSubscription, Video, VideoFile,
)
from tvmiddleware.services import account_modify, account_set_status, tariff_remove

pytestmark = pytest.mark.django_db

# Models the demo fills (others, such as integrations or device sessions, stay empty).
SEEDED = {
    "billing.CustomerTransaction", "tvmiddleware.Account", "tvmiddleware.AccountDevice", "tvmiddleware.Actor",
    "tvmiddleware.Channel", "tvmiddleware.ChannelCategory", "tvmiddleware.Client", "tvmiddleware.Customer",
    "tvmiddleware.DomainEvent", "tvmiddleware.EpgChannel", "tvmiddleware.EpgProgram", "tvmiddleware.EpgSource",
    "tvmiddleware.Episode", "tvmiddleware.Genre", "tvmiddleware.OperatorProfile", "tvmiddleware.Season",
    "tvmiddleware.Selection", "tvmiddleware.SelectionItem", "tvmiddleware.StreamService", "tvmiddleware.Tariff",
    "tvmiddleware.TariffSubscription", "tvmiddleware.Video", "tvmiddleware.VideoFile",
}


def model_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for app in ("tvmiddleware", "billing")
        for model in apps.get_app_config(app).get_models()
    }


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo seeded twice, with the row counts after each run and the first run's output.

    Seeding is the slow part, so it runs once for the module inside a transaction that is rolled
    back at the end; each test runs in its own savepoint within it (pytest-django's `db`), so a
    test that changes the demo does not leak into the next one.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        output = seed()
        first = model_counts()
        seed()
        yield SimpleNamespace(first=first, second=model_counts(), output=output)
        transaction.set_rollback(True)


def test_second_run_changes_no_counts(seeded):
    assert seeded.second == seeded.first
    assert model_counts() == seeded.second  # and no other test's changes are visible here
    assert not {label for label in SEEDED if seeded.second[label] == 0}


def test_operators_have_fixed_ids_and_keys(seeded):
    assert list(Client.objects.values_list("pk", "name", "api_key", "billing_api_key", "content_api_key",
                                           "streaming_api_key")) == [
        (1, "Demo Operator", "demo-api-key", "demo-billing-key", "demo-content-key", "demo-streaming-key"),
        (2, "Other Operator", "other-api-key", "other-billing-key", "other-content-key", "other-streaming-key"),
    ]
    # The id sequence was moved past the fixed ids (PostgreSQL): a new operator does not collide.
    assert Client.objects.create(name="New operator").pk > 2


def test_panel_users(seeded):
    users = get_user_model().objects
    admin = users.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password("admin")
    for username, client_id in (("operator", 1), ("operator2", 2)):
        user = users.get(username=username)
        assert user.is_staff and not user.is_superuser and user.check_password(username)
        assert user.operator_profile.client_id == client_id


def test_line_up(seeded):
    channels = list(Channel.objects.for_client(1).order_by("sort"))
    assert [c.url_prefix for c in channels] == [f"ch{n}" for n in range(1, 21)]
    assert [c.sort for c in channels] == list(range(1, 21))
    assert {c.url_prefix for c in channels if c.has_record} == {"ch1", "ch2", "ch3", "ch4", "ch5"}
    assert {c.max_archive_duration for c in channels[:5]} == {72}
    assert len({c.name for c in channels}) == 20 and channels[0].name == "Demo News"
    assert ChannelCategory.objects.for_client(1).count() == 3
    assert all(c.category is not None and c.epg_channel is not None for c in channels)
    assert Channel.objects.for_client(2).count() == 2


def test_guide_covers_two_days_back_and_ahead_without_gaps(seeded):
    now = timezone.now()
    for channel in Channel.objects.filter(client_id__in=[1, 2]).select_related("epg_channel"):
        programmes = list(EpgProgram.objects.for_client(channel.client_id)
                          .filter(epg_channel=channel.epg_channel).order_by("begin_time"))
        assert programmes[0].begin_time <= now - timedelta(days=2), channel
        assert programmes[-1].end_time >= now + timedelta(days=2), channel
        for previous, following in zip(programmes, programmes[1:]):
            assert previous.end_time == following.begin_time, (channel, previous, following)
        durations = {p.end_time - p.begin_time for p in programmes}
        assert min(durations) >= timedelta(minutes=30) and max(durations) <= timedelta(hours=2)
        assert all(p.name and p.description and p.category for p in programmes)


def test_stream_services(seeded):
    masks = dict(StreamService.objects.for_client(1).values_list("name", "url_mask"))
    assert masks == {
        "Live": "http://127.0.0.1:8081/$prefix/index.m3u8?token=$token",
        "Archive": "http://127.0.0.1:8081/$prefix/video-$flpbt-$flpdur.m3u8?token=$token",
        "VOD": "http://127.0.0.1:8081/vod/$file/index.m3u8?token=$token",
    }


def test_tariffs(seeded):
    tariffs = {t.name: t for t in Tariff.objects.for_client(1)}
    assert set(tariffs) == {"Base", "Sport", "VOD catalogue"}
    base, sport, vod = tariffs["Base"], tariffs["Sport"], tariffs["VOD catalogue"]

    assert (base.basic_tariff_priority, base.sessions_count, base.basic_sessions_count, base.period) == (1, 2, 2, 30)
    assert base.price == Decimal("300.00") and not base.hidden
    assert {c.url_prefix for c in base.channels.all()} == {f"ch{n}" for n in range(1, 16)}
    assert sport.basic_tariff_priority == 0 and sport.price == Decimal("150.00")
    assert {c.url_prefix for c in sport.channels.all()} == {f"ch{n}" for n in range(16, 21)}
    assert vod.hidden and vod.basic_tariff_priority == 0 and vod.price == Decimal("0.00")

    assert {s.name for s in base.stream_services.all()} == {"Live", "Archive", "VOD"}
    assert {s.name for s in sport.stream_services.all()} == {"Live", "Archive"}
    assert {s.name for s in vod.stream_services.all()} == {"VOD"}


def held_tariffs(account: Account) -> set[str]:
    return set(TariffSubscription.objects.filter(customer=account.customer, is_closed=False)
               .values_list("tariff__name", flat=True))


def test_accounts(seeded):
    accounts = {a.abonement: a for a in Account.objects.for_client(1).select_related("customer")}
    assert set(accounts) == {"100001", "100002", "100003"}
    for abonement, password in (("100001", "1111"), ("100002", "2222"), ("100003", "3333")):
        assert accounts[abonement].check_password(password)
    assert held_tariffs(accounts["100001"]) == {"Base"}
    assert held_tariffs(accounts["100002"]) == {"Base", "Sport"}
    assert accounts["100001"].active and accounts["100002"].active
    assert (accounts["100003"].active, accounts["100003"].status_reason) == (False, AccountStatus.DEBT)
    assert accounts["100001"].customer.ext_id == "demo-1"

    customer = accounts["100001"].customer
    assert customer.balance == Decimal("100.00")
    ledger = CustomerTransaction.objects.for_client(1)
    assert list(ledger.values_list("customer_id", "amount", "source", "ext_id")) == [
        (customer.pk, Decimal("100.00"), TransactionSource.MANUAL, "demo-initial-balance"),
    ]

    device = AccountDevice.objects.for_client(1).get()
    assert (device.account_id, device.device_uid, device.device_type.system_name) == (
        accounts["100001"].pk, "00:1A:79:00:00:01", "mag")


def test_other_operator_is_separate(seeded):
    account = Account.objects.for_client(2).get()
    assert account.abonement == "200001" and account.check_password("1234")
    assert held_tariffs(account) == {"Other Base"}
    assert not Account.objects.for_client(2).filter(abonement__in=["100001", "100002", "100003"]).exists()
    assert not Video.objects.for_client(2).exists()


def test_catalogue(seeded):
    videos = Video.objects.for_client(1)
    assert videos.count() == 30
    assert {v.price_category for v in videos} == set(PriceCategory.values)
    assert all(v.year and v.countries and v.description and v.duration and v.imdb_rating for v in videos)
    assert all(v.genres.exists() for v in videos)

    series = videos.get(is_series=True)
    assert list(Season.objects.filter(video=series).values_list("number", flat=True)) == [1, 2]
    for season in Season.objects.filter(video=series):
        assert season.episodes.count() == 3
    episodes = Episode.objects.filter(video=series)
    assert VideoFile.objects.filter(episode__in=episodes).count() == 6
    for video in videos.filter(is_series=False):
        assert VideoFile.objects.filter(video=video, episode=None).count() == 1, video

    for video in videos.filter(price_category=PriceCategory.PURCHASE):
        assert video.price > 0 and video.rent_price, video
    for video in videos.filter(price_category=PriceCategory.SUBSCRIPTION):
        assert {t.name for t in video.tariffs.all()} == {"Base", "VOD catalogue"}, video
    assert not videos.exclude(price_category=PriceCategory.SUBSCRIPTION).filter(tariffs__isnull=False).exists()

    shelves = {s.name: s.items.count() for s in Selection.objects.for_client(1)}
    assert shelves == {"New": 10, "Top": 10}


def test_rerun_keeps_the_operators_edits(seeded):
    """`make run` seeds on every start: nothing the operator changed in the panel may be undone."""
    first = Account.objects.for_client(1).get(abonement="100001")
    second = Account.objects.for_client(1).get(abonement="100002")
    base = Tariff.objects.for_client(1).get(name="Base")
    extra = Channel.objects.for_client(1).get(url_prefix="ch20")
    base.channels.add(extra)  # the operator adds a channel to tariff Base
    Tariff.objects.filter(pk=base.pk).update(price=Decimal("350.00"))
    Channel.objects.filter(url_prefix="ch1", client_id=1).update(name="News 24")
    account_modify(account=first, password="9999")
    account_set_status(account=first, active=False, status_reason=AccountStatus.BLOCK)
    tariff_remove(customer=second.customer, tariff=Tariff.objects.for_client(1).get(name="Sport"))
    User = get_user_model()
    admin = User.objects.get(username="admin")
    admin.set_password("a-better-one")
    admin.save()
    video = Video.objects.for_client(1).order_by("sort").first()
    video.genres.clear()
    counts = model_counts()

    seed()

    base.refresh_from_db()
    assert extra in base.channels.all() and base.price == Decimal("350.00")
    assert Channel.objects.for_client(1).get(url_prefix="ch1").name == "News 24"
    first.refresh_from_db()
    assert first.check_password("9999") and not first.active and first.status_reason == AccountStatus.BLOCK
    assert held_tariffs(second) == {"Base"}
    assert User.objects.get(username="admin").check_password("a-better-one")
    assert not video.genres.exists()
    assert model_counts() == counts  # nothing added, nothing moved (no event, no ledger row)


def test_rerun_creates_what_is_missing(seeded):
    Channel.objects.for_client(1).filter(url_prefix="ch7").delete()
    Customer.objects.for_client(2).filter(ext_id="other-1").delete()

    seed()

    assert Channel.objects.for_client(1).filter(url_prefix="ch7").exists()
    account = Account.objects.for_client(2).get(abonement="200001")
    assert held_tariffs(account) == {"Other Base"}


def test_guide_is_topped_up_without_touching_existing_programmes(seeded):
    """A later run (days later) adds only the days that have no programme; edits stay."""
    later = timezone.now() + timedelta(days=3)
    channel = Channel.objects.for_client(1).select_related("epg_channel").get(url_prefix="ch1")
    programmes = EpgProgram.objects.for_client(1).filter(epg_channel=channel.epg_channel)
    edited = programmes.order_by("begin_time").last()
    EpgProgram.objects.filter(pk=edited.pk).update(name="Operator's own title")
    before = programmes.count()

    call_command("seed_demo", stdout=StringIO())  # same day: nothing to add
    assert programmes.count() == before

    from demo import builder
    builder.seed(now=later)

    assert EpgProgram.objects.get(pk=edited.pk).name == "Operator's own title"
    assert programmes.count() > before
    assert programmes.order_by("-end_time").first().end_time >= later + timedelta(days=2)
    ordered = list(programmes.order_by("begin_time"))
    for previous, following in zip(ordered, ordered[1:]):
        assert previous.end_time <= following.begin_time  # no overlaps where old and new days meet


def test_output_lists_the_credentials(seeded):
    for text in ("admin / admin", "operator / operator", "operator2 / operator2", "100001 / 1111",
                 "100002 / 2222", "100003 / 3333", "200001 / 1234", "demo-api-key", "demo-billing-key",
                 "demo-content-key", "demo-streaming-key", "other-api-key"):
        assert text in seeded.output


def test_demo_operator_has_one_widget_of_each_built_type(seeded):
    from widgets.models import BUILT_TYPES, Widget

    demo, other = Client.objects.order_by("pk")[:2]
    widgets = Widget.objects.for_client(demo)
    assert sorted(widgets.values_list("type", flat=True)) == sorted(BUILT_TYPES)  # the second run added none
    assert all(widget.hostnames == ["localhost", "127.0.0.1"] and widget.enabled for widget in widgets)
    assert not Widget.objects.for_client(other).exists()
    assert "/widgets/demo/" in seeded.output
