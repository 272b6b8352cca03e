"""Operator staff: panel users who work for one client."""
from __future__ import annotations

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
                    ("irdeto", "cassubscriber"), ("payments", "payment"), ("payments", "savedcard")}


# Apps whose screens operator staff work with (integrations included when installed).
OPERATOR_APPS = ("tvmiddleware", "billing", "megogo", "tvzavr", "svod_partners", "payments", "irdeto")


def operator_app_labels() -> list[str]:
    from django.apps import apps

    return [label for label in OPERATOR_APPS if apps.is_installed(label)]


@transaction.atomic
def operator_group() -> Group:
    """The group holding operator staff permissions (created or refreshed)."""
    group, _ = Group.objects.get_or_create(name=OPERATOR_GROUP)
    permissions = []
    for perm in Permission.objects.filter(content_type__app_label__in=operator_app_labels()).select_related(
        "content_type"
    ):
        key = (perm.content_type.app_label, perm.content_type.model)
        if key in READ_ONLY_MODELS and not perm.codename.startswith("view_"):
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
