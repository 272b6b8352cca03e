"""Device types: the system names apps send as `device`, grouped as the product groups them."""
from django.db import models


class DeviceGroup(models.IntegerChoices):
    STB = 0, "STB"
    SMART_TV = 1, "Smart TV"
    MOBILE = 2, "Mobile"
    OTHER = 3, "Other"


class ResponseFormat(models.TextChoices):
    JSON = "json", "JSON"
    XML = "xml", "XML"


class DeviceType(models.Model):
    """A kind of client device (`mag`, `android_stb`, `samsung_smart_tv`, ...). Shared by all operators."""

    system_name = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=128)
    group = models.PositiveSmallIntegerField(choices=DeviceGroup.choices, default=DeviceGroup.OTHER)
    response_format = models.CharField(
        max_length=8, choices=ResponseFormat.choices, default=ResponseFormat.JSON
    )

    class Meta:
        ordering = ["system_name"]

    def __str__(self) -> str:
        return self.system_name


# The system names known to the product, with their groups. Loaded by a data migration.
STANDARD_DEVICE_TYPES: list[tuple[str, str, int]] = [
    ("mag", "MAG set-top box", DeviceGroup.STB),
    ("android_stb", "Android set-top box", DeviceGroup.STB),
    ("dune", "Dune HD", DeviceGroup.STB),
    ("eltex", "Eltex STB", DeviceGroup.STB),
    ("kodi", "Kodi", DeviceGroup.STB),
    ("tvip", "TVIP", DeviceGroup.STB),
    ("apple_tv", "Apple TV", DeviceGroup.STB),
    ("android_tv", "Android TV", DeviceGroup.SMART_TV),
    ("samsung_smart_tv", "Samsung Smart TV (Tizen)", DeviceGroup.SMART_TV),
    ("samsung_orsay", "Samsung Smart TV (Orsay)", DeviceGroup.SMART_TV),
    ("lg_webos", "LG webOS", DeviceGroup.SMART_TV),
    ("lg_netcast", "LG NetCast", DeviceGroup.SMART_TV),
    ("philips_smart_tv", "Philips Smart TV", DeviceGroup.SMART_TV),
    ("android", "Android phone or tablet", DeviceGroup.MOBILE),
    ("ios", "iPhone / iPad", DeviceGroup.MOBILE),
    ("pc", "PC application", DeviceGroup.OTHER),
    ("browser", "Web browser", DeviceGroup.OTHER),
    ("smarttube", "SmartTube portal", DeviceGroup.OTHER),
]
