"""Operator staff: panel users who work for one client."""
from __future__ import annotations

from typing import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from tvmiddleware.models import Client, OperatorProfile

OPERATOR_GROUP = "Operator staff"
# Staff may view everything of their operator and change everything but the ledger (money moves
# only through services) and the shared device-type list.
READ_ONLY_MODELS = {("billing", "customertransaction"), ("tvmiddleware", "devicetype"),
                    ("tvmiddleware", "domainevent"), ("tvmiddleware", "eventdelivery"),
                    ("tvmiddleware", "client"), ("tvmiddleware", "operatorprofile"),
                    ("tvmiddleware", "subscriberaction")}


# The core's apps whose screens operator staff work with. Integration apps declare themselves from
# their AppConfig (`tvmiddleware.plugin_apps.PluginAppConfig`, which calls `register_operator_app`);
# the core names none of them.
OPERATOR_APPS = ("tvmiddleware", "billing")

_plugin_apps: dict[str, frozenset[str]] = {}  # app label → its models that staff may only view


def register_operator_app(label: str, *, read_only_models: Iterable[str] = ()) -> None:
    """Let operator staff work with an integration app's screens (call from its `AppConfig.ready()`).

    Staff get every permission of the app's models, except that `read_only_models` (model names,
    e.g. "syncstate") are view-only for them. Takes effect at the next refresh of the operator
    group (after every `migrate`, and when a staff user is created).
    """
    _plugin_apps[label] = frozenset(name.lower() for name in read_only_models)


def read_only_models() -> set[tuple[str, str]]:
    """(app label, model name) pairs staff may only view: the core's list and the plugins' own."""
    return READ_ONLY_MODELS | {(label, model) for label, models in _plugin_apps.items() for model in models}


def operator_app_labels() -> list[str]:
    from django.apps import apps

    labels = list(OPERATOR_APPS) + [label for label in _plugin_apps if label not in OPERATOR_APPS]
    return [label for label in labels if apps.is_installed(label)]


@transaction.atomic
def operator_group() -> Group:
    """The group holding operator staff permissions (created or refreshed)."""
    group, _ = Group.objects.get_or_create(name=OPERATOR_GROUP)
    permissions = []
    view_only = read_only_models()
    for perm in Permission.objects.filter(content_type__app_label__in=operator_app_labels()).select_related(
        "content_type"
    ):
        key = (perm.content_type.app_label, perm.content_type.model)
        if key in view_only and not perm.codename.startswith("view_"):
            continue
        permissions.append(perm)
    # Retrying failed event deliveries is a change of the delivery row.
    permissions += list(Permission.objects.filter(content_type__app_label="tvmiddleware",
                                                  codename="change_eventdelivery"))
    group.permissions.set(permissions)
    return group


@transaction.atomic
def operator_staff_create(*, client: Client, username: str, password: str, email: str = ""):
    """Create (or update) a staff user of the operator panel bound to `client`."""
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=username, defaults={"email": email})
    user.is_staff = True
    user.is_active = True
    user.is_superuser = False
    user.set_password(password)
    user.save()
    OperatorProfile.objects.update_or_create(user=user, defaults={"client": client})
    user.groups.add(operator_group())
    return user
