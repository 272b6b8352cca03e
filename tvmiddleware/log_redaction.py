"""Keeping credentials out of logs.

Smarty clients send `password`, `api_key`, `authkey` and stream `token`s in query strings, so every
log line that carries a URL (gunicorn's access log, Django's request log, runserver) would keep them.
This module blanks the values of such parameters; it imports nothing from Django so that
`gunicorn.conf.py` can use it before the application is loaded.
"""
from __future__ import annotations

import logging
from urllib.parse import unquote_plus

REDACTED = "[REDACTED]"

# Parameter names whose values are secrets (compared case-insensitively, after URL-decoding).
SENSITIVE_NAMES = frozenset({
    "password", "api_key", "apikey", "authkey", "token", "pin", "parent_code", "sign", "signature", "key",
    "secret", "session_key", "sessionid", "access_token", "refresh_token",
    "ws",  # a website widget's session key, carried in the framed page's address (widgets/security.py)
})
# ... and any name containing one of these (new_password, wallet_password, client_secret...).
SENSITIVE_FRAGMENTS = ("password", "secret")


def is_sensitive(name: str) -> bool:
    name = unquote_plus(name).strip().lower()
    return name in SENSITIVE_NAMES or any(fragment in name for fragment in SENSITIVE_FRAGMENTS)


def redact_query(query: str) -> str:
    """`a=1&password=x` -> `a=1&password=[REDACTED]` (the parameter's name and order stay)."""
    if "=" not in query:
        return query
    pairs = query.split("&")
    changed = False
    for index, pair in enumerate(pairs):
        name, equals, value = pair.partition("=")
        if equals and value and is_sensitive(name):
            pairs[index] = f"{name}={REDACTED}"
            changed = True
    return "&".join(pairs) if changed else query


def redact_url(text: str) -> str:
    """Redact the query of a URL, or of a request line (`GET /path?query HTTP/1.1`), or of every URL
    in a free-form message."""
    if "?" not in text or "=" not in text:
        return text
    head, _, rest = text.partition("?")
    # The query ends at whitespace, a quote or a fragment; whatever follows may hold more URLs.
    end = len(rest)
    for stop in (" ", "\t", "\n", '"', "'", "#", ">"):
        position = rest.find(stop)
        if position != -1 and position < end:
            end = position
    return f"{head}?{redact_query(rest[:end])}{redact_url(rest[end:])}"


class RedactSecretsFilter(logging.Filter):
    """A logging filter that redacts secret query parameters in the formatted message.

    Attached to handlers (see LOGGING in settings/base.py), so it covers `django.request`,
    `django.server` and anything else that logs a URL.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is the logging module's business, not ours
            return True
        redacted = redact_url(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
