"""The widgets in a real Chromium, embedded with the documented snippet on a page of another origin:
the channel list and its search, the guide's day switcher, the iframe sizing itself, refused sites."""
from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories
from widgets.models import WidgetType

pytestmark = pytest.mark.browser

SITE = "shop.test"  # allowed: the operator's site
ELSEWHERE = "elsewhere.test"  # not allowed


def snippet(live_server, widget, extra=""):
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Operator site</title></head>
<body><h1>Our TV</h1>
<div id="widget-content"></div>
<script id="widget-script" type="text/javascript"></script>
<script>document.getElementById('widget-script').src =
  '{live_server.url}/widgets/api/get/{widget.public_id}?container_id=widget-content{extra}&time=' + Math.random();</script>
</body></html>"""


def open_site(page, host_pages, live_server, widget, *, host=SITE, extra="", head=""):
    html = snippet(live_server, widget, extra).replace("<title>", head + "<title>")
    page.goto(host_pages.serve("/tv.html", html, host=host))
    page.wait_for_selector("#widget-content iframe.tvmw-widget-frame")
    return page.frame_locator("#widget-content iframe")


def frame_height(page):
    return page.eval_on_selector("#widget-content iframe", "f => f.getBoundingClientRect().height")


def test_channel_list_from_another_origin_with_its_search(page, host_pages, live_server, make_widget, lineup,
                                                          screenshot, browser_log):
    widget = make_widget(hostnames=SITE)
    frame = open_site(page, host_pages, live_server, widget)
    channels = frame.locator(".tvmw-channel")
    channels.first.wait_for()
    assert frame.locator(".tvmw-tariff__name").all_inner_texts() == ["Base"]
    assert frame.locator(".tvmw-channel__name").all_inner_texts() == ["Первый канал", "News 24", "Kids"]
    page.wait_for_function("() => document.querySelector('#widget-content iframe').getBoundingClientRect().height > 200")
    screenshot("channel-list")

    frame.get_by_label("Search channels").fill("NEWS")
    assert frame.locator(".tvmw-channel:visible .tvmw-channel__name").all_inner_texts() == ["News 24"]
    assert frame.locator(".tvmw-count__value").inner_text() == "1"
    frame.get_by_label("Search channels").fill("первый")
    assert frame.locator(".tvmw-channel:visible .tvmw-channel__name").all_inner_texts() == ["Первый канал"]
    frame.get_by_label("Search channels").fill("nothing like it")
    frame.locator(".tvmw-empty").wait_for()
    assert frame.locator(".tvmw-tariff:visible").count() == 0
    screenshot("channel-list-searched")
    # The page came from the shop's origin, the widget from the middleware's: a real cross-origin embed.
    assert {f"{SITE}:{host_pages.port}", live_server.url.split("//")[1]} <= browser_log.hosts()


def test_guide_day_switcher_and_now_marks(page, host_pages, live_server, make_widget, lineup, screenshot,
                                          midday):
    now = timezone.now()
    first = lineup["channels"][0]
    factories.EpgProgramFactory(epg_channel=first.epg_channel, name="Current show",
                                begin_time=now - timedelta(minutes=20), end_time=now + timedelta(minutes=40))
    tomorrow = timezone.localtime(now).replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=1)
    factories.EpgProgramFactory(epg_channel=first.epg_channel, name="Tomorrow film",
                                begin_time=tomorrow, end_time=tomorrow + timedelta(hours=2))
    widget = make_widget(type=WidgetType.TV_GUIDE, hostnames=SITE)
    frame = open_site(page, host_pages, live_server, widget, extra=f"&tariff_id={lineup['base'].pk}")
    frame.locator(".tvmw-programme--on-air").first.wait_for()
    assert "Current show" in frame.locator(".tvmw-programme--on-air").first.inner_text()
    assert frame.locator(".tvmw-guide-channel__name").all_inner_texts()[0].endswith("Первый канал")
    assert "Football" not in frame.locator(".tvmw-guide").inner_text()  # not in the chosen tariff
    screenshot("guide-today")

    frame.get_by_role("link", name="Tomorrow").click()
    frame.locator(".tvmw-programme__name", has_text="Tomorrow film").wait_for()
    assert frame.locator('.tvmw-day[aria-current="date"]').inner_text() == "Tomorrow"
    assert frame.locator(".tvmw-programme--on-air").count() == 0
    screenshot("guide-tomorrow")

    # Keyboard: the day links are reachable and followed with Enter.
    frame.get_by_role("link", name="Today").focus()
    page.keyboard.press("Enter")
    frame.locator(".tvmw-programme--on-air").first.wait_for()


def test_russian_widget(page, host_pages, live_server, make_widget, lineup, screenshot):
    widget = make_widget(hostnames=SITE)
    frame = open_site(page, host_pages, live_server, widget, extra="&lang=ru")
    frame.get_by_label("Поиск каналов").wait_for()
    assert frame.locator("html").get_attribute("lang") == "ru"
    screenshot("channel-list-ru")


def test_a_site_not_allowed_sees_the_refusal(page, host_pages, live_server, make_widget, lineup, screenshot,
                                             browser_log):
    browser_log.allow_console_error(r"403")
    widget = make_widget(hostnames=SITE)
    frame = open_site(page, host_pages, live_server, widget, host=ELSEWHERE)
    frame.get_by_text("This widget may only be shown on the operator's own website.").wait_for()
    assert frame.locator(".tvmw-channel").count() == 0
    screenshot("refused-site")


def test_without_a_referrer_the_csp_still_refuses_the_frame(page, host_pages, live_server, make_widget, lineup,
                                                            screenshot, browser_log):
    browser_log.allow_console_error(r"frame-ancestors|Refused to frame")
    widget = make_widget(hostnames=SITE)
    open_site(page, host_pages, live_server, widget, host=ELSEWHERE,
              head='<meta name="referrer" content="no-referrer">')
    page.wait_for_timeout(1500)
    child = page.frames[1] if len(page.frames) > 1 else None
    assert child is not None
    assert "tvmw-channel" not in (child.content() if not child.url.startswith("chrome-error") else "")
    screenshot("refused-by-csp")
