"""Every stream service gets its own token check key.

AddField with a callable default would evaluate it once and give every existing service the same key
(so one operator's streamer would accept another's tokens): the column is added empty, each row gets
a fresh key of its own, then the column becomes required.
"""
import secrets

import django.core.validators
from django.db import migrations, models

import tvmiddleware.models.streaming


def fill_check_keys(apps, schema_editor):
    StreamService = apps.get_model("tvmiddleware", "StreamService")
    for service in StreamService.objects.filter(check_key__isnull=True).only("pk").iterator():
        StreamService.objects.filter(pk=service.pk).update(check_key=secrets.token_urlsafe(24))


class Migration(migrations.Migration):

    dependencies = [
        ('tvmiddleware', '0007_tariffsubscription_closed_end_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='streamservice',
            name='check_key',
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.RunPython(fill_check_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='streamservice',
            name='check_key',
            field=models.CharField(db_index=True, default=tvmiddleware.models.streaming.new_check_key, help_text="Secret part of this service's token check URL (/tvmiddleware/api/streamservice/<key>/token/check/): that URL accepts only tokens issued for this service. Give several of your services the same key when one streaming server serves them all (e.g. live and archive on one Flussonic).", max_length=64, validators=[django.core.validators.RegexValidator('^[A-Za-z0-9_-]{22,64}\\Z', "A check key is 22 to 64 letters, digits, '-' or '_'.", code='invalid_check_key')]),
        ),
    ]
