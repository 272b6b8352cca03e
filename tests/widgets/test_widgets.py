"""The widgets app: the model's validation, the embed script, framing rules, both widgets, i18n, fuzzing."""
import gzip
import random
import string
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests import factories
from widgets.assets import asset, gzipped_size
from widgets.models import BUILT_TYPES, Widget, WidgetType
from widgets.services import clean_settings, parse_hostnames, widget_create

pytestmark = pytest.mark.django_db

EMBED_SCRIPT_BUDGET = 1024  # bytes gzipped; docs/widgets.md states the size


def show(client, widget, **params):
    return client.get(reverse("widgets:show", args=[widget.public_id]), params)


def embed(client, widget, **params):
    return client.get(reverse("widgets:embed", args=[widget.public_id]), params)


# --- the model -------------------------------------------------------------------------------------

def test_public_id_is_random_and_not_the_primary_key(make_widget):
    first, second = make_widget(), make_widget()
    assert first.public_id != second.public_id
    assert len(first.public_id) >= 20 and str(first.pk) != first.public_id


@pytest.mark.parametrize("text", ["", "http://site.example", "site example", "a" * 300, "*.", "site.example:0",
                                  "site.example:70000", "\n".join(f"h{i}.example" for i in range(21))])
def test_bad_hostnames_are_refused_with_a_message(text):
    with pytest.raises(ValidationError) as error:
        parse_hostnames(text)
    assert "allowed_hostnames" in error.value.message_dict


def test_hostnames_are_normalised():
    assert parse_hostnames(" Site.Example \n*.cdn.example, 127.0.0.1:8080") == [
        "site.example", "*.cdn.example", "127.0.0.1:8080"]


@pytest.mark.parametrize("raw", [[], "x", {"nope": 1}, {"show_logos": "yes"}, {"days_back": 99},
                                 {"days_back": True}, {"language": "de"}])
def test_bad_settings_are_refused(raw):
    with pytest.raises(ValidationError):
        clean_settings(WidgetType.TV_GUIDE, raw)


def test_settings_get_defaults():
    assert clean_settings(WidgetType.CHANNEL_LIST, {}) == {"show_logos": True, "show_search": True, "language": ""}


def test_only_built_types_are_created(client_obj):
    for kind in [kind for kind in WidgetType if kind not in BUILT_TYPES] + ["retired_type"]:
        with pytest.raises(ValidationError):
            widget_create(client=client_obj, name="Unbuilt", type=kind, allowed_hostnames="a.example")
    for kind in BUILT_TYPES:
        assert widget_create(client=client_obj, name=kind.label, type=kind, allowed_hostnames="a.example").pk


def test_tenant_scoping(make_widget, client_obj, other_client):
    own = make_widget()
    foreign = make_widget(client=other_client)
    assert list(Widget.objects.for_client(client_obj)) == [own]
    assert foreign not in Widget.objects.for_client(client_obj)


# --- the embed script ------------------------------------------------------------------------------

def test_embed_script_renders_an_iframe_of_the_show_page(client, make_widget):
    widget = make_widget()
    response = embed(client, widget, container_id="box", time="0.5")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert '"box"' in body and f"/widgets/api/show/{widget.public_id}" in body
    assert 'e.origin!=="http://testserver"' in body.replace("e.origin!==o", 'e.origin!=="http://testserver"') \
        and '"http://testserver"' in body  # the script checks the message's origin against ours
    assert "__" not in body  # every placeholder filled


def test_embed_script_passes_the_guide_parameters_on(client, make_widget):
    widget = make_widget(type=WidgetType.TV_GUIDE)
    body = embed(client, widget, container_id="g", tariff_id="1,2", lang="ru", other="x").content.decode()
    assert "tariff_id=1%2C2" in body and "lang=ru" in body and "other" not in body


def test_embed_script_escapes_what_it_embeds(client, make_widget):
    widget = make_widget(name="</script><b>")
    body = embed(client, widget).content.decode()
    assert "</script>" not in body and "<b>" not in body


def test_embed_script_is_small(client, make_widget):
    widget = make_widget(name="A widget with a rather long name for its iframe title")
    served = embed(client, widget, container_id="widget-content").content.decode()
    size = gzipped_size(served)
    assert size < EMBED_SCRIPT_BUDGET, size
    assert len(gzip.compress(asset("frame.js").encode())) < EMBED_SCRIPT_BUDGET


@pytest.mark.parametrize("container", ["", "1abc", "a b", "<x>", "a" * 101])
def test_embed_script_refuses_a_bad_container_id(client, make_widget, container):
    response = embed(client, make_widget(), container_id=container)
    assert response.status_code == 400
    assert b"container_id" in response.content


def test_unknown_and_disabled_widgets_answer_404(client, make_widget):
    disabled = make_widget(enabled=False)
    for url in (reverse("widgets:embed", args=["nope"]), reverse("widgets:show", args=["nope"])):
        response = client.get(url)
        assert response.status_code == 404
        assert b"no such widget" in response.content
    for view in (embed, show):
        response = view(client, disabled)
        assert response.status_code == 404
        assert b"switched off" in response.content


def test_a_widget_of_an_unbuilt_type_is_not_served(client, make_widget):
    widget = make_widget()
    Widget.objects.filter(pk=widget.pk).update(type="retired_type")  # a row of a type this release does not serve
    assert show(client, widget).status_code == 404
    assert embed(client, widget).status_code == 404


# --- framing ---------------------------------------------------------------------------------------

def test_show_page_may_be_framed_only_by_the_allowed_hosts(client, make_widget):
    widget = make_widget(hostnames="site.example\n*.shop.example\nlocalhost:8001")
    response = show(client, widget)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "frame-ancestors site.example:* *.shop.example:* localhost:8001"
    assert "X-Frame-Options" not in response


def test_widget_pages_set_no_cookie(client, make_widget, lineup):
    """They work where third-party cookies are blocked: nothing to block."""
    for widget in (make_widget(), make_widget(type=WidgetType.TV_GUIDE)):
        for response in (show(client, widget), embed(client, widget), show(client, widget, day="x")):
            assert not response.cookies, response.cookies


def test_other_pages_keep_x_frame_options(client):
    response = client.get("/admin/login/")
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("header, value, allowed", [
    ("HTTP_REFERER", "https://site.example/tv/", True),
    ("HTTP_ORIGIN", "https://site.example", True),
    ("HTTP_REFERER", "http://www.shop.example/", True),
    ("HTTP_REFERER", "http://localhost:8001/", True),
    ("HTTP_REFERER", "http://localhost:8002/", False),
    ("HTTP_REFERER", "https://shop.example/", False),
    ("HTTP_REFERER", "https://evil.example/", False),
    ("HTTP_REFERER", "https://site.example.evil.example/", False),
    ("HTTP_REFERER", "http://[::1", False),
    ("HTTP_ORIGIN", "https://evil.example", False),
])
def test_a_request_from_another_site_is_refused(client, make_widget, header, value, allowed):
    widget = make_widget(hostnames="site.example\n*.shop.example\nlocalhost:8001")
    response = client.get(reverse("widgets:show", args=[widget.public_id]), **{header: value})
    if allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert b"only be shown on the operator" in response.content
        assert b'class="tvmw-channel"' not in response.content and b"Site widget" not in response.content


def test_moving_within_the_widget_is_not_refused(client, make_widget):
    widget = make_widget(type=WidgetType.TV_GUIDE, hostnames="site.example")
    own_page = f"http://testserver/widgets/api/show/{widget.public_id}?day=x"
    response = client.get(reverse("widgets:show", args=[widget.public_id]), HTTP_REFERER=own_page)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "frame-ancestors site.example:*"  # framing still governed


# --- the channel list --------------------------------------------------------------------------------

def test_channel_list_groups_the_site_tariffs_channels(client, make_widget, lineup):
    body = show(client, make_widget()).content.decode()
    assert "Base" in body and "Первый канал" in body and "News 24" in body and "Kids" in body
    assert "Sport" not in body and "Football" not in body  # not flagged for the site
    assert "Secret" not in body  # hidden channel
    assert body.index("Первый канал") < body.index("News 24") < body.index("Kids")  # the operator's order
    assert 'class="tvmw-badge tvmw-badge--catchup"' in body
    assert '<label class="tvmw-search__label" for="tvmw-q">' in body


def test_channel_list_never_shows_another_operators_channels(client, make_widget, lineup, other_client):
    foreign = factories.TariffFactory(client=other_client, name="Foreign tariff")
    foreign.channels.set([factories.ChannelFactory(client=other_client, name="Foreign channel")])
    body = show(client, make_widget()).content.decode()
    assert "Foreign" not in body


def test_channel_list_search_on_the_server(client, make_widget, lineup):
    body = show(client, make_widget(), q="ПЕРВЫЙ").content.decode()
    assert "Первый канал" in body and "News 24" not in body
    assert '<span class="tvmw-count__value">1</span>' in body
    body = show(client, make_widget(), q="zzz").content.decode()
    assert "No channels found." in body and "Base" not in body


def test_channel_list_for_1000_channels_runs_constant_queries(client, make_widget, client_obj):
    widget = make_widget()
    tariff = factories.TariffFactory(client=client_obj, name="Big")
    tariff.channels.set([factories.ChannelFactory(client=client_obj)])
    with CaptureQueriesContext(connection) as small:
        assert show(client, widget).status_code == 200
    channels = factories.ChannelFactory.create_batch(999, client=client_obj)
    tariff.channels.add(*channels)
    factories.TariffFactory(client=client_obj, name="Second").channels.set(channels[:500])
    with CaptureQueriesContext(connection) as large:
        response = show(client, widget)
    assert response.content.decode().count('class="tvmw-channel"') == 1500
    assert len(large) == len(small) <= 4


# --- the TV guide ----------------------------------------------------------------------------------

def _programmes(lineup):
    now = timezone.now()
    first = lineup["channels"][0]
    rows = {}
    for name, start in (("Past show", -3), ("Current show", 0), ("Next show", 1)):
        begin = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=start)
        rows[name] = factories.EpgProgramFactory(epg_channel=first.epg_channel, name=name, begin_time=begin,
                                                 end_time=begin + timedelta(hours=1))
    factories.EpgProgramFactory(epg_channel=lineup["football"].epg_channel, name="Match",
                                begin_time=now - timedelta(minutes=10), end_time=now + timedelta(minutes=50))
    return rows


def test_guide_marks_now_next_and_catch_up(client, make_widget, lineup, midday):
    _programmes(lineup)
    body = show(client, make_widget(type=WidgetType.TV_GUIDE)).content.decode()
    current = body[body.index("Current show") - 400:body.index("Current show")]
    assert "tvmw-programme--on-air" in current
    assert "tvmw-programme--next" in body[body.index("Next show") - 400:body.index("Next show")]
    past = body[body.index("Past show") - 400:body.index("Past show") + 200]
    assert "tvmw-programme--catchup" in past and "tvmw-mark--catchup" in past
    assert "Match" in body  # default: every periodic tariff, Sport included
    assert 'aria-current="date"' in body


def test_guide_tariff_id_chooses_the_channels(client, make_widget, lineup, other_client):
    _programmes(lineup)
    widget = make_widget(type=WidgetType.TV_GUIDE)
    body = show(client, widget, tariff_id=str(lineup["sport"].pk)).content.decode()
    assert "Football" in body and "Первый канал" not in body
    foreign = factories.TariffFactory(client=other_client)
    foreign.channels.set([factories.ChannelFactory(client=other_client, name="Foreign channel")])
    body = show(client, widget, tariff_id=str(foreign.pk)).content.decode()
    assert "Foreign channel" not in body and "No channels in this guide." in body


def test_guide_day_switcher(client, make_widget, lineup, midday):
    widget = make_widget(type=WidgetType.TV_GUIDE, settings={"days_back": 1, "days_ahead": 2})
    tomorrow = timezone.localdate() + timedelta(days=1)
    begin = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=1)
    factories.EpgProgramFactory(epg_channel=lineup["channels"][0].epg_channel, name="Tomorrow film",
                                begin_time=begin, end_time=begin + timedelta(hours=2))
    body = show(client, widget).content.decode()
    assert body.count('class="tvmw-day"') == 4 and "Tomorrow film" not in body
    body = show(client, widget, day=tomorrow.isoformat()).content.decode()
    assert "Tomorrow film" in body
    assert f'href="?day={tomorrow.isoformat()}&amp;page=1" aria-current="date"' in body
    response = show(client, widget, day=(tomorrow + timedelta(days=5)).isoformat())
    assert response.status_code == 400 and b"one of the guide" in response.content


def test_guide_pages_its_channels(client, make_widget, client_obj, lineup):
    widget = make_widget(type=WidgetType.TV_GUIDE, settings={"channels_per_page": 5})
    channels = [factories.ChannelFactory(client=client_obj, name=f"Extra {i:02d}", sort=100 + i) for i in range(8)]
    lineup["base"].channels.add(*channels)
    first = show(client, widget).content.decode()  # 3 + 1 (Sport) + 8 channels: 3 pages of 5
    assert first.count('class="tvmw-guide-channel"') == 5 and "Page 1 of 3" in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    last = show(client, widget, page="3").content.decode()
    assert last.count('class="tvmw-guide-channel"') == 2 and "Extra 07" in last and 'rel="next"' not in last
    for bad in ("0", "4", "x", "١"):
        response = show(client, widget, page=bad)
        assert response.status_code == 400 and b"page is a number from 1 to 3" in response.content


def test_guide_runs_constant_queries(client, make_widget, client_obj, lineup):
    widget = make_widget(type=WidgetType.TV_GUIDE)
    _programmes(lineup)
    show(client, widget)
    with CaptureQueriesContext(connection) as small:
        show(client, widget)
    tariff = lineup["base"]
    now = timezone.now()
    for _ in range(50):
        channel = factories.ChannelFactory(client=client_obj, epg_channel=factories.EpgChannelFactory(client=client_obj))
        tariff.channels.add(channel)
        factories.EpgProgramFactory(epg_channel=channel.epg_channel, begin_time=now, end_time=now + timedelta(hours=1))
    with CaptureQueriesContext(connection) as large:
        show(client, widget)
    # The new channels' guide rows: one cold read of the cache (run twice the first time a process meets
    # a new number of channels: common/prepared.py checks its plan against the ORM).
    assert len(large) <= len(small) + 2
    with CaptureQueriesContext(connection) as warm:
        show(client, widget)
    assert len(warm) == len(small) <= 3


# --- i18n --------------------------------------------------------------------------------------------

def test_russian_strings(client, make_widget, lineup):
    body = show(client, make_widget(), lang="ru").content.decode()
    assert "Поиск каналов" in body and '<html lang="ru">' in body
    guide = make_widget(type=WidgetType.TV_GUIDE)
    body = client.get(reverse("widgets:show", args=[guide.public_id]), HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9").content.decode()
    assert "Сегодня" in body
    body = show(client, make_widget(settings={"language": "ru"})).content.decode()
    assert "Показано каналов" in body
    assert "Виджет не найден" in client.get(reverse("widgets:show", args=["x"]), {"lang": "ru"}).content.decode()


# --- fuzzing -----------------------------------------------------------------------------------------

def test_fuzzed_parameters_never_answer_5xx(client, make_widget, lineup):
    rng = random.Random(15)
    widgets = [make_widget(), make_widget(type=WidgetType.TV_GUIDE)]
    alphabet = string.printable + "йё€\u2028\x00"
    values = ["", "0", "-1", "1,", ",", "9" * 40, "2026-02-30", "2026-13-01", "0000-01-01", "1,2,3", "%00", "\x00",
              "a" * 5000, "ru", "en", "de", "null"]
    for _ in range(150):
        widget = rng.choice(widgets)
        params = {name: rng.choice(values + ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))])
                  for name in rng.sample(["q", "day", "tariff_id", "lang", "container_id", "time"], 3)}
        headers = rng.choice([{}, {"HTTP_REFERER": rng.choice(values)}, {"HTTP_ORIGIN": "http://[x"},
                              {"HTTP_ACCEPT_LANGUAGE": rng.choice(values)}])
        for name in ("widgets:show", "widgets:embed"):
            response = client.get(reverse(name, args=[widget.public_id]), params, **headers)
            assert response.status_code < 500, (name, params, headers)
    for public_id in ["a" * 300, "%2e%2e", "..", "ü"]:
        assert client.get(f"/widgets/api/show/{public_id}").status_code == 404
        assert client.get(f"/widgets/api/get/{public_id}").status_code == 404


def test_demo_page_only_with_debug(client, make_widget, settings):
    make_widget()
    assert client.get("/widgets/demo/").status_code == 404
    settings.DEBUG = True
    response = client.get("/widgets/demo/", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    assert b"http://localhost:8000/widgets/api/get/" in response.content
