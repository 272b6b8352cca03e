"""widgets/security.py: form tokens and the Origin check, widget sessions (key in `ws` or the
partitioned cookie, only its hash stored), the session cookie's attributes, and `limited()`."""
from __future__ import annotations

import hashlib
import time
from datetime import timedelta

import pytest
from django.core import signing
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone

from tests import factories
from tvmiddleware import counters
from widgets import security
from widgets.models import WidgetSession
from widgets.security import (
    COOKIE_NAME, FORM_TOKEN_FIELD, FORM_TOKEN_SECONDS, SESSION_PARAM, FormRefused, check_form, form_token,
    keep_session_cookie, limited, session_end, session_key_of, session_of, session_start, with_session,
)

PATH = "/widgets/api/show/w/"


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()  # limited() counts in Redis where it runs


@pytest.fixture
def widget(make_widget):
    return make_widget()


@pytest.fixture
def account(client_obj):
    return factories.AccountFactory(customer=factories.CustomerFactory(client=client_obj))


@pytest.fixture
def started(rf, widget, account):
    """A session of `widget` and its key."""
    return session_start(rf.get(PATH, REMOTE_ADDR="192.0.2.5"), widget, account)


def posted(rf, token: str, *, origin: str | None = None, secure: bool = False, **data):
    extra = {"HTTP_ORIGIN": origin} if origin is not None else {}
    return rf.post(PATH, {FORM_TOKEN_FIELD: token, **data}, secure=secure, **extra)


# --- form tokens -----------------------------------------------------------------------------------

class TestForms:
    def test_the_right_widget_session_and_purpose_are_accepted(self, rf, widget, started):
        session, _ = started
        check_form(posted(rf, form_token(widget, session, "pay")), widget, session, "pay")
        check_form(posted(rf, form_token(widget, None, "signup")), widget, None, "signup")

    def test_another_widget_session_or_purpose_is_refused(self, rf, widget, make_widget, account, started):
        session, _ = started
        other_widget = make_widget(name="Another")
        other_session, _ = session_start(rf.get(PATH), widget, account)
        token = form_token(widget, session, "pay")
        for args in [(other_widget, session, "pay"), (widget, other_session, "pay"), (widget, None, "pay"),
                     (widget, session, "profile")]:
            with pytest.raises(FormRefused):
                check_form(posted(rf, token), *args)
        with pytest.raises(FormRefused):  # a token of no session does not serve a logged-in form
            check_form(posted(rf, form_token(widget, None, "pay")), widget, session, "pay")

    @pytest.mark.parametrize("token", ["", "garbage", "a:b:c", "\x00", "é" * 50])
    def test_missing_or_garbage_tokens_are_refused(self, rf, widget, token):
        with pytest.raises(FormRefused):
            check_form(posted(rf, token), widget, None, "signup")

    def test_a_tampered_token_is_refused(self, rf, widget, started):
        session, _ = started
        token = form_token(widget, session, "pay")
        payload, _, signature = token.rpartition(":")
        forged_payload = signing.dumps([widget.public_id, session.key_hash[:32], "profile"], salt="widgets.form",
                                       compress=False).rpartition(":")[0]
        for forged in (payload + ":" + signature[::-1], forged_payload + ":" + signature, token[:-1] + "A"):
            if forged == token:
                continue
            with pytest.raises(FormRefused):
                check_form(posted(rf, forged), widget, session, "pay")
        # signed with another salt (another of the project's signed values) is not a form token
        other = signing.dumps([widget.public_id, session.key_hash[:32], "pay"], compress=False)
        with pytest.raises(FormRefused):
            check_form(posted(rf, other), widget, session, "pay")

    def test_an_expired_token_is_refused(self, rf, widget, monkeypatch):
        token = form_token(widget, None, "signup")
        real = time.time

        class Later:
            @staticmethod
            def time() -> float:
                return real() + FORM_TOKEN_SECONDS + 5

        monkeypatch.setattr(signing, "time", Later)
        with pytest.raises(FormRefused):
            check_form(posted(rf, token), widget, None, "signup")

        class AlmostExpired:
            @staticmethod
            def time() -> float:
                return real() + FORM_TOKEN_SECONDS - 60

        monkeypatch.setattr(signing, "time", AlmostExpired)
        check_form(posted(rf, token), widget, None, "signup")

    @pytest.mark.parametrize("origin", ["https://evil.example", "http://testserver.evil.example",
                                        "https://testserver", "http://testserver:8080", "http://evil.example"])
    def test_another_sites_origin_is_refused(self, rf, widget, origin):
        with pytest.raises(FormRefused, match="another site"):
            check_form(posted(rf, form_token(widget, None, "signup"), origin=origin), widget, None, "signup")

    @pytest.mark.parametrize("origin,accepted", [
        ("https://site.example", True), ("HTTPS://Site.Example", True), ("http://site.example", False),
        ("https://site.example:8443", False), ("https://evil.example", False), ("https://testserver", True)])
    def test_the_public_address_is_the_middleware_too(self, rf, widget, settings, origin, accepted):
        """Proxied through the operator's site (docs/widgets.md), WIDGETS_BASE_URL names that site and the
        proxy names the middleware in Host: the browser's Origin is the public address."""
        settings.WIDGETS_BASE_URL = "https://site.example/tv"
        request = posted(rf, form_token(widget, None, "signup"), origin=origin, secure=True)
        if accepted:
            check_form(request, widget, None, "signup")
        else:
            with pytest.raises(FormRefused, match="another site"):
                check_form(request, widget, None, "signup")

    def test_a_site_allowed_to_frame_the_widget_may_not_post_its_forms(self, rf, widget):
        assert "site.example" in widget.hostnames
        with pytest.raises(FormRefused, match="another site"):
            check_form(posted(rf, form_token(widget, None, "signup"), origin="https://site.example"), widget, None,
                       "signup")

    @pytest.mark.parametrize("origin,secure", [("http://testserver", False), ("https://testserver", True),
                                               ("null", False), (None, False)])
    def test_same_origin_null_or_none_is_accepted(self, rf, widget, origin, secure):
        check_form(posted(rf, form_token(widget, None, "signup"), origin=origin, secure=secure), widget, None,
                   "signup")


# --- sessions --------------------------------------------------------------------------------------

class TestSessions:
    def test_start_stores_only_the_keys_hash(self, rf, widget, account):
        session, key = session_start(rf.get(PATH, REMOTE_ADDR="192.0.2.5"), widget, account)
        assert len(key) >= 40 and session.key_hash == hashlib.sha256(key.encode()).hexdigest()
        row = WidgetSession.objects.filter(pk=session.pk).values().get()
        assert not any(key in str(value) for value in row.values())
        assert (row["client_id"], row["widget_id"], row["account_id"]) == (widget.client_id, widget.pk, account.pk)
        assert row["ip_address"] == "192.0.2.5" and row["ended_at"] is None
        assert row["expires_at"] - row["last_seen_at"] == timedelta(seconds=WidgetSession.LIFETIME_SECONDS)
        assert session_start(rf.get(PATH), widget, account)[1] != key  # a new key every time

    def test_the_key_comes_from_get_post_or_the_cookie(self, rf, widget, started):
        session, key = started
        requests = [rf.get(PATH, {SESSION_PARAM: key}), rf.post(PATH, {SESSION_PARAM: key})]
        by_cookie = rf.get(PATH)
        by_cookie.COOKIES[COOKIE_NAME] = key
        requests.append(by_cookie)
        in_query_of_post = rf.post(PATH + "?" + SESSION_PARAM + "=" + key, {})
        requests.append(in_query_of_post)
        for request in requests:
            found, found_key = session_of(request, widget)
            assert found is not None and found.pk == session.pk and found_key == key
            assert found.account.customer_id == session.account.customer_id

    def test_the_form_key_wins_over_the_cookie(self, rf, widget, account, started):
        session, key = started
        other, other_key = session_start(rf.get(PATH), widget, account)
        request = rf.post(PATH, {SESSION_PARAM: key})
        request.COOKIES[COOKIE_NAME] = other_key
        assert session_of(request, widget)[0].pk == session.pk

    @pytest.mark.parametrize("key", ["", "short", "x" * 65, "ключ" * 8, "k" * 43])
    def test_no_or_unknown_or_malformed_key_is_no_session(self, rf, widget, started, key):
        assert session_of(rf.get(PATH, {SESSION_PARAM: key}), widget) == (None, "")
        assert len(session_key_of(rf.get(PATH, {SESSION_PARAM: key}))) in (0, 43)

    def test_ended_expired_idle_or_another_widgets_session_is_none(self, rf, widget, make_widget, started):
        session, key = started
        request = rf.get(PATH, {SESSION_PARAM: key})
        assert session_of(request, make_widget(name="Another"))[0] is None

        now = timezone.now()
        WidgetSession.objects.filter(pk=session.pk).update(
            last_seen_at=now - timedelta(seconds=WidgetSession.IDLE_SECONDS + 5))
        assert session_of(request, widget) == (None, "")
        WidgetSession.objects.filter(pk=session.pk).update(
            last_seen_at=now - timedelta(seconds=WidgetSession.IDLE_SECONDS - 30))
        assert session_of(request, widget)[0] is not None

        WidgetSession.objects.filter(pk=session.pk).update(expires_at=now - timedelta(seconds=1))
        assert session_of(request, widget) == (None, "")
        WidgetSession.objects.filter(pk=session.pk).update(expires_at=now + timedelta(hours=1))
        assert session_of(request, widget)[0] is not None

        session_end(session)
        assert WidgetSession.objects.get(pk=session.pk).ended_at is not None
        assert session_of(request, widget) == (None, "")

    def test_last_seen_is_written_at_most_once_a_minute(self, rf, widget, started, django_assert_num_queries):
        session, key = started
        request = rf.get(PATH, {SESSION_PARAM: key})
        recently = timezone.now() - timedelta(seconds=30)
        WidgetSession.objects.filter(pk=session.pk).update(last_seen_at=recently)
        with django_assert_num_queries(1):  # read only
            session_of(request, widget)
        assert WidgetSession.objects.get(pk=session.pk).last_seen_at == recently

        earlier = timezone.now() - timedelta(seconds=90)
        WidgetSession.objects.filter(pk=session.pk).update(last_seen_at=earlier)
        with django_assert_num_queries(2):  # read, then touch
            session_of(request, widget)
        touched = WidgetSession.objects.get(pk=session.pk).last_seen_at
        assert touched > earlier + timedelta(seconds=80)

    def test_links_carry_the_key(self):
        assert with_session("/widgets/api/show/w", "K" * 43, page="tariffs", empty="", none=None) == (
            "/widgets/api/show/w?page=tariffs&ws=" + "K" * 43)
        assert with_session("/widgets/api/show/w", "") == "/widgets/api/show/w"


# --- the session cookie ----------------------------------------------------------------------------

class TestCookie:
    def test_over_https_it_is_partitioned(self, rf):
        response = HttpResponse()
        keep_session_cookie(rf.get(PATH, secure=True), response, "K" * 43)
        header = response["Set-Cookie"]
        name_value, *attributes = [part.strip() for part in header.split(";")]
        assert name_value == f"{COOKIE_NAME}={'K' * 43}"
        assert set(attributes) == {"Path=/widgets/", f"Max-Age={WidgetSession.LIFETIME_SECONDS}", "HttpOnly",
                                   "Secure", "SameSite=None", "Partitioned"}

    def test_over_http_it_is_lax_and_not_secure(self, rf):
        response = HttpResponse()
        keep_session_cookie(rf.get(PATH), response, "K" * 43)
        attributes = {part.strip() for part in response["Set-Cookie"].split(";")[1:]}
        assert attributes == {"Path=/widgets/", f"Max-Age={WidgetSession.LIFETIME_SECONDS}", "HttpOnly",
                              "SameSite=Lax"}

    @pytest.mark.parametrize("secure", [True, False])
    def test_clearing_expires_it_at_once(self, rf, secure):
        response = HttpResponse()
        keep_session_cookie(rf.get(PATH, secure=secure), response, None)
        parts = [part.strip() for part in response["Set-Cookie"].split(";")]
        assert parts[0] == f"{COOKIE_NAME}=" and "Max-Age=0" in parts and "Path=/widgets/" in parts
        assert ("Partitioned" in parts) is secure  # a partitioned cookie is cleared in its partition


# --- guessing --------------------------------------------------------------------------------------

class TestLimited:
    @pytest.fixture
    def keys(self, monkeypatch):
        """The counter keys limited() used (to peek at a counter's value)."""
        used: list[str] = []
        real_hit = counters.hit

        def spying_hit(key: str, *, window: int):
            used.append(key)
            return real_hit(key, window=window)

        monkeypatch.setattr(security.counters, "hit", spying_hit)
        return used

    def test_counted_before_refused_past_the_limit_and_not_counted(self, rf, widget, keys):
        request = rf.post(PATH, REMOTE_ADDR="192.0.2.10")
        assert [limited(request, widget, "signup", limit=3, window=60) for _ in range(6)] == [
            False, False, False, True, True, True]
        # the refused attempts were given back: the counter stays at the limit
        assert counters.hit(keys[-1], window=60).count == 4

    def test_per_address_and_per_subject(self, rf, widget, make_widget, client_obj, keys):
        first = rf.post(PATH, REMOTE_ADDR="192.0.2.10")
        second = rf.post(PATH, REMOTE_ADDR="192.0.2.11")
        assert not limited(first, widget, "code", limit=1, window=60)
        assert limited(first, widget, "code", limit=1, window=60)
        assert not limited(second, widget, "code", limit=1, window=60)  # another address
        assert not limited(first, widget, "captcha", limit=1, window=60)  # another kind of attempt
        # per subject (an abonement, a phone number): whatever the address
        assert not limited(first, widget, "reset", limit=1, window=60, subject="+79990001122")
        assert limited(second, widget, "reset", limit=1, window=60, subject="+79990001122")
        assert not limited(second, widget, "reset", limit=1, window=60, subject="+79990001133")
        # another operator's widget counts apart
        other = make_widget(client=factories.ClientFactory(), name="Other operator")
        assert not limited(first, other, "code", limit=1, window=60)
        assert all("+7999" not in key for key in keys)  # subjects are hashed in the key

    def test_the_trusted_proxys_forwarded_address_is_the_caller(self, rf, widget, settings):
        settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
        behind = [rf.post(PATH, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=ip) for ip in ("203.0.113.1",
                                                                                           "203.0.113.2")]
        assert not limited(behind[0], widget, "signup", limit=1, window=60)
        assert not limited(behind[1], widget, "signup", limit=1, window=60)  # not one counter for the proxy
        spoofed = rf.post(PATH, REMOTE_ADDR="198.51.100.3", HTTP_X_FORWARDED_FOR="203.0.113.9")
        assert not limited(spoofed, widget, "signup", limit=1, window=60)
        again = rf.post(PATH, REMOTE_ADDR="198.51.100.3", HTTP_X_FORWARDED_FOR="203.0.113.10")
        assert limited(again, widget, "signup", limit=1, window=60)  # a forged header changes nothing


# --- the captcha's routes ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/widgets/captcha/image/abc/", "/widgets/captcha/image/%27%20or%201%3D1/", "/widgets/captcha/image/abc@2/",
    "/widgets/captcha/audio/abc.wav", "/widgets/captcha/image/" + "a" * 500 + "/",
    "/widgets/captcha/image/%00/", "/widgets/captcha/refresh/",
])
def test_hostile_captcha_addresses_never_answer_5xx(client, db, path):
    response = client.get(path, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert response.status_code < 500, (path, response.status_code)


def test_a_captcha_image_is_drawn_for_its_key(client, db):
    from captcha.models import CaptchaStore

    key = CaptchaStore.generate_key()
    response = client.get(f"/widgets/captcha/image/{key}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert client.get(f"/widgets/captcha/image/{key}x/").status_code in (404, 410)
