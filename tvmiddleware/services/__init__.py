"""Writes of the core domain. Views, admin actions, commands and tasks call these; they hold the rules."""
from .accounts import (
    account_activate,
    account_block_for_debt,
    account_create,
    account_deactivate,
    account_delete,
    account_modify,
    account_set_status,
    generate_password,
    parse_subnets,
)
from .customers import customer_create, customer_delete, customer_modify
from .devices import device_bind, device_unbind
from common.errors import Conflict, DeviceBoundElsewhere, Invalid, LimitReached, NotFound, ServiceError
from .tariffs import tariff_assign, tariff_remove

__all__ = [
    "Conflict", "DeviceBoundElsewhere", "Invalid", "LimitReached", "NotFound", "ServiceError",
    "account_activate", "account_block_for_debt", "account_create", "account_deactivate", "account_delete",
    "account_modify", "account_set_status", "customer_create", "customer_delete", "customer_modify",
    "device_bind", "device_unbind", "generate_password", "parse_subnets", "tariff_assign", "tariff_remove",
]
