"""Staff logins are throttled (django-axes).

The attack: 25 wrong passwords for `operator`, then the right one, and the operator panel opened.
"""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_user("operator", password=PASSWORD, is_staff=True)


def attempt(client, password: str, **extra):
    return client.post(LOGIN, {"username": "operator", "password": password}, **extra)


def logged_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def test_right_password_works(client, operator):
    assert attempt(client, PASSWORD).status_code == 302
    assert logged_in(client)


def test_twenty_five_wrong_then_right_is_locked_out(client, operator, settings):
    for _ in range(25):
        assert attempt(client, "guess").status_code in (200, 429)
    answer = attempt(client, PASSWORD)
    assert answer.status_code == 429
    assert not logged_in(client)


def test_lockout_starts_at_the_configured_limit(client, operator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "guess").status_code == 200  # the form again, with its error
    assert attempt(client, "guess").status_code == 429
    assert attempt(client, PASSWORD).status_code == 429


def test_a_forged_forwarding_header_does_not_escape_the_lockout(client, operator, settings):
    settings.TRUSTED_PROXIES = []
    for n in range(settings.AXES_FAILURE_LIMIT + 5):
        attempt(client, "guess", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}", HTTP_X_REAL_IP=f"198.51.100.{n}")
    assert attempt(client, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 429
    assert not logged_in(client)


def test_lockout_is_per_username_and_address(client, operator, settings):
    """Someone else's guessing from another address does not lock the operator out."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "guess", REMOTE_ADDR="198.51.100.7")
    assert attempt(client, PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 429
    assert attempt(client, PASSWORD, REMOTE_ADDR="203.0.113.1").status_code == 302


def test_axes_reset_unlocks(client, operator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "guess")
    assert attempt(client, PASSWORD).status_code == 429
    call_command("axes_reset_username", "operator")
    assert attempt(client, PASSWORD).status_code == 302
    assert logged_in(client)
