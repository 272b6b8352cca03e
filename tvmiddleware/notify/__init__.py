"""Delivering messages to subscribers: verification codes, new passwords, PINs, statements.

    deliver(NotifyChannel.SMS, to=customer.mobile_phone_number, subject="...", text="Your code: 1234")

One backend per channel: `console` prints the message on the server's standard output (the embedded
default: nothing reaches the subscriber, for development and trials), `email` sends it with Django's
e-mail backend (`EMAIL_BACKEND`), `sms` hands it to the SMS backend named by
`TVMIDDLEWARE_SMS_BACKEND` (`tvmiddleware.notify.sms.ConsoleSMSBackend` by default, or the HTTP
gateway adapter `tvmiddleware.notify.sms.HttpGatewaySMSBackend`). The operator chooses the channel
(`SelfServiceSettings`). Messages carry secrets: backends log that a message went out and to whom
(masked), never its text.
"""
from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from tvmiddleware.models import NotifyChannel

from .sms import DeliveryFailed, SMSBackend

__all__ = ["DeliveryFailed", "NoAddress", "deliver", "mask", "sms_backend"]

logger = logging.getLogger("tvmiddleware.notify")


class NoAddress(DeliveryFailed):
    """The subscriber has no address for the channel (no e-mail, no mobile number)."""


def mask(address: str) -> str:
    """An address as logs may show it: enough to tell which, not enough to use it."""
    if "@" in address:
        name, _, domain = address.partition("@")
        return f"{name[:1]}***@{domain}"
    return f"***{address[-4:]}" if len(address) > 4 else "***"


def sms_backend() -> SMSBackend:
    """The configured SMS backend (`TVMIDDLEWARE_SMS_BACKEND`, a dotted class path)."""
    path = getattr(settings, "TVMIDDLEWARE_SMS_BACKEND", "tvmiddleware.notify.sms.ConsoleSMSBackend")
    return import_string(path)()


def console_write(channel: str, to: str, subject: str, text: str) -> None:
    """The console backend: the message on standard output, where a developer reads it. Standard
    output, not a logger: log handlers ship lines to collectors, and the text holds a secret."""
    sys.stdout.write(f"--- {channel} message to {to}: {subject}\n{text}\n---\n")
    sys.stdout.flush()


def deliver(channel: str, *, to: str, subject: str, text: str) -> None:
    """Send `text` to `to` (an e-mail address or a mobile number, as the channel needs) by `channel`.
    Raises `NoAddress` without an address, `DeliveryFailed` when the backend could not send."""
    to = (to or "").strip()
    if not to:
        raise NoAddress(f"No address for the {channel} channel.")
    if channel == NotifyChannel.EMAIL:
        try:
            send_mail(subject, text, None, [to], fail_silently=False)
        except Exception as exc:  # SMTP and socket errors of any backend
            logger.warning("e-mail to %s not sent: %s", mask(to), type(exc).__name__)
            raise DeliveryFailed("The e-mail could not be sent.") from exc
    elif channel == NotifyChannel.SMS:
        sms_backend().send(to=to, text=text)
    elif channel == NotifyChannel.CONSOLE:
        console_write(channel, to, subject, text)
    else:
        raise DeliveryFailed(f"Unknown delivery channel {channel!r}.")
    logger.info("%s message sent to %s (%s)", channel, mask(to), subject)
