"""SMS backends: what sends a text message to a mobile number.

A backend is a class with `send(*, to, text)` that raises `DeliveryFailed` when the message could not
be handed over. `TVMIDDLEWARE_SMS_BACKEND` names the one in use (a dotted path):

- `ConsoleSMSBackend` (default): prints the message on standard output; nothing is sent.
- `HttpGatewaySMSBackend`: POSTs the message as JSON to an SMS gateway
  (`TVMIDDLEWARE_SMS_GATEWAY_URL`; `TVMIDDLEWARE_SMS_GATEWAY_TOKEN` as a bearer token;
  `TVMIDDLEWARE_SMS_GATEWAY_SENDER` as the sender name; `TVMIDDLEWARE_SMS_GATEWAY_TIMEOUT` seconds).
  Most gateways take such a request, or sit behind a small relay that translates it.
"""
from __future__ import annotations

import logging
import sys

import requests
from django.conf import settings

logger = logging.getLogger("tvmiddleware.notify")


class DeliveryFailed(Exception):
    """The message could not be handed to its channel."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SMSBackend:
    """Sends one text message."""

    def send(self, *, to: str, text: str) -> None:
        raise NotImplementedError


class ConsoleSMSBackend(SMSBackend):
    """Prints the SMS on standard output (development, trials): never to a logger, the text holds a secret."""

    def send(self, *, to: str, text: str) -> None:
        sys.stdout.write(f"--- sms message to {to}\n{text}\n---\n")
        sys.stdout.flush()


class HttpGatewaySMSBackend(SMSBackend):
    """An HTTP SMS gateway: `POST {"to": ..., "text": ..., "sender": ...}` to the configured URL; any
    2xx answer counts as accepted. Not retried: a second attempt after a timeout could send twice."""

    def __init__(self) -> None:
        self.url = getattr(settings, "TVMIDDLEWARE_SMS_GATEWAY_URL", "")
        self.token = getattr(settings, "TVMIDDLEWARE_SMS_GATEWAY_TOKEN", "")
        self.sender = getattr(settings, "TVMIDDLEWARE_SMS_GATEWAY_SENDER", "")
        self.timeout = float(getattr(settings, "TVMIDDLEWARE_SMS_GATEWAY_TIMEOUT", 10))

    def send(self, *, to: str, text: str) -> None:
        if not self.url:
            raise DeliveryFailed("No SMS gateway is configured (TVMIDDLEWARE_SMS_GATEWAY_URL).")
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            response = requests.post(self.url, json={"to": to, "text": text, "sender": self.sender},
                                     headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            logger.warning("SMS gateway unreachable: %s", type(exc).__name__)
            raise DeliveryFailed("The SMS gateway could not be reached.") from exc
        if not 200 <= response.status_code < 300:
            logger.warning("SMS gateway refused a message: HTTP %s", response.status_code)
            raise DeliveryFailed(f"The SMS gateway refused the message (HTTP {response.status_code}).")
