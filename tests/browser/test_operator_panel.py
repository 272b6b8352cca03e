"""The operator panel's login in a real Chromium: staff log in through the form and reach the index,
with their operator's sections; a wrong password stays on the form with Django's message."""
import pytest

from tests import factories
from tests.admin_factories import make_staff

pytestmark = pytest.mark.browser


@pytest.fixture
def staff():
    operator = factories.ClientFactory()
    return make_staff(operator)


def log_in(page, live_server, username, password):
    page.goto(live_server.url + "/admin/")
    assert "/admin/login/" in page.url  # the panel sends a visitor to its login form
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_staff_log_in_and_see_the_index(page, browser_log, live_server, staff, screenshot):
    log_in(page, live_server, staff.username, "s3cret-pass")
    page.get_by_role("heading", name="Operator panel").wait_for()
    assert page.url == live_server.url + "/admin/"
    assert page.get_by_role("link", name="Customers").first.is_visible()
    assert staff.username.upper() in page.locator("#user-tools").inner_text().upper()
    screenshot("panel-index")
    assert {host for host in browser_log.hosts()} == {live_server.url.split("//", 1)[1]}


def test_a_wrong_password_stays_on_the_form(page, live_server, staff, screenshot):
    log_in(page, live_server, staff.username, "not-the-password")
    page.locator(".errornote").wait_for()
    assert "/admin/login/" in page.url
    assert "correct username and password" in page.locator(".errornote").inner_text()
    screenshot("panel-login-refused")
