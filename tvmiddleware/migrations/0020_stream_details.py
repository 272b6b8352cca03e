import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tvmiddleware', '0019_film_methods'),
    ]

    operations = [
        migrations.AlterField(
            model_name='radiostation',
            name='radio_channel',
            field=models.PositiveIntegerField(blank=True, help_text='Id of the line-up channel that carries the station: apps show its name (`channel_name`) and, without a logo, its icon.', null=True),
        ),
        migrations.CreateModel(
            name='DrmProfile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('name', models.CharField(max_length=200)),
                ('enabled', models.BooleanField(default=True)),
                ('type', models.CharField(choices=[('widevine', 'Widevine'), ('playready', 'PlayReady'), ('fairplay', 'FairPlay')], max_length=16, verbose_name='DRM system')),
                ('provider', models.CharField(blank=True, default='', help_text="Who runs the license server (e.g. the DRM vendor's name); apps may choose their license request format by it.", max_length=100)),
                ('license_url', models.URLField(max_length=1000, verbose_name='license server URL')),
                ('certificate_url', models.URLField(blank=True, default='', help_text='The server certificate (FairPlay needs one).', max_length=1000, verbose_name='certificate URL')),
                ('params', models.TextField(blank=True, default='', help_text='Handed to the player as is (e.g. JSON of license request headers).')),
                ('priority', models.IntegerField(default=0, help_text='Lower first, when several profiles fit.')),
                ('channels', models.ManyToManyField(blank=True, related_name='drm_profiles', to='tvmiddleware.channel')),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tvmiddleware.client')),
                ('device_types', models.ManyToManyField(blank=True, help_text='Only on these device types; none: on every type.', related_name='+', to='tvmiddleware.devicetype')),
                ('stream_services', models.ManyToManyField(blank=True, help_text='Everything these servers stream is protected this way.', related_name='drm_profiles', to='tvmiddleware.streamservice')),
            ],
            options={
                'verbose_name': 'DRM profile',
                'ordering': ['priority', 'id'],
            },
        ),
        migrations.CreateModel(
            name='AudioTrack',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('index', models.PositiveSmallIntegerField(help_text="The track's number in the stream, as the player numbers it (what the app selects).")),
                ('lang', models.CharField(blank=True, default='', help_text='Language code, e.g. rus, eng (ISO 639).', max_length=16, verbose_name='language')),
                ('display_name', models.CharField(blank=True, default='', help_text="Shown in the app's menu.", max_length=100)),
                ('is_default', models.BooleanField(default=False, help_text='The track a player starts with (`is_active`) unless the app asks for another (`audio_pid`).', verbose_name='played by default')),
                ('channel', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='audio_tracks', to='tvmiddleware.channel')),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tvmiddleware.client')),
            ],
            options={
                'ordering': ['channel', 'index', 'id'],
                'constraints': [models.UniqueConstraint(fields=('channel', 'index'), name='audiotrack_unique_index', violation_error_message='The channel has a sound track with this number already.')],
            },
        ),
        migrations.CreateModel(
            name='SubtitleTrack',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('index', models.PositiveSmallIntegerField(help_text="The track's number in the stream, as the player numbers it (what the app selects).")),
                ('type', models.CharField(choices=[('webvtt', 'WebVTT'), ('srt', 'SubRip (SRT)'), ('ttml', 'TTML'), ('dvb', 'DVB subtitles'), ('teletext', 'Teletext'), ('cea608', 'Closed captions (CEA-608)')], default='webvtt', max_length=16, verbose_name='format')),
                ('lang', models.CharField(blank=True, default='', help_text='Language code, e.g. rus, eng (ISO 639).', max_length=16, verbose_name='language')),
                ('display_name', models.CharField(blank=True, default='', help_text="Shown in the app's menu.", max_length=100)),
                ('url', models.URLField(blank=True, default='', help_text='A subtitle file outside the stream; empty when the stream carries them.', max_length=1000)),
                ('channel', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='subtitle_tracks', to='tvmiddleware.channel')),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tvmiddleware.client')),
            ],
            options={
                'ordering': ['channel', 'index', 'id'],
                'constraints': [models.UniqueConstraint(fields=('channel', 'index'), name='subtitletrack_unique_index', violation_error_message='The channel has a subtitle track with this number already.')],
            },
        ),
        migrations.CreateModel(
            name='VideoQuality',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('index', models.PositiveSmallIntegerField(help_text="The track's number in the stream, as the player numbers it (what the app selects).")),
                ('display_name', models.CharField(help_text="Shown in the app's menu, e.g. 1080p, HD.", max_length=100)),
                ('stream_name', models.CharField(blank=True, default='', help_text="Stream name on the video server carrying only this quality (used for $prefix when the app picks it); empty: the channel's own stream.", max_length=200)),
                ('bitrate', models.PositiveIntegerField(blank=True, null=True, verbose_name='bitrate, kbit/s')),
                ('channel', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='video_qualities', to='tvmiddleware.channel')),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tvmiddleware.client')),
            ],
            options={
                'verbose_name_plural': 'video qualities',
                'ordering': ['channel', 'index', 'id'],
                'constraints': [models.UniqueConstraint(fields=('channel', 'index'), name='videoquality_unique_index', violation_error_message='The channel has a quality with this number already.')],
            },
        ),
    ]
