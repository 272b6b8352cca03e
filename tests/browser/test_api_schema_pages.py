"""The API document's browsable pages (docs/api-schema.md) in a real Chromium: Swagger UI and ReDoc load
their assets from this installation only, render the operations and show no console error."""
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser


def assert_only_this_installation(browser_log, live_server):
    own = urlsplit(live_server.url).netloc
    assert browser_log.hosts() == {own}, f"requests to other hosts: {sorted(browser_log.hosts() - {own})}"
    assert not browser_log.failed_requests, browser_log.failed_requests
    bad = [(status, url) for status, url in browser_log.responses if status >= 400]
    assert not bad, bad
    assets = browser_log.urls("/static/drf_spectacular_sidecar/")
    assert assets, "the page's scripts come from drf-spectacular-sidecar, served here"
    assert browser_log.urls("/api/schema/"), "the page fetched the document"


def test_swagger_ui_renders_the_operations_from_local_assets(page, browser_log, live_server, screenshot):
    page.goto(live_server.url + "/api/schema/ui/")
    page.wait_for_selector(".opblock")
    assert page.locator(".info .title").inner_text().startswith("TV middleware")
    # Open one operation: its parameters come from the method's declaration.
    login = page.locator(".opblock-get", has=page.locator('[data-path="/tvmiddleware/api/login/"]')).first
    login.locator(".opblock-summary").click()
    parameters = login.locator(".parameters .parameter__name")
    parameters.first.wait_for()
    names = {text.split()[0] for text in parameters.all_inner_texts()}
    assert {"abonement", "password", "client_id", "device"} <= names, names
    screenshot("swagger-ui-login")
    # Swagger UI renders the operations as they scroll into view: the last API's come at the end.
    page.keyboard.press("End")
    streaming = page.locator('.opblock-summary-path[data-path^="/streaming/api/"]').first
    streaming.wait_for()
    assert page.locator(".opblock-tag", has_text="streaming").count() == 1
    screenshot("swagger-ui-end", full_page=False)
    assert_only_this_installation(browser_log, live_server)


def test_redoc_renders_the_operations_from_local_assets(page, browser_log, live_server, screenshot):
    page.goto(live_server.url + "/api/schema/redoc/")
    # ReDoc lays out the whole document before showing it (a few seconds on a busy machine).
    page.wait_for_selector("[data-section-id^='operation/']", state="attached", timeout=120_000)
    sections = page.locator("[data-section-id^='operation/']").evaluate_all(
        "els => els.map(e => e.getAttribute('data-section-id'))")
    assert "operation/get_tvmiddleware_api_login" in sections
    assert any(s.startswith("operation/post_billing_api_") for s in sections)
    assert any(s.startswith("operation/get_streaming_api_") or s.startswith("operation/post_streaming_api_")
               for s in sections)
    assert len(sections) > 200
    assert page.locator("h1", has_text="TV middleware").first.is_visible()
    # The login operation, as ReDoc shows it: its path and its documented parameters.
    page.goto(live_server.url + "/api/schema/redoc/#operation/get_tvmiddleware_api_login")
    login = page.locator("[data-section-id='operation/get_tvmiddleware_api_login']")
    login.locator("text=abonement").first.wait_for(timeout=120_000)
    assert "/tvmiddleware/api/login/" in login.inner_text()
    screenshot("redoc-login", full_page=False)
    assert_only_this_installation(browser_log, live_server)
