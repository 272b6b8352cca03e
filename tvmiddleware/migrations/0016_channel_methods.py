"""The channel methods: a channel's pause depth, aspect ratio and audience-measurement names
(channel/list), premieres in the guide (premiere/list), the operator's named channel sorts
(channel/sort/list, `channel_sort_id`)."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tvmiddleware', '0015_guest_browsing'),
    ]

    operations = [
        migrations.CreateModel(
            name='ChannelSort',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100)),
                ('sort', models.IntegerField(default=0, help_text='Place among the sorts apps list.')),
                ('enabled', models.BooleanField(default=True, help_text='Offered to apps.')),
            ],
            options={
                'ordering': ['sort', 'name', 'id'],
            },
        ),
        migrations.CreateModel(
            name='ChannelSortItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.IntegerField(default=0)),
            ],
            options={
                'ordering': ['position', 'id'],
            },
        ),
        migrations.AddField(
            model_name='channel',
            name='aspect_ratio',
            field=models.PositiveSmallIntegerField(choices=[(0, 'Auto'), (1, '16:9'), (2, '4:3'), (3, 'Full screen')], default=0, help_text='The picture shape apps should show.'),
        ),
        migrations.AddField(
            model_name='channel',
            name='pause_live_tv_shift',
            field=models.PositiveIntegerField(default=0, help_text='Seconds of live TV a subscriber may pause and resume (from the archive); 0 = none.'),
        ),
        migrations.AddField(
            model_name='channel',
            name='telemeter',
            field=models.PositiveSmallIntegerField(blank=True, choices=[(0, 'Mediascope')], help_text='Audience measurement system; empty = not measured.', null=True),
        ),
        migrations.AddField(
            model_name='channel',
            name='telemeter_account_name',
            field=models.CharField(blank=True, default='', max_length=100),
        ),
        migrations.AddField(
            model_name='channel',
            name='telemeter_cat_id',
            field=models.CharField(blank=True, default='', max_length=100),
        ),
        migrations.AddField(
            model_name='channel',
            name='telemeter_tmsec_name',
            field=models.CharField(blank=True, default='', max_length=100),
        ),
        migrations.AddField(
            model_name='channel',
            name='telemeter_vc_id',
            field=models.CharField(blank=True, default='', max_length=100),
        ),
        migrations.AddField(
            model_name='channel',
            name='telemeter_vc_version',
            field=models.CharField(blank=True, default='', max_length=100),
        ),
        migrations.AddField(
            model_name='epgprogram',
            name='is_premiere',
            field=models.BooleanField(default=False, help_text='A premiere: apps list it (premiere/list) until it ends. Kept when the guide is imported again.'),
        ),
        migrations.AddIndex(
            model_name='epgprogram',
            index=models.Index(condition=models.Q(('is_premiere', True)), fields=['client', 'end_time'], name='epgprogram_premieres'),
        ),
        migrations.AddField(
            model_name='channelsort',
            name='client',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tvmiddleware.client'),
        ),
        migrations.AddField(
            model_name='channelsortitem',
            name='channel',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tvmiddleware.channel'),
        ),
        migrations.AddField(
            model_name='channelsortitem',
            name='channel_sort',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='tvmiddleware.channelsort'),
        ),
        migrations.AddConstraint(
            model_name='channelsortitem',
            constraint=models.UniqueConstraint(fields=('channel_sort', 'channel'), name='channelsortitem_unique'),
        ),
    ]
