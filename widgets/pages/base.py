"""What the pages with forms share: the session and form token in every page, the private framed
response, and the checks every POST passes first (widgets/security.py says why each exists)."""
from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from ..models import Widget, WidgetSession
from ..rendering import WIDGET_LANGUAGES, frame_ancestors, message, page
from ..security import (
    FORM_TOKEN_FIELD, SESSION_PARAM, FormRefused, check_form, form_token, keep_session_cookie, with_session,
)


class PageState:
    """One request to a form page: the widget, the visitor's session (if logged in) and its key."""

    def __init__(self, request: HttpRequest, widget: Widget, session: WidgetSession | None, key: str) -> None:
        self.request = request
        self.widget = widget
        self.session = session
        self.key = key

    def token(self, purpose: str) -> str:
        return form_token(self.widget, self.session, purpose)

    def url(self, **params: Any) -> str:
        """This widget's page with the session key and `params` (e.g. `view="devices"`)."""
        lang = self.request.GET.get("lang", "")
        return with_session(reverse("widgets:show", args=[self.widget.public_id]), self.key,
                            lang=lang if lang in WIDGET_LANGUAGES else "", **params)

    def hidden(self, purpose: str) -> dict[str, str]:
        """The hidden fields every form of this page carries (template: widgets/_form_hidden.html)."""
        return {FORM_TOKEN_FIELD: self.token(purpose), SESSION_PARAM: self.key}


def posted_form(state: PageState, purpose: str) -> HttpResponse | None:
    """None when the POST is this widget's own form of `purpose`; else the refusal page (403)."""
    try:
        check_form(state.request, state.widget, state.session, purpose)
    except FormRefused as exc:
        return message(state.request, _("Form refused"), str(exc), status=403)
    return None


def private_page(state: PageState, template: str, context: dict[str, Any], *, status: int = 200,
                 cookie: str | None | bool = False) -> HttpResponse:
    """A form page of the widget: never cached, framed only by the widget's sites. `cookie`: a key to
    keep in the session cookie, None to clear it, False to leave it as it is."""
    response = page(state.request, template, {
        "widget": state.widget, "lang": translation.get_language(), "settings": state.widget.settings,
        "state": state, "session_param": SESSION_PARAM, "session_key": state.key, **context,
    }, status=status, frame=frame_ancestors(state.widget), private=True)
    if cookie is not False:
        keep_session_cookie(state.request, response, cookie)  # type: ignore[arg-type]
    return response
