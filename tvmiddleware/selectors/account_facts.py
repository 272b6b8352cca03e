"""Per-account facts the busiest device-API methods read on every call, kept in the shared cache.

- `channel_flags`: the account's own channel settings (favourites, locks, hidden, own order) —
  channel/list, channel/list/programs, channel/url, program/url;
- `programme_positions`: how many catch-up viewing positions the account keeps, and the latest —
  program/list (its validators, and whether its answer is the shared one);
- `poll_facts`: what account/status reads on every poll — the message it shows (the newest unread
  urgent one, else any unread one) and the operator's commands waiting for the account's devices,
  kept as one value so a poll reads both in the same round trip.

Each is one `VersionedEntries` value per account: read with its version tokens in one Redis round trip,
loaded from the database (one query) on a miss. Any save or delete of the rows behind a fact renews its
version when the transaction commits (the receivers below; bulk writes call `flags_changed` &c.
themselves), so no process ever serves a fact older than the last committed change. Broadcast
messages carry their operator's version, so one new broadcast renews every account's answer.
A message's expiry is known in advance: the answer is kept only until the shown message expires.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save

from common.prepared import PreparedQuery
from common.versioned_cache import VersionedEntries, renew_versions_on_commit

from ..models import AccountChannelSetting, ContentKind, ContentPosition, Message, MessageRead
from . import account_messages
from .channels import ChannelFlags
from .device_commands import load_pending_commands, pending_commands_version

_FLAGS = VersionedEntries("account-channel-flags:v1")
_POSITIONS = VersionedEntries("account-programme-positions:v1")
_POLL = VersionedEntries("account-poll:v1")


def _channels_version(account_id: int) -> str:
    return f"account-channels:{int(account_id)}"


def _positions_version(account_id: int) -> str:
    return f"account-positions:{int(account_id)}"


def _messages_version(account_id: int) -> str:
    return f"account-messages:{int(account_id)}"


def _broadcasts_version(client_id: int) -> str:
    return f"operator-messages:{int(client_id)}"


# --- reads -----------------------------------------------------------------------------------------

def channel_flags(*, client_id: int, account_id: int) -> dict[int, ChannelFlags]:
    """channel id → the account's flags, for every channel the account has touched."""
    return _FLAGS.get(key=account_id, versions=[_channels_version(account_id)],
                      load=lambda: _load_flags(client_id, account_id))


def _load_flags(client_id: int, account_id: int) -> dict[int, ChannelFlags]:
    return {row[0]: ChannelFlags(*row[1:]) for row in _account_flags(client_id=client_id, account_id=account_id)}


_account_flags = PreparedQuery(lambda client_id, account_id: (
    AccountChannelSetting.objects.for_client(client_id).filter(account_id=account_id)
    .values_list("channel_id", "is_favorited", "is_parent_control", "is_hidden", "sort")
))


def programme_positions(*, client_id: int, account_id: int) -> tuple[int, datetime | None]:
    """(count, latest update) of the account's viewing positions in programmes (catch-up)."""
    return _POSITIONS.get(key=account_id, versions=[_positions_version(account_id)],
                          load=lambda: _load_positions(client_id, account_id))


def _load_positions(client_id: int, account_id: int) -> tuple[int, datetime | None]:
    rows = _programme_positions(client_id=client_id, account_id=account_id)
    return (rows[0][0], rows[0][1]) if rows else (0, None)


_programme_positions = PreparedQuery(lambda client_id, account_id: (
    ContentPosition.objects.for_client(client_id).filter(account_id=account_id, content_type=ContentKind.PROGRAM)
    .order_by().values("account_id").annotate(count=Count("id"), updated=Max("updated_at"))
    .values_list("count", "updated")
))


@dataclass(frozen=True)
class PollFacts:
    """`first_unread`: the newest unread urgent message the account may read now, else the newest
    unread one, None when every message is read (fields: urgent, subject, text, no_confirmation).
    `pending_commands`: (id, device_uid) of the commands not yet taken, oldest first."""

    first_unread: dict[str, Any] | None
    pending_commands: tuple[tuple[int, str], ...]


def poll_facts(*, client_id: int, account_id: int, now: datetime) -> PollFacts:
    """What account/status needs besides the access snapshot, in one round trip when warm (two queries
    on a miss). Renewed by a message sent or read (the account's or its operator's broadcasts) and by a
    command sent or taken."""
    versions = [_messages_version(account_id), _broadcasts_version(client_id), pending_commands_version(account_id)]
    found, pending = _POLL.get(key=account_id, versions=versions,
                               load=lambda: _load_poll(client_id, account_id, now), until=True)
    if found is not None and found["expires_at"] is not None and found["expires_at"] <= now:
        found = _load_first_unread(client_id, account_id, now)[0]  # expired within the stored second
    return PollFacts(first_unread=None if found is None else {k: v for k, v in found.items() if k != "expires_at"},
                     pending_commands=pending)


def _load_poll(client_id: int, account_id: int, now: datetime) -> tuple[tuple[dict | None, tuple], float | None]:
    first, until = _load_first_unread(client_id, account_id, now)
    return (first, load_pending_commands(client_id, account_id)), until


def _load_first_unread(client_id: int, account_id: int, now: datetime) -> tuple[dict | None, float | None]:
    rows = _first_unread(client_id=client_id, account_id=account_id, now=now)
    first = rows[0] if rows else None
    # The answer changes by itself only when the message shown expires (the next one then shows).
    until = first["expires_at"].timestamp() if first and first["expires_at"] else None
    return first, until


# One query: the newest unread urgent message if there is one, else any unread message.
_first_unread = PreparedQuery(lambda client_id, account_id, now: (
    account_messages(client=client_id, account_id=account_id, now=now).exclude(reads__account_id=account_id)
    .order_by("-urgent", "-created_at").values("urgent", "subject", "text", "no_confirmation", "expires_at")[:1]
))


# --- changes ---------------------------------------------------------------------------------------

def flags_changed(account_ids: Iterable[int]) -> None:
    """Call inside the transaction that wrote channel settings in bulk (no signals are sent then)."""
    renew_versions_on_commit(_channels_version(a) for a in account_ids)


def positions_changed(account_ids: Iterable[int]) -> None:
    renew_versions_on_commit(_positions_version(a) for a in account_ids)


def messages_changed(*, account_ids: Iterable[int] = (), client_ids: Iterable[int] = ()) -> None:
    renew_versions_on_commit([*(_messages_version(a) for a in account_ids),
                              *(_broadcasts_version(c) for c in client_ids)])


def _on_channel_setting(instance: AccountChannelSetting, **kwargs: Any) -> None:
    flags_changed([instance.account_id])


def _on_position(instance: ContentPosition, **kwargs: Any) -> None:
    positions_changed([instance.account_id])


def _on_message(instance: Message, **kwargs: Any) -> None:
    if instance.account_id is None:
        messages_changed(client_ids=[instance.client_id])
    else:
        messages_changed(account_ids=[instance.account_id])


def _on_message_read(instance: MessageRead, **kwargs: Any) -> None:
    messages_changed(account_ids=[instance.account_id])


for _model, _receiver in ((AccountChannelSetting, _on_channel_setting), (ContentPosition, _on_position),
                          (Message, _on_message), (MessageRead, _on_message_read)):
    post_save.connect(_receiver, sender=_model, dispatch_uid=f"tvmw-account-facts-save-{_model.__name__}")
    post_delete.connect(_receiver, sender=_model, dispatch_uid=f"tvmw-account-facts-delete-{_model.__name__}")
