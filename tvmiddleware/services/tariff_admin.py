"""Writing the operator's tariff catalogue: create, change and delete packages, and choose the stream
services (streaming servers) a package hands out.

What customers hold is changed elsewhere (`tariffs.tariff_assign` / `tariff_remove`); the rules here
protect them: a package held by customers cannot be deleted, nor switch between basic and additional
(open subscriptions record which one they are). A change of a package that affects what its holders
may watch (enabled, sessions, availability for inactive accounts) drops their cached stream-access
decisions when it commits.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tvmiddleware.models import Account, Client, StreamService, Tariff
from common.money import PRICE_MAX, MoneyError, read_money
from tvmiddleware.streaming import access

from common.errors import Conflict, Invalid, NotFound

# Settings of a package the operator's billing may write (Billing API TariffCreate / TariffModify).
TARIFF_FIELDS = frozenset({
    "name", "ext_id", "description", "period", "price", "default_activation_price", "enabled", "hidden",
    "assigned_by_default", "required", "sessions_count", "ip_restriction", "basic_sessions_count",
    "basic_tariff_priority", "available_for_inactive_accounts", "available_everywhere",
    "display_in_channels_widget", "used_for_channel_list", "used_for_video_list", "used_for_radio_list",
    "available_to_unsubscribe",
})


def _decimal(name: str, value: Any) -> Decimal:
    """A price: a plain decimal with at most two decimals that the price column holds."""
    try:
        return read_money(value, maximum=PRICE_MAX)
    except MoneyError as exc:
        raise Invalid(f"{name} must be a plain decimal with at most two decimal places ({exc.problem}).",
                      fields={name: exc.problem}) from None


def _apply(tariff: Tariff, fields: dict[str, Any]) -> None:
    unknown = set(fields) - TARIFF_FIELDS
    if unknown:
        raise Invalid(f"Unknown tariff field(s): {', '.join(sorted(unknown))}",
                      fields={name: "unknown" for name in sorted(unknown)})
    for name, value in fields.items():
        if name in ("ext_id", "description") and value is None:
            value = ""
        if name in ("price", "default_activation_price") and value is not None:
            value = _decimal(name, value)
        setattr(tariff, name, value)


def _validate_and_save(tariff: Tariff) -> None:
    """Model validation (ranges, lengths, the basic/additional rule), then save; a used ext_id is
    refused by the database constraint (also when two requests race)."""
    try:
        tariff.full_clean(exclude=["client"])
    except ValidationError as exc:
        fields = {name: "; ".join(str(m) for m in messages) for name, messages in exc.message_dict.items()}
        raise Invalid("; ".join(f"{name}: {problem}" for name, problem in fields.items()), fields=fields) from exc
    try:
        with transaction.atomic():
            tariff.save()
    except IntegrityError as exc:
        raise Conflict("A tariff with this ext_id already exists.", fields={"ext_id": "duplicate"}) from exc


def _holder_account_ids(tariff: Tariff) -> list[int]:
    return list(Account.objects.filter(customer__subscriptions__tariff=tariff,
                                       customer__subscriptions__is_closed=False)
                .values_list("pk", flat=True).distinct())


@transaction.atomic
def tariff_create(
    *,
    client: Client,
    name: str,
    period: int,
    sessions_count: int,
    basic_sessions_count: int,
    basic_tariff_priority: int,
    price: Decimal | str = Decimal("0.00"),
    **options: Any,
) -> Tariff:
    """Add a package to the operator's catalogue. `basic_tariff_priority` 1–10 makes it a basic
    tariff, 0 an additional one; `period` 0 makes it a system tariff that is never charged."""
    tariff = Tariff(client=client)
    _apply(tariff, {"name": name, "period": period, "sessions_count": sessions_count,
                    "basic_sessions_count": basic_sessions_count, "basic_tariff_priority": basic_tariff_priority,
                    "price": price, **options})
    _validate_and_save(tariff)
    return tariff


@transaction.atomic
def tariff_modify(*, tariff: Tariff, **fields: Any) -> Tariff:
    """Change the given settings of a package (the others stay). A package customers hold keeps
    being basic or additional."""
    tariff = Tariff.objects.select_for_update().get(pk=tariff.pk)
    _apply(tariff, fields)
    _validate_and_save(tariff)
    account_ids = _holder_account_ids(tariff)
    transaction.on_commit(lambda: access.invalidate_accounts(account_ids))
    return tariff


@transaction.atomic
def tariff_delete(*, tariff: Tariff) -> None:
    """Remove a package nobody holds. Closed subscriptions to it (history) go with it; ledger rows stay."""
    tariff = Tariff.objects.select_for_update().get(pk=tariff.pk)
    holders = tariff.subscriptions.filter(is_closed=False).count()
    if holders:
        raise Conflict(f"{holders} customer(s) hold this tariff: remove it from them first.",
                       fields={"tariff_id": "in use"}, holders=holders)
    tariff.subscriptions.all().delete()
    tariff.delete()


def _same_operator(tariff: Tariff, stream_service: StreamService) -> None:
    if stream_service.client_id != tariff.client_id:
        raise NotFound("Stream service not found.", fields={"service_id": "not found"})


@transaction.atomic
def tariff_stream_service_assign(*, tariff: Tariff, stream_service: StreamService) -> bool:
    """Let the package's holders be served by this streaming server. Returns False when it already was."""
    _same_operator(tariff, stream_service)
    if tariff.stream_services.filter(pk=stream_service.pk).exists():
        return False
    tariff.stream_services.add(stream_service)
    return True


@transaction.atomic
def tariff_stream_service_remove(*, tariff: Tariff, stream_service: StreamService) -> bool:
    """Stop handing out this streaming server for the package. Returns False when it was not linked."""
    _same_operator(tariff, stream_service)
    if not tariff.stream_services.filter(pk=stream_service.pk).exists():
        return False
    tariff.stream_services.remove(stream_service)
    return True
