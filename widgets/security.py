"""What protects the widgets' forms and sessions, in one place (docs/widgets.md, "Security").

- **Sessions without third-party cookies.** A visitor logged in through a widget holds a random key
  (`WidgetSession`). It travels in the framed page's links and forms as `ws`, so the widget works
  where the browser blocks cookies inside a cross-site frame (Chrome's and Safari's defaults).
  Over HTTPS the key is also kept in a *partitioned* cookie (CHIPS: `Partitioned; SameSite=None;
  Secure`), keyed by the operator's site, so reloading the host page keeps the login; when the
  operator proxies `/widgets/` through their own domain, the frame is same-site and a plain `Lax`
  cookie does the same over HTTP. Only the key's SHA-256 is stored.
- **Forms.** Every form carries a token signed with SECRET_KEY that names the widget, the session (or
  none) and the form's purpose, valid `FORM_TOKEN_SECONDS`; a POST without a valid one is refused,
  and so is a POST whose `Origin` is not the middleware itself (the address the request reached, or
  `WIDGETS_BASE_URL` where the operator proxies `/widgets/` through their own site). Django's CSRF
  cookie cannot be used (it is a third-party cookie inside the frame): this is the synchronizer-token
  pattern without it.
- **Guessing.** Logins go through the device login's counters (`credentials_check`); registration,
  codes and the captcha through `limited()` here, counted before the check, per caller address
  (trusted proxies honoured: `common.client_address`).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from common.client_address import client_ip
from tvmiddleware import counters
from tvmiddleware.models import Account

from .models import Widget, WidgetSession

SESSION_PARAM = "ws"
FORM_TOKEN_FIELD = "form_token"
FORM_TOKEN_SECONDS = 2 * 3600
COOKIE_NAME = "tvmw_widget_session"
_FORM_SALT = "widgets.form"
_TOUCH_SECONDS = 60  # last_seen_at is written at most once a minute per session


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# --- sessions --------------------------------------------------------------------------------------

def session_start(request: HttpRequest, widget: Widget, account: Account) -> tuple[WidgetSession, str]:
    """Log `account` in on this widget: a new session and its key (handed to the page, never stored)."""
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    session = WidgetSession.objects.create(
        client_id=widget.client_id, widget=widget, account=account, key_hash=_hash(key), last_seen_at=now,
        expires_at=now + timedelta(seconds=WidgetSession.LIFETIME_SECONDS), ip_address=client_ip(request))
    return session, key


def session_key_of(request: HttpRequest) -> str:
    """The session key the request carries: `ws` in the form or the address, else the cookie."""
    key = request.POST.get(SESSION_PARAM, "") if request.method == "POST" else ""
    key = key or request.GET.get(SESSION_PARAM, "") or request.COOKIES.get(COOKIE_NAME, "")
    return key if 20 <= len(key) <= 64 and key.isascii() else ""


def session_of(request: HttpRequest, widget: Widget) -> tuple[WidgetSession | None, str]:
    """The live session of this widget the request carries, with its key; (None, "") when there is none,
    it ended, it belongs to another widget, or it was idle too long."""
    key = session_key_of(request)
    if not key:
        return None, ""
    now = timezone.now()
    session = (WidgetSession.objects.select_related("account__customer")
               .filter(key_hash=_hash(key), widget=widget, ended_at__isnull=True, expires_at__gt=now).first())
    if session is None or (now - session.last_seen_at).total_seconds() > WidgetSession.IDLE_SECONDS:
        return None, ""
    if (now - session.last_seen_at).total_seconds() > _TOUCH_SECONDS:
        WidgetSession.objects.filter(pk=session.pk).update(last_seen_at=now)
    return session, key


def session_end(session: WidgetSession) -> None:
    WidgetSession.objects.filter(pk=session.pk, ended_at__isnull=True).update(ended_at=timezone.now())


def keep_session_cookie(request: HttpRequest, response: HttpResponse, key: str | None) -> None:
    """Set (key) or clear (None) the session cookie: partitioned over HTTPS, `Lax` over HTTP (where it
    only works when the operator proxies /widgets/ through their own site)."""
    value, age = (key, WidgetSession.LIFETIME_SECONDS) if key else ("", 0)
    attributes = f"Path=/widgets/; Max-Age={age}; HttpOnly"
    if request.is_secure():
        attributes += "; Secure; SameSite=None; Partitioned"
    else:
        attributes += "; SameSite=Lax"
    # Python's cookie module (before 3.14) knows no `Partitioned`: the header is written whole.
    response["Set-Cookie"] = f"{COOKIE_NAME}={value}; {attributes}"


def with_session(url: str, key: str, **params: object) -> str:
    """`url` with the session key and `params` in its query (links inside the widget keep the login)."""
    query = {name: value for name, value in params.items() if value not in (None, "")}
    if key:
        query[SESSION_PARAM] = key
    return url + ("?" + urlencode(query) if query else "")


# --- forms -----------------------------------------------------------------------------------------

def form_token(widget: Widget, session: WidgetSession | None, purpose: str) -> str:
    """The token a form of this widget, session and purpose carries."""
    return signing.dumps([widget.public_id, session.key_hash[:32] if session else "-", purpose], salt=_FORM_SALT,
                         compress=False)


class FormRefused(Exception):
    """A POST that is not one of our forms (forged from another site, replayed too late, or mangled)."""


def check_form(request: HttpRequest, widget: Widget, session: WidgetSession | None, purpose: str) -> None:
    """Accept a POST only from this widget's own form of this purpose and session. Raises FormRefused."""
    if not _origin_allowed(request):
        raise FormRefused("The form was sent from another site.")
    try:
        public_id, session_part, form_purpose = signing.loads(
            request.POST.get(FORM_TOKEN_FIELD, ""), salt=_FORM_SALT, max_age=FORM_TOKEN_SECONDS)
    except (signing.BadSignature, ValueError, TypeError):
        raise FormRefused("The form has expired; it was reloaded, please send it again.") from None
    expected = (widget.public_id, session.key_hash[:32] if session else "-", purpose)
    if not all(hmac.compare_digest(str(got), want) for got, want in zip((public_id, session_part, form_purpose),
                                                                        expected)):
        raise FormRefused("The form has expired; it was reloaded, please send it again.")


def _origin_allowed(request: HttpRequest) -> bool:
    """No Origin, "null", or the middleware itself: the address the request reached, or its public
    address `WIDGETS_BASE_URL`. The operator who proxies /widgets/ through their own domain points
    WIDGETS_BASE_URL there (docs/widgets.md): the browser sends that site as the Origin while the proxy
    names the middleware in Host. Any other site, even one allowed to frame the widget, is refused."""
    origin = request.META.get("HTTP_ORIGIN", "")
    if not origin or origin == "null" or origin == f"{request.scheme}://{request.get_host()}":
        return True
    public = urlsplit(settings.WIDGETS_BASE_URL or "")
    return bool(public.scheme and public.netloc) and origin.lower() == f"{public.scheme}://{public.netloc}".lower()


# --- guessing --------------------------------------------------------------------------------------

class Attempt:
    """One counted attempt (`count_attempt`): `over` when past the limit (then already not counted);
    `give_back()` when it turned out not to count (a success, where only failures should)."""

    def __init__(self, hit: counters.Hit | None) -> None:
        self._hit = hit
        self.over = hit is None

    def give_back(self) -> None:
        if self._hit is not None:
            counters.give_back(self._hit)
            self._hit = None


def count_attempt(request: HttpRequest, widget: Widget, what: str, *, limit: int, window: int,
                  subject: str = "") -> Attempt:
    """Count an attempt at `what` (per caller address, or per `subject` when given) before it is checked,
    atomically (`tvmiddleware.counters`: Redis, or the database while Redis is away)."""
    who = subject or client_ip(request) or "unknown"
    hit = counters.hit(f"tvmw:widget:{what}:{widget.client_id}:{hashlib.sha256(who.encode()).hexdigest()[:32]}",
                       window=window)
    if hit.count > limit:
        counters.give_back(hit)
        return Attempt(None)
    return Attempt(hit)


def limited(request: HttpRequest, widget: Widget, what: str, *, limit: int, window: int, subject: str = "") -> bool:
    """Count an attempt at `what` before it is checked; True when it is over `limit` in `window` seconds
    (refuse it; it is not counted)."""
    return count_attempt(request, widget, what, limit=limit, window=window, subject=subject).over
