"""noauth/device/exists: whose is this device? Answered to apps before login (with the operator's API
key), so lookups of unknown devices are limited per caller address: device UIDs are not enumerated."""
from __future__ import annotations

from common.errors import NotFound
from tvmiddleware import counters
from tvmiddleware.models import AccountDevice, Client

MISSES_PER_IP = 30
WINDOW_SECONDS = 600


class DeviceUnknown(NotFound):
    code = "device_unknown"


def device_owner(*, client: Client, device_uid: str, ip: str | None) -> AccountDevice:
    """The operator's bound device `device_uid` with its account and customer; DeviceUnknown when there
    is none, or when this address looked up too many unknown devices lately (then for every device)."""
    hit = counters.hit(f"tvmw:device-miss:{client.pk}:{ip}", window=WINDOW_SECONDS) if ip else None
    if hit is not None and hit.count > MISSES_PER_IP:
        counters.give_back(hit)
        raise DeviceUnknown("Too many unknown devices looked up; try again later.")
    device = (AccountDevice.objects.for_client(client).select_related("account__customer")
              .filter(device_uid=device_uid).first())
    if device is None:
        raise DeviceUnknown("No device with this device_uid.")
    if hit is not None:
        counters.give_back(hit)  # only misses count
    return device
