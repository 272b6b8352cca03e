"""`seed_demo` creates admin/admin: production settings refuse it unless told explicitly."""
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from tvmiddleware.models import Client


def test_refused_under_production_settings(settings, db):
    settings.SEED_DEMO_ALLOWED = False
    with pytest.raises(CommandError, match="--allow-production"):
        call_command("seed_demo", stdout=StringIO())
    assert not Client.objects.exists()
    assert not get_user_model().objects.filter(username="admin").exists()

    call_command("seed_demo", "--allow-production", stdout=StringIO())
    assert Client.objects.filter(pk=1).exists()
