"""The browser harness itself (harness.py): the other-origin page server, error collection, requests,
screenshots, and the two third-party-cookie profiles the widget tests rely on."""
import pytest

from tests.browser.harness import ARTIFACTS

pytestmark = pytest.mark.browser

# A page that, framed by another site, stores a cookie and shows what it reads back.
COOKIE_FRAME = """<!doctype html><title>frame</title><pre id="seen"></pre><script>
document.cookie = "plain=1; Path=/; SameSite=None; Secure";
document.cookie = "chips=1; Path=/; SameSite=None; Secure; Partitioned";
document.getElementById("seen").textContent = document.cookie.split("; ").sort().join(" ") || "none";
</script>"""


def test_host_pages_are_another_origin_that_frames_the_middleware(page, browser_log, live_server, host_pages):
    assert host_pages.origin.startswith("http://127.0.0.2:") and live_server.url.startswith("http://127.0.0.1:")
    url = host_pages.serve("/shop.html", f'<h1>Shop</h1><iframe id="f" src="{live_server.url}/admin/login/"></iframe>')
    page.goto(url)
    frame = page.frame_locator("#f")
    # The panel sends X-Frame-Options: DENY, so the frame stays empty: Chromium says so in the console.
    browser_log.allow_console_error("Refused to display|X-Frame-Options")
    assert page.locator("h1").inner_text() == "Shop"
    page.wait_for_timeout(300)
    assert frame.locator("#id_username").count() == 0
    assert ("127.0.0.2:%d" % host_pages.port, "/shop.html") in host_pages.requests
    assert any(url.startswith(live_server.url + "/admin/login/") for url in browser_log.urls())


def test_named_operator_sites_reach_the_host_page_server(page, host_pages):
    page.goto(host_pages.serve("/", "<p id=p>operator site</p>", host="shop.test"))
    assert page.locator("#p").inner_text() == "operator site"
    assert host_pages.requests[-1][0] == f"shop.test:{host_pages.port}"
    page.goto(host_pages.url("/", host="elsewhere.test"))
    assert host_pages.requests[-1][0] == f"elsewhere.test:{host_pages.port}"


def test_the_middleware_answers_as_tv_test(page, browser_log, live_server):
    # Plain http under a name that is not loopback is not a trustworthy origin: Chromium ignores the
    # panel's Cross-Origin-Opener-Policy there and says so (behind HTTPS in production it applies).
    browser_log.allow_console_error("Cross-Origin-Opener-Policy header has been ignored")
    page.goto(live_server.url.replace("127.0.0.1", "tv.test") + "/admin/login/")
    assert page.locator("#id_username").is_visible()


def test_script_errors_and_console_errors_are_collected(page, browser_log, host_pages):
    page.goto(host_pages.serve("/broken.html", "<script>console.error('boom'); notDefined();</script>"))
    page.wait_for_timeout(200)
    failures = browser_log.failures()
    assert any("boom" in text for text in failures), failures
    assert any("notDefined" in text for text in failures), failures
    browser_log.allow_console_error("boom")
    assert not any("boom" in text for text in browser_log.failures())
    browser_log.page_errors.clear()  # expected here; left in, they fail the test at teardown


def test_screenshots_land_in_the_artifacts_folder(page, host_pages, screenshot):
    page.goto(host_pages.serve("/", "<h1>picture</h1>"))
    path = screenshot("picture")
    assert path.is_file() and path.stat().st_size > 1000
    assert ARTIFACTS in path.parents and path.name == "01-picture.png"


@pytest.mark.parametrize("blocked", [True, False], ids=["blocked", "allowed"])
def test_third_party_cookie_profiles(third_party_cookies_page, host_pages, blocked):
    host_pages.serve("/frame.html", COOKIE_FRAME)
    top = host_pages.serve("/top.html", f'<iframe id="f" src="{host_pages.url("/frame.html")}"></iframe>',
                           host="shop.test")
    tab = third_party_cookies_page(blocked=blocked)
    tab.goto(top)
    seen = tab.frame_locator("#f").locator("#seen")
    seen.wait_for()
    # Partitioned cookies (CHIPS) work either way; the others only where third-party cookies are allowed.
    assert seen.inner_text() == ("chips=1" if blocked else "chips=1 plain=1")


def test_the_default_page_blocks_third_party_cookies_too(page, host_pages):
    """Chromium's default for these (incognito-like) contexts: widget tests on `page` run without
    third-party cookies; `third_party_cookies_page(blocked=False)` is the way to have them."""
    host_pages.serve("/frame.html", COOKIE_FRAME)
    page.goto(host_pages.serve("/top.html", f'<iframe id="f" src="{host_pages.url("/frame.html")}"></iframe>',
                               host="shop.test"))
    assert page.frame_locator("#f").locator("#seen").inner_text() == "chips=1"
