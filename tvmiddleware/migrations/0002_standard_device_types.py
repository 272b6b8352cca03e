"""Load the product's standard device types (system names apps send as `device`)."""
from django.db import migrations


def load(apps, schema_editor):
    from tvmiddleware.models.devices import STANDARD_DEVICE_TYPES

    DeviceType = apps.get_model("tvmiddleware", "DeviceType")
    for system_name, name, group in STANDARD_DEVICE_TYPES:
        DeviceType.objects.update_or_create(system_name=system_name, defaults={"name": name, "group": int(group)})


class Migration(migrations.Migration):
    dependencies = [("tvmiddleware", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
