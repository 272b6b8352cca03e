"""operator_export / operator_import: one operator moved through an archive (docs/migration-tools.md).

The archive is imported into the same test database, where every id of the source is taken: each
row is remapped, and the operator's copy must hold the same rows, links and money as the source.
"""
from __future__ import annotations

import gzip
import io
import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models

from billing.models import CustomerTransaction
from billing.services import transaction_create
from migration_tools.models import ImportedRow, OperatorImport
from migration_tools.operator_transfer import NEVER_EXPORTED, REFERENCE, measure, operator_models
from tests import factories
from tests.admin_factories import ROW_BUILDERS, VideoFileFactory, make_staff
from widgets.models import Widget
from tvmiddleware.models import (
    Account, AccountDevice, Channel, Client, ContentPosition, Customer, EpgChannel, ExternalSystemAttribute,
    VideoFile,
)

pytestmark = pytest.mark.django_db


def _operator() -> Client:
    """An operator with a row of every model the operator panel knows, and a few of the main ones."""
    client = factories.ClientFactory(name="Source TV")
    for model, build in ROW_BUILDERS.items():
        if model._meta.label not in NEVER_EXPORTED:
            build(client)
    tariff = factories.TariffFactory(client=client, name="Premium")
    epg = factories.EpgChannelFactory(client=client, ext_id="first.ru")
    channel = factories.ChannelFactory(client=client, epg_channel=epg)
    tariff.channels.add(channel)
    system = factories.ExternalSystemFactory(client=client)
    ExternalSystemAttribute.objects.create(client=client, external_system=system, key="api_url",
                                           value="https://billing.example/api")
    video_file = VideoFileFactory(video=factories.VideoFactory(client=client, name="Watched"))
    viewer = factories.AccountFactory(customer=factories.CustomerFactory(client=client))
    ContentPosition.objects.create(client=client, account=viewer, content_type="video",
                                   content_id=video_file.video_id, asset_id=video_file.pk, position=60)
    for n in range(5):
        customer = factories.CustomerFactory(client=client)
        account = factories.AccountFactory(customer=customer)
        factories.AccountDeviceFactory(account=account)
        transaction_create(client=client, customer=customer, amount=Decimal("100.50"), ext_id=f"topup-{n}")
        charge = transaction_create(client=client, customer=customer, amount=Decimal("-20.25"))
        transaction_create(client=client, customer=customer, amount=Decimal("20.25"), reverses=charge)
    return client


def _export(client: Client, path) -> str:
    out = io.StringIO()
    call_command("operator_export", client=client.pk, out=str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _import(path, *extra: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("operator_import", str(path), *extra, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _target() -> Client:
    return Client.objects.get(pk=OperatorImport.objects.get().target_client_id)


def _snapshot(client_id: int) -> dict:
    return {p.label: measure(p, client_id, "default") for p in operator_models()}


def _table_state() -> dict:
    return {p.label: p.model._base_manager.count() for p in operator_models()} | {
        "mapping": ImportedRow.objects.count(), "imports": OperatorImport.objects.count()}


def test_models_found_from_the_registry_in_dependency_order():
    labels = [p.label for p in operator_models()]
    assert labels[0] == "tvmiddleware.Client"
    for label in ("payments.Merchant", "payments.Payment", "widgets.Widget", "megogo.MegogoTitle",
                  "tvmiddleware.Tariff_channels", "auth.User", "auth.User_groups", "tvmiddleware.OperatorProfile",
                  "billing.CustomerTransaction", "tvmiddleware.ExternalSystemAttribute", "tvmiddleware.VideoFile"):
        assert label in labels
    for label in ("tvmiddleware.AuthKey", "sessions.Session", "tvmiddleware.AttemptCounter", *REFERENCE):
        assert label not in labels
    position = {label: i for i, label in enumerate(labels)}
    for plan in operator_models():
        for f in plan.model._meta.concrete_fields:
            if f.is_relation and f.related_model._meta.label in position and f.related_model is not plan.model:
                assert position[f.related_model._meta.label] < position[plan.label], (plan.label, f.name)


def test_export_import_remaps_ids_and_verifies(tmp_path):
    source = _operator()
    archive = tmp_path / "op.tvmw.gz"
    exported = _export(source, archive)
    assert "operator_export: operator=" in exported
    before = _snapshot(source.pk)

    stdout, stderr = _import(archive)

    target = _target()
    assert target.pk != source.pk
    assert target.name == "Source TV" and target.api_key == source.api_key  # keys carried as stored
    after = _snapshot(target.pk)
    assert after == before  # every model: the same rows and decimal sums
    assert sum(v["count"] for v in after.values()) > 100
    assert "verified=yes" in stdout and "MISMATCH" not in stdout
    balance_sum = sum(c.balance for c in Customer.objects.filter(client=source))
    assert f"target {balance_sum}" in stdout
    # Links stay inside the new operator.
    for plan in operator_models():
        for f in plan.model._meta.concrete_fields:
            if not f.is_relation or f.name == "client" or not hasattr(f.related_model, "client_id"):
                continue
            if f.related_model._meta.label in REFERENCE:
                continue
            linked = plan.rows(target.pk, "default").exclude(**{f"{f.name}__isnull": True}).exclude(
                **{f"{f.name}__client": target.pk})
            assert not linked.exists(), (plan.label, f.name)
    # The ledger's arithmetic and the reversal link came along.
    copied = CustomerTransaction.objects.filter(client=target)
    assert copied.filter(reverses__isnull=False).count() == CustomerTransaction.objects.filter(
        client=source, reverses__isnull=False).count() == 5
    for customer in Customer.objects.filter(client=target):
        rows = copied.filter(customer=customer)
        assert customer.balance == (rows.aggregate(s=models.Sum("amount"))["s"] or 0)
    assert all(r.reverses.customer_id == r.customer_id for r in copied.filter(reverses__isnull=False))
    assert not copied.exclude(customer_ref=models.F("customer_id")).exists()
    # Plain id columns follow too: a viewing position names the copied video and file.
    position = ContentPosition.objects.get(client=target)
    copied_file = VideoFile.objects.get(pk=position.asset_id)
    assert copied_file.client_id == target.pk and copied_file.video_id == position.content_id
    # Timestamps are carried as stored.
    assert sorted(Customer.objects.filter(client=target).values_list("created_at", flat=True)) == sorted(
        Customer.objects.filter(client=source).values_list("created_at", flat=True))
    # Channels keep their EPG binding, devices their shared device type, staff their group.
    channel = Channel.objects.get(client=target, epg_channel__ext_id="first.ru")
    assert channel.epg_channel.client_id == target.pk
    assert channel.tariffs.get().name == "Premium"
    device = AccountDevice.objects.filter(client=target).first()
    assert device.device_type.system_name == "mag"
    staff = get_user_model().objects.filter(operator_profile__client=target)
    assert staff.count() == get_user_model().objects.filter(operator_profile__client=source).count() >= 1
    for user in staff:
        original = get_user_model().objects.get(username=user.username.rsplit("-", 1)[0],
                                                operator_profile__client=source)
        assert user.password == original.password
        assert sorted(user.groups.values_list("name", flat=True)) == sorted(original.groups.values_list("name", flat=True))
    # Secrets are carried, never printed.
    secrets = [source.api_key, source.billing_api_key, source.content_api_key, source.streaming_api_key,
               *Account.objects.filter(client=source).values_list("password", flat=True),
               *get_user_model().objects.filter(operator_profile__client=source).values_list("password", flat=True)]
    for secret in secrets:
        assert secret not in stdout + stderr + exported


def test_second_import_changes_nothing(tmp_path):
    source = _operator()
    archive = tmp_path / "op.tvmw.gz"
    _export(source, archive)
    _import(archive)
    state = _table_state()
    target = _target()
    snapshot = _snapshot(target.pk)
    stdout, _ = _import(archive)
    assert "created=0 updated=0" in stdout
    assert _table_state() == state
    assert _snapshot(target.pk) == snapshot


def test_newer_export_updates_the_copy(tmp_path):
    source = _operator()
    first = tmp_path / "first.tvmw.gz"
    _export(source, first)
    _import(first)
    target = _target()
    customer = Customer.objects.filter(client=source).order_by("pk").last()
    customer.firstname = "Renamed"
    customer.save()
    transaction_create(client=source, customer=customer, amount=Decimal("7.77"), ext_id="late")
    new_customer = factories.CustomerFactory(client=source, firstname="Newcomer")
    second = tmp_path / "second.tvmw.gz"
    _export(source, second)

    stdout, _ = _import(second)

    assert "verified=yes" in stdout
    assert Client.objects.count() == 2 + Client.objects.exclude(pk__in=[source.pk, target.pk]).count()
    copies = Customer.objects.filter(client=target)
    assert copies.filter(firstname="Renamed").count() == 1
    assert copies.filter(firstname="Newcomer").count() == 1
    renamed = copies.get(firstname="Renamed")
    assert renamed.balance == Customer.objects.get(pk=customer.pk).balance
    assert CustomerTransaction.objects.filter(client=target, ext_id="late").count() == 1
    assert _snapshot(target.pk) == _snapshot(source.pk)
    assert new_customer.pk not in ImportedRow.objects.filter(model="tvmiddleware.Customer").values_list(
        "target_pk", flat=True)
    # The older archive would take the copy back: refused.
    with pytest.raises(CommandError, match="refusing to go back"):
        _import(first)


def test_rows_deleted_at_the_source_are_deleted_by_a_newer_import(tmp_path):
    source = _operator()
    first = tmp_path / "first.tvmw.gz"
    _export(source, first)
    _import(first)
    target = _target()
    own = factories.CustomerFactory(client=target, firstname="Signed up here")  # the target's own row
    device = AccountDevice.objects.filter(client=source).order_by("pk").first()
    channel = Channel.objects.filter(client=source, tariffs__isnull=False).first()
    device.delete()
    channel.delete()  # with its tariff links
    second = tmp_path / "second.tvmw.gz"
    _export(source, second)

    with pytest.raises(CommandError, match="does not match"):  # the target's own customer is counted
        _import(second)
    own.delete()
    stdout, _ = _import(second)

    assert "verified=yes" in stdout and "deleted=3" in stdout  # the device, the channel, its tariff link
    assert _snapshot(target.pk) == _snapshot(source.pk)
    assert not ImportedRow.objects.filter(model="tvmiddleware.AccountDevice", source_pk=device.pk).exists()
    stdout, _ = _import(second)  # again: nothing more to delete
    assert "created=0 updated=0" in stdout and "deleted=0" in stdout


def test_dry_run_writes_nothing(tmp_path):
    source = _operator()
    archive = tmp_path / "op.tvmw.gz"
    _export(source, archive)
    state = _table_state()
    stdout, _ = _import(archive, "--dry-run")
    assert "dry_run=yes" in stdout and "verified=yes" in stdout
    assert _table_state() == state


def test_ids_kept_where_free(tmp_path):
    """Into a database that does not use the ids (here: the source operator removed), ids stay."""
    source = factories.ClientFactory(name="Lonely")
    customer = factories.CustomerFactory(client=source)
    account = factories.AccountFactory(customer=customer)
    epg = factories.EpgChannelFactory(client=source)
    transaction_create(client=source, customer=customer, amount=Decimal("5.00"))
    archive = tmp_path / "op.tvmw.gz"
    _export(source, archive)
    ids = (source.pk, customer.pk, account.pk, epg.pk)
    source.delete()
    _import(archive)
    target = _target()
    assert (target.pk, Customer.objects.get(client=target).pk, Account.objects.get(client=target).pk,
            EpgChannel.objects.get(client=target).pk) == ids
    assert Customer.objects.get(client=target).balance == Decimal("5.00")


def _rewrite(src, dst, change):
    with gzip.open(src, "rt") as f:
        lines = f.read().splitlines()
    lines = change(lines)
    with gzip.open(dst, "wt") as f:
        f.write("\n".join(lines) + "\n")


@pytest.mark.parametrize("damage, message", [
    (lambda lines: [json.dumps({**json.loads(lines[0]), "version": 99}), *lines[1:]], "version 99"),
    (lambda lines: lines[:len(lines) // 2], "cut short"),
    (lambda lines: [lines[0], "{not json", *lines[1:]], "not valid JSON"),
    (lambda lines: [json.dumps({"format": "something else"}), *lines[1:]], "not an operator archive"),
])
def test_bad_archives_refused_before_writing(tmp_path, damage, message):
    source = _operator()
    archive = tmp_path / "op.tvmw.gz"
    _export(source, archive)
    bad = tmp_path / "bad.tvmw.gz"
    _rewrite(archive, bad, damage)
    state = _table_state()
    with pytest.raises(CommandError, match=message):
        _import(bad)
    assert _table_state() == state


def test_unreadable_files_refused(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("hello")
    with pytest.raises(CommandError, match="not a readable operator archive"):
        _import(plain)
    with pytest.raises(CommandError, match="no such file"):
        _import(tmp_path / "missing.gz")
    with pytest.raises(CommandError, match="no operator with id"):
        call_command("operator_export", client=987654, out=str(tmp_path / "x.gz"))


def test_staff_username_taken_here_is_renamed(tmp_path):
    source = factories.ClientFactory()
    staff = make_staff(source)
    archive = tmp_path / "op.tvmw.gz"
    _export(source, archive)
    stdout, _ = _import(archive)
    copy = get_user_model().objects.get(operator_profile__client=_target())
    assert copy.username == f"{staff.username}-2"
    assert f"imported as '{staff.username}-2'" in stdout


@pytest.mark.postgres
def test_postgres_copy_path(tmp_path):
    """On PostgreSQL new rows go in with COPY and ids from the tables' sequences: the same outcome."""
    source = _operator()
    archive = tmp_path / "op.tvmw.gz"
    _export(source, archive)
    stdout, _ = _import(archive)
    assert "verified=yes" in stdout
    target = _target()
    assert _snapshot(target.pk) == _snapshot(source.pk)
    assert sorted(Customer.objects.filter(client=target).values_list("created_at", flat=True)) == sorted(
        Customer.objects.filter(client=source).values_list("created_at", flat=True))
    assert list(Widget.objects.filter(client=target).values_list("name", "settings", "type")) == list(
        Widget.objects.filter(client=source).values_list("name", "settings", "type"))
    # The sequences moved past the copied ids: the application's next rows do not collide.
    factories.AccountFactory(customer=factories.CustomerFactory())
    stdout, _ = _import(archive)
    assert "created=0 updated=0" in stdout


def test_caches_of_the_operator_renewed_after_commit(tmp_path, monkeypatch, django_capture_on_commit_callbacks):
    from tvmiddleware.streaming import access

    source = factories.ClientFactory()
    for _ in range(3):
        factories.AccountFactory(customer=factories.CustomerFactory(client=source))
    archive = tmp_path / "op.tvmw.gz"
    _export(source, archive)
    invalidated: list[int] = []
    monkeypatch.setattr(access, "invalidate_accounts", lambda ids: invalidated.extend(ids))
    with django_capture_on_commit_callbacks(execute=True):
        _import(archive)
    assert sorted(invalidated) == sorted(Account.objects.filter(client=_target()).values_list("pk", flat=True))
    invalidated.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _import(archive, "--dry-run")
    assert invalidated == []  # a dry run keeps nothing, so renews nothing
