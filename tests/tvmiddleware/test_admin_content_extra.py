"""What the Content, Streaming and Billing APIs added, in the operator panel: radio stations, maintenance
windows, archive blocks of programmes, fragments to skip (inline of the video file page), promo codes
and their activations (read only). Isolation from other operators is in test_admin_isolation."""
import datetime
import json
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing import promo as promo_service
from billing.models import PromoActivation, PromoCode
from billing.promo import CODE_ALPHABET, DEFAULT_CODE_LENGTH, promo_activate, promo_create
from tests import factories
from tests.admin_factories import admin_url, build_row, change_url, changeform_data, inline_rows
from tvmiddleware.models import (
    EpgProgram, MaintenanceWindow, ProgramBlocking, RadioStation, SkipFragmentType, SkipVideoFragment, Video,
    VideoFile,
)
from tvmiddleware.services import catalogue
from tvmiddleware.services.catalogue import program_blocking_create, radio_create
from tvmiddleware.streaming.maintenance import channel_maintenance, maintenance_create

pytest_plugins = ["tests.admin_factories"]  # staff_client, superuser_client, ... fixtures

HOUR = datetime.timedelta(hours=1)


def shown(response):
    return list(response.context["cl"].result_list)


def queries_of(http, url, **params):
    with CaptureQueriesContext(connection) as captured:
        assert http.get(url, params).status_code == 200
    return len(captured.captured_queries)


def form_of(response):
    return response.context["adminform"].form


def moment(name, value):
    """POST fields of an admin date-and-time input."""
    local = timezone.localtime(value)
    return {f"{name}_0": local.date().isoformat(), f"{name}_1": local.time().strftime("%H:%M:%S")}


def spy(monkeypatch, module, name):
    """Record the calls of a service while letting it run."""
    calls, real = [], getattr(module, name)

    def wrapper(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def delete_through_action(http, model, pks):
    changelist = admin_url(model, "changelist")
    assert http.post(changelist, {"action": "delete_selected", ACTION_CHECKBOX_NAME: pks}).status_code == 200
    response = http.post(changelist, {"action": "delete_selected", ACTION_CHECKBOX_NAME: pks, "post": "yes"})
    assert response.status_code == 302


# --- radio stations ------------------------------------------------------------------------------

def test_staff_add_a_radio_station_through_radio_create(monkeypatch, staff_client, client_obj, other_client):
    calls = spy(monkeypatch, catalogue, "radio_create")
    radio_create(client=client_obj, name="Old one")  # sort 1
    tariff = factories.TariffFactory(client=client_obj)
    factories.TariffFactory(client=other_client)

    page = staff_client.get(admin_url(RadioStation, "add"))
    form = form_of(page)
    assert "client" not in form.fields and "sort" not in form.fields
    assert list(form.fields["tariffs"].queryset) == [tariff]

    data = changeform_data(page, name="Jazz FM", enabled="on", uri="http://radio.example/jazz",
                           tariffs=[tariff.pk], data=json.dumps({"name_lang1": "Джаз"}))
    response = staff_client.post(admin_url(RadioStation, "add"), data)
    assert response.status_code == 302, form_of(response).errors
    station = RadioStation.objects.get(name="Jazz FM")
    assert (station.client, station.enabled, station.sort) == (client_obj, True, 2)  # last in the list
    assert station.data == {"name_lang1": "Джаз"}
    assert list(station.tariffs.all()) == [tariff]
    assert [call["name"] for call in calls] == ["Jazz FM"]


def test_a_radio_station_cannot_be_opened_by_another_operators_tariff(staff_client, superuser_client, client_obj,
                                                                      other_client):
    foreign = factories.TariffFactory(client=other_client)
    page = staff_client.get(admin_url(RadioStation, "add"))
    response = staff_client.post(admin_url(RadioStation, "add"), changeform_data(page, name="Sneaky",
                                                                                 tariffs=[foreign.pk]))
    assert response.status_code == 200 and "tariffs" in form_of(response).errors

    page = superuser_client.get(admin_url(RadioStation, "add"))
    response = superuser_client.post(admin_url(RadioStation, "add"), changeform_data(
        page, client=client_obj.pk, name="Mixed", tariffs=[foreign.pk]))
    assert form_of(response).errors["tariffs"] == ["This belongs to another operator."]
    assert not RadioStation.objects.filter(name__in=["Sneaky", "Mixed"]).exists()


def test_radio_station_is_edited_and_reordered_then_deleted_through_radio_delete(monkeypatch, staff_client,
                                                                                 client_obj):
    station = build_row(RadioStation, client_obj)
    page = staff_client.get(change_url(station))
    assert "sort" in form_of(page).fields
    response = staff_client.post(change_url(station), changeform_data(page, name="Renamed", sort=10, data=""))
    assert response.status_code == 302, form_of(response).errors
    station.refresh_from_db()
    assert (station.name, station.sort, station.data, station.tariffs.count()) == ("Renamed", 10, {}, 1)

    calls = spy(monkeypatch, catalogue, "radio_delete")
    delete_through_action(staff_client, RadioStation, [station.pk])
    assert [call["station"].name for call in calls] == ["Renamed"]
    assert not RadioStation.objects.filter(pk=station.pk).exists()


def test_radio_list_counts_tariffs_without_a_query_per_row(staff_client, client_obj):
    build_row(RadioStation, client_obj)
    changelist = admin_url(RadioStation, "changelist")
    assert [s.tariffs_total for s in shown(staff_client.get(changelist))] == [1]
    one = queries_of(staff_client, changelist)
    for _ in range(3):
        build_row(RadioStation, client_obj)
    assert queries_of(staff_client, changelist) == one


# --- maintenance windows -------------------------------------------------------------------------

def test_staff_announce_maintenance_of_their_channels(staff_client, client_obj, other_client):
    news, sport = (factories.ChannelFactory(client=client_obj, name=name) for name in ("News", "Sport"))
    foreign = factories.ChannelFactory(client=other_client)
    add = admin_url(MaintenanceWindow, "add")
    page = staff_client.get(add)
    form = form_of(page)
    assert "client" not in form.fields
    assert set(form.fields["channels"].queryset) == {news, sport}
    assert "channels" in admin.site._registry[MaintenanceWindow].filter_horizontal

    now = timezone.now().replace(microsecond=0)
    data = changeform_data(page, channels=[news.pk], comment="Encoder swap", **moment("starts_at", now - HOUR),
                           **moment("ends_at", now + HOUR))
    response = staff_client.post(add, data)
    assert response.status_code == 302, form_of(response).errors
    window = MaintenanceWindow.objects.get(comment="Encoder swap")
    assert window.client == client_obj and list(window.channels.all()) == [news]
    assert channel_maintenance(channel=news).until == now + HOUR  # apps get no URLs of it now
    assert channel_maintenance(channel=sport) is None

    response = staff_client.post(add, {**data, "channels": [foreign.pk], "comment": "Sneaky"})
    assert response.status_code == 200 and "channels" in form_of(response).errors
    assert not MaintenanceWindow.objects.filter(comment="Sneaky").exists()


def test_maintenance_ends_after_it_begins_or_is_open_ended(staff_client, client_obj):
    channel = factories.ChannelFactory(client=client_obj)
    add = admin_url(MaintenanceWindow, "add")
    page = staff_client.get(add)
    now = timezone.now().replace(microsecond=0)

    data = changeform_data(page, channels=[channel.pk], **moment("starts_at", now), **moment("ends_at", now - HOUR))
    response = staff_client.post(add, data)
    assert form_of(response).errors == {"ends_at": ["Maintenance ends after it begins."]}

    data = changeform_data(page, channels=[channel.pk], comment="Until further notice", **moment("starts_at", now))
    assert staff_client.post(add, data).status_code == 302
    window = MaintenanceWindow.objects.get(comment="Until further notice")
    assert window.ends_at is None
    assert channel_maintenance(channel=channel).until is None

    # ... and can be ended later from its page
    page = staff_client.get(change_url(window))
    response = staff_client.post(change_url(window), changeform_data(page, **moment("ends_at", now + HOUR)))
    assert response.status_code == 302, form_of(response).errors
    window.refresh_from_db()
    assert window.ends_at == now + HOUR


def test_superuser_cannot_put_another_operators_channel_in_a_window(superuser_client, client_obj, other_client):
    foreign = factories.ChannelFactory(client=other_client)
    page = superuser_client.get(admin_url(MaintenanceWindow, "add"))
    data = changeform_data(page, client=client_obj.pk, channels=[foreign.pk], comment="Mixed",
                           **moment("starts_at", timezone.now()))
    response = superuser_client.post(admin_url(MaintenanceWindow, "add"), data)
    assert form_of(response).errors["channels"] == ["This belongs to another operator."]


def test_maintenance_list_shows_which_windows_are_on_now(staff_client, client_obj):
    channels = [factories.ChannelFactory(client=client_obj, name=f"Channel {n}", url_prefix=f"c{n}")
                for n in range(7)]
    prefixes = [c.url_prefix for c in channels]
    now = timezone.now()
    on = maintenance_create(client=client_obj, prefixes=prefixes, starts_at=now - HOUR, ends_at=now + HOUR)
    open_ended = maintenance_create(client=client_obj, prefixes=prefixes[:1], starts_at=now - HOUR)
    upcoming = maintenance_create(client=client_obj, prefixes=prefixes[:1], starts_at=now + HOUR)
    over = maintenance_create(client=client_obj, prefixes=prefixes[:1], starts_at=now - 2 * HOUR,
                              ends_at=now - HOUR)
    changelist = admin_url(MaintenanceWindow, "changelist")
    model_admin = admin.site._registry[MaintenanceWindow]

    response = staff_client.get(changelist)
    assert {w.pk: model_admin.on_now(w) for w in shown(response)} == {
        on.pk: True, open_ended.pk: True, upcoming.pk: False, over.pk: False}
    assert model_admin.channel_names(next(w for w in shown(response) if w.pk == on.pk)) == (
        "Channel 0, Channel 1, Channel 2, Channel 3, Channel 4 … (+2)")
    assert set(shown(staff_client.get(changelist, {"state": "on"}))) == {on, open_ended}
    assert shown(staff_client.get(changelist, {"state": "upcoming"})) == [upcoming]
    assert shown(staff_client.get(changelist, {"state": "over"})) == [over]
    assert shown(staff_client.get(changelist, {"q": "Channel 6"})) == [on]


def test_maintenance_list_runs_no_query_per_row(staff_client, client_obj):
    build_row(MaintenanceWindow, client_obj)
    changelist = admin_url(MaintenanceWindow, "changelist")
    one = queries_of(staff_client, changelist)
    for _ in range(3):
        build_row(MaintenanceWindow, client_obj)
    assert queries_of(staff_client, changelist) == one


# --- archive blocks of programmes ----------------------------------------------------------------

def programme(client, **fields):
    return factories.EpgProgramFactory(epg_channel=factories.EpgChannelFactory(client=client), **fields)


def test_staff_block_a_programme_through_program_blocking_create(monkeypatch, staff_client, client_obj,
                                                                 other_client):
    calls = spy(monkeypatch, catalogue, "program_blocking_create")
    own, foreign = programme(client_obj, name="Match of the day"), programme(other_client, name="Match of the day")
    add = admin_url(ProgramBlocking, "add")
    page = staff_client.get(add)
    assert set(form_of(page).fields) == {"program", "days"}

    response = staff_client.get(reverse("admin:autocomplete"), {
        "app_label": "tvmiddleware", "model_name": "programblocking", "field_name": "program", "term": "Match",
    })
    assert [item["id"] for item in response.json()["results"]] == [str(own.pk)]

    before = timezone.now()
    response = staff_client.post(add, changeform_data(page, program=own.pk, days=3))
    assert response.status_code == 302, form_of(response).errors
    blocking = ProgramBlocking.objects.get(program=own)
    assert blocking.client == client_obj
    assert before + datetime.timedelta(days=3) <= blocking.expires_at <= timezone.now() + datetime.timedelta(days=3)
    own.refresh_from_db()
    assert own.is_blocked
    assert calls == [{"program": own, "days": 3}]

    assert staff_client.post(add, changeform_data(page, program=own.pk)).status_code == 302  # for good
    assert ProgramBlocking.objects.filter(program=own, expires_at__isnull=True).exists()

    response = staff_client.post(add, changeform_data(page, program=foreign.pk, days=1))
    assert response.status_code == 200 and "program" in form_of(response).errors
    foreign.refresh_from_db()
    assert not foreign.is_blocked and not ProgramBlocking.objects.filter(program=foreign).exists()


def test_a_block_keeps_its_programme_and_changes_its_end(staff_client, client_obj):
    blocking = build_row(ProgramBlocking, client_obj)
    page = staff_client.get(change_url(blocking))
    assert set(form_of(page).fields) == {"expires_at"}
    assert "program" in page.context["adminform"].readonly_fields

    later = timezone.now().replace(microsecond=0) + datetime.timedelta(days=30)
    other = programme(client_obj)
    response = staff_client.post(change_url(blocking), changeform_data(page, program=other.pk,
                                                                       **moment("expires_at", later)))
    assert response.status_code == 302, form_of(response).errors
    blocking.refresh_from_db()
    assert (blocking.expires_at, blocking.program_id) == (later, blocking.program.pk)
    assert blocking.program_id != other.pk


def test_deleting_a_block_opens_the_archive_unless_another_block_holds(staff_client, client_obj):
    single, double, expired_too = programme(client_obj), programme(client_obj), programme(client_obj)
    lone = program_blocking_create(program=single, days=1)
    first = program_blocking_create(program=double, days=1)
    program_blocking_create(program=double)  # for good: still holds
    mine = program_blocking_create(program=expired_too, days=1)
    ProgramBlocking.objects.filter(pk=program_blocking_create(program=expired_too, days=1).pk).update(
        expires_at=timezone.now() - HOUR)  # passed: the expiry job would lift it anyway

    response = staff_client.post(admin_url(ProgramBlocking, "delete", lone.pk), {"post": "yes"})
    assert response.status_code == 302
    delete_through_action(staff_client, ProgramBlocking, [first.pk, mine.pk])

    assert {p.pk: p.is_blocked for p in EpgProgram.objects.filter(pk__in=[single.pk, double.pk, expired_too.pk])} \
        == {single.pk: False, double.pk: True, expired_too.pk: False}
    assert ProgramBlocking.objects.filter(program=double).count() == 1


def test_block_list_shows_programme_channel_and_state_without_a_query_per_row(staff_client, client_obj):
    blocking = build_row(ProgramBlocking, client_obj)
    ended = build_row(ProgramBlocking, client_obj)
    ProgramBlocking.objects.filter(pk=ended.pk).update(expires_at=timezone.now() - HOUR)
    changelist = admin_url(ProgramBlocking, "changelist")
    model_admin = admin.site._registry[ProgramBlocking]

    rows = {b.pk: b for b in shown(staff_client.get(changelist))}
    assert model_admin.holds(rows[blocking.pk]) and not model_admin.holds(rows[ended.pk])
    assert model_admin.archive_blocked(rows[blocking.pk])
    assert model_admin.channel(rows[blocking.pk]) == blocking.program.epg_channel.name
    assert shown(staff_client.get(changelist, {"q": blocking.program.name})) == [blocking]

    one = queries_of(staff_client, changelist)
    for _ in range(3):
        build_row(ProgramBlocking, client_obj)
    assert queries_of(staff_client, changelist) == one


# --- fragments to skip (video file page) ---------------------------------------------------------

def video_file(client):
    video = factories.VideoFactory(client=client)
    return VideoFile.objects.create(client=client, video=video, path="/vod/movie.mp4")


def test_fragments_to_skip_are_edited_on_the_video_file_page(staff_client, client_obj):
    file = video_file(client_obj)
    page = staff_client.get(change_url(file))
    assert "skip_fragments" in {inline.formset.prefix for inline in page.context["inline_admin_formsets"]}

    data = changeform_data(page)
    data.update(inline_rows("skip_fragments", [
        {"type": SkipFragmentType.INTRO, "begin_time": "0", "end_time": "42.5"},
        {"type": SkipFragmentType.CREDITS, "begin_time": "5400", "end_time": "5580.125"},
    ]))
    response = staff_client.post(change_url(file), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    fragments = list(SkipVideoFragment.objects.filter(video_file=file))
    assert [(f.client, f.type, f.begin_time, f.end_time) for f in fragments] == [
        (client_obj, SkipFragmentType.INTRO, Decimal("0"), Decimal("42.5")),
        (client_obj, SkipFragmentType.CREDITS, Decimal("5400"), Decimal("5580.125")),
    ]

    # the video's page links each file to its own page
    assert change_url(file) in staff_client.get(change_url(file.video)).content.decode()


def test_a_fragment_ends_after_it_begins(staff_client, client_obj):
    file = video_file(client_obj)
    page = staff_client.get(change_url(file))
    for begin, end, field, message in [("60", "60", "end_time", "A fragment ends after it begins."),
                                       ("-1", "10", "begin_time", "A fragment starts at 0 s or later.")]:
        data = changeform_data(page)
        data.update(inline_rows("skip_fragments", [{"type": SkipFragmentType.RECAP, "begin_time": begin,
                                                    "end_time": end}]))
        response = staff_client.post(change_url(file), data)
        assert response.status_code == 200
        formset = next(i.formset for i in response.context["inline_admin_formsets"]
                       if i.formset.prefix == "skip_fragments")
        assert formset.forms[0].errors == {field: [message]}
    assert not SkipVideoFragment.objects.exists()


def test_superusers_fragments_take_the_files_operator(superuser_client, other_client):
    file = video_file(other_client)
    page = superuser_client.get(change_url(file))
    data = changeform_data(page)
    data.update(inline_rows("skip_fragments", [{"type": SkipFragmentType.ADVERTISING, "begin_time": "600",
                                                "end_time": "630"}]))
    assert superuser_client.post(change_url(file), data).status_code == 302
    assert SkipVideoFragment.objects.get().client == other_client


def test_extra_rows_of_the_content_api_are_not_in_the_panel():
    from tvmiddleware.models import (
        ActorExtra, ChannelExtra, EpisodeExtra, SeasonExtra, SelectionExtra, VideoExtra, VideoFileExtra,
    )
    extras = {ActorExtra, ChannelExtra, EpisodeExtra, SeasonExtra, SelectionExtra, VideoExtra, VideoFileExtra}
    assert not extras & set(admin.site._registry)
    assert SkipVideoFragment not in admin.site._registry  # edited inline only
    assert Video in admin.site._registry


# --- promo codes ---------------------------------------------------------------------------------

def test_staff_issue_a_promo_code_through_promo_create(monkeypatch, staff_client, client_obj, other_client):
    calls = spy(monkeypatch, promo_service, "promo_create")
    tariff, premium = factories.TariffFactory(client=client_obj), factories.TariffFactory(client=client_obj)
    factories.TariffFactory(client=other_client)
    account = factories.AccountFactory(customer__client=client_obj)
    add = admin_url(PromoCode, "add")
    page = staff_client.get(add)
    form = form_of(page)
    assert "client" not in form.fields
    assert [name for name, _ in page.context["adminform"].fieldsets] == [None, "Gifts", "Terms"]  # no use yet
    assert set(form.fields["free_tariffs"].queryset) == set(form.fields["discount_tariffs"].queryset) == {
        tariff, premium}

    data = changeform_data(page, code=" summer-24 ", amount="150.00", free_tariffs=[tariff.pk], discount=20,
                           discount_tariffs=[premium.pk], activation_limit=100, valid_from="2024-06-01",
                           valid_until="2024-08-31", account=account.pk)
    response = staff_client.post(add, data)
    assert response.status_code == 302, form_of(response).errors
    code = PromoCode.objects.get(code="SUMMER-24")
    assert (code.client, code.amount, code.discount, code.activation_limit, code.account) == (
        client_obj, Decimal("150.00"), 20, 100, account)
    assert (code.valid_from, code.valid_until) == (datetime.date(2024, 6, 1), datetime.date(2024, 8, 31))
    assert list(code.free_tariffs.all()) == [tariff] and list(code.discount_tariffs.all()) == [premium]
    assert len(calls) == 1 and calls[0]["client"] == client_obj and calls[0]["code"] == "SUMMER-24"

    response = staff_client.post(add, changeform_data(page, amount="5.00", activation_limit=1))
    assert response.status_code == 302
    drawn = PromoCode.objects.exclude(pk=code.pk).get()
    assert len(drawn.code) == DEFAULT_CODE_LENGTH and set(drawn.code) <= set(CODE_ALPHABET)


@pytest.mark.parametrize("fields, errors", [
    ({}, {"__all__": ["A promo code needs an amount, a discount or free tariffs."]}),
    ({"amount": "-5"}, {"amount": ["The amount must be positive."]}),
    ({"discount": 150}, {"discount": ["The discount is a percentage from 1 to 100."]}),
    ({"amount": "5", "discount_tariffs": "TARIFF"},
     {"discount_tariffs": ["These are the tariffs a discount applies to: give the discount."]}),
    ({"amount": "5", "activation_limit": 0}, {"activation_limit": ["At least 1."]}),
    ({"amount": "5", "valid_from": "2024-06-02", "valid_until": "2024-06-01"},
     {"valid_until": ["The code stops being valid before it starts."]}),
    ({"amount": "5", "code": "no spaces!"}, {"code": ["A code holds letters A-Z, digits, '-' and '_'."]}),
    ({"amount": "5", "code": "taken"}, {"__all__": ["A promo code with this code already exists."]}),
])
def test_promo_code_rules_are_form_errors(staff_client, client_obj, other_client, fields, errors):
    promo_create(client=client_obj, code="TAKEN", amount="1.00")
    promo_create(client=other_client, code="FREE", amount="1.00")  # another operator's code is no clash
    tariff = factories.TariffFactory(client=client_obj)
    if fields.get("discount_tariffs") == "TARIFF":
        fields = {**fields, "discount_tariffs": [tariff.pk]}
    page = staff_client.get(admin_url(PromoCode, "add"))
    response = staff_client.post(admin_url(PromoCode, "add"), changeform_data(page, **{"activation_limit": 1,
                                                                                       **fields}))
    assert response.status_code == 200
    assert form_of(response).errors == errors
    assert PromoCode.objects.for_client(client_obj).count() == 1

    response = staff_client.post(admin_url(PromoCode, "add"), changeform_data(page, code="free", amount="1"))
    assert response.status_code == 302


def test_a_promo_code_cannot_give_another_operators_tariff(staff_client, other_client):
    foreign = factories.TariffFactory(client=other_client)
    page = staff_client.get(admin_url(PromoCode, "add"))
    response = staff_client.post(admin_url(PromoCode, "add"), changeform_data(
        page, code="GIFT", free_tariffs=[foreign.pk], activation_limit=1))
    assert response.status_code == 200 and "free_tariffs" in form_of(response).errors
    assert not PromoCode.objects.filter(code="GIFT").exists()


def test_editing_a_code_keeps_the_activations_redeemed_meanwhile(staff_client, client_obj):
    code = build_row(PromoCode, client_obj)  # limit 5
    promo_activate(promo=code, customer=factories.CustomerFactory(client=client_obj))
    page = staff_client.get(change_url(code))
    assert "activations_count" in page.context["adminform"].readonly_fields
    promo_activate(promo=code, customer=factories.CustomerFactory(client=client_obj))  # while the page is open

    response = staff_client.post(change_url(code), changeform_data(page, activation_limit=3, amount="20.00"))
    assert response.status_code == 302, form_of(response).errors
    code.refresh_from_db()
    assert (code.activations_count, code.activation_limit, code.amount) == (2, 3, Decimal("20.00"))

    page = staff_client.get(change_url(code))
    response = staff_client.post(change_url(code), changeform_data(page, activation_limit=1))
    assert form_of(response).errors == {
        "activation_limit": ["2 customer(s) have already activated the code."]}


def test_promo_list_counts_activations_without_a_query_per_row(staff_client, client_obj):
    used = build_row(PromoCode, client_obj)
    for _ in range(2):
        promo_activate(promo=used, customer=factories.CustomerFactory(client=client_obj))
    fresh = build_row(PromoCode, client_obj)
    changelist = admin_url(PromoCode, "changelist")
    model_admin = admin.site._registry[PromoCode]

    response = staff_client.get(changelist)
    assert {c.pk: model_admin.used(c) for c in shown(response)} == {used.pk: "2 / 5", fresh.pk: "0 / 5"}
    assert [c.pk for c in shown(staff_client.get(changelist, {"o": "4"}))] == [fresh.pk, used.pk]  # by use
    assert shown(staff_client.get(changelist, {"q": used.code.lower()})) == [used]

    one = queries_of(staff_client, changelist)
    for _ in range(3):
        code = build_row(PromoCode, client_obj)
        promo_activate(promo=code, customer=factories.CustomerFactory(client=client_obj))
    assert queries_of(staff_client, changelist) == one


def test_an_unused_code_may_be_deleted_a_used_one_is_history(staff_client, superuser_client, client_obj):
    unused, used = build_row(PromoCode, client_obj), build_row(PromoCode, client_obj)
    promo_activate(promo=used, customer=factories.CustomerFactory(client=client_obj))

    for http in (staff_client, superuser_client):
        confirm = http.get(admin_url(PromoCode, "delete", used.pk))
        assert confirm.status_code == 200 and confirm.context["perms_lacking"]
        http.post(admin_url(PromoCode, "delete", used.pk), {"post": "yes"})
        assert PromoCode.objects.filter(pk=used.pk).exists()

    assert staff_client.post(admin_url(PromoCode, "delete", unused.pk), {"post": "yes"}).status_code == 302
    assert not PromoCode.objects.filter(pk=unused.pk).exists()


# --- promo activations ---------------------------------------------------------------------------

def test_promo_activations_are_read_only(staff_client, superuser_client, client_obj):
    activation = build_row(PromoActivation, client_obj)
    model_admin = admin.site._registry[PromoActivation]
    for http in (staff_client, superuser_client):
        request = http.get(admin_url(PromoActivation, "changelist")).wsgi_request
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request, activation)
        assert not model_admin.has_delete_permission(request, activation)
        assert http.get(admin_url(PromoActivation, "add")).status_code == 403
        assert http.get(admin_url(PromoActivation, "delete", activation.pk)).status_code == 403
        assert http.post(change_url(activation), {"discount": "99"}).status_code == 403
        page = http.get(change_url(activation))
        assert page.status_code == 200 and page.context["has_change_permission"] is False
    activation.refresh_from_db()
    assert activation.discount is None


def test_activation_list_links_the_ledger_and_runs_no_query_per_row(staff_client, client_obj):
    activation = build_row(PromoActivation, client_obj)
    changelist = admin_url(PromoActivation, "changelist")
    response = staff_client.get(changelist)
    assert shown(response) == [activation]
    assert change_url(activation.transaction) in response.content.decode()
    assert shown(staff_client.get(changelist, {"q": activation.promo.code})) == [activation]

    one = queries_of(staff_client, changelist)
    for _ in range(3):
        build_row(PromoActivation, client_obj)
    assert queries_of(staff_client, changelist) == one
