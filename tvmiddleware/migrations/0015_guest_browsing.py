import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tvmiddleware', '0014_recent_channels'),
    ]

    operations = [
        migrations.CreateModel(
            name='ProviderBranding',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('icon', models.ImageField(blank=True, upload_to='provider_icons/')),
                ('movie_label_icon', models.ImageField(blank=True, upload_to='provider_icons/')),
                ('movie_label_icon_black_bg', models.ImageField(blank=True, upload_to='provider_icons/', verbose_name='movie label icon (dark background)')),
                ('movie_label_icon_mobile', models.ImageField(blank=True, upload_to='provider_icons/')),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tvmiddleware.client')),
                ('external_system', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='branding', to='tvmiddleware.externalsystem', verbose_name='online cinema')),
            ],
            options={
                'verbose_name': 'provider logos',
                'verbose_name_plural': 'provider logos',
            },
        ),
        migrations.CreateModel(
            name='GuestBrowsing',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('enabled', models.BooleanField(default=False, help_text='Apps may show the line-up, the guide and the catalogue without a login (noauth methods).', verbose_name='guest browsing')),
                ('untariffed_titles', models.BooleanField(default=True, help_text='Guests also see free titles and titles sold one by one (no tariff opens them).', verbose_name='free and pay-per-view titles')),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tvmiddleware.client')),
                ('tariffs', models.ManyToManyField(blank=True, help_text='Tariffs whose channels and titles guests see. None chosen: every enabled tariff offered in apps (not hidden).', related_name='+', to='tvmiddleware.tariff')),
            ],
            options={
                'verbose_name': 'guest browsing',
                'verbose_name_plural': 'guest browsing',
                'constraints': [models.UniqueConstraint(fields=('client',), name='guestbrowsing_one_per_client', violation_error_message="The operator's guest browsing is already set up.")],
            },
        ),
        migrations.CreateModel(
            name='VideoTrailer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(blank=True, default='', max_length=200)),
                ('url', models.URLField(help_text='Public address of the trailer (http or https).', max_length=500, validators=[django.core.validators.URLValidator(schemes=['http', 'https'])], verbose_name='address')),
                ('quality', models.PositiveSmallIntegerField(default=720, help_text='Vertical resolution.')),
                ('duration', models.PositiveIntegerField(default=0, help_text='Seconds.')),
                ('sort', models.IntegerField(default=0)),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tvmiddleware.client')),
                ('video', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='trailers', to='tvmiddleware.video')),
            ],
            options={
                'ordering': ['video', 'sort', 'id'],
                'indexes': [models.Index(fields=['video', 'sort'], name='videotrailer_video_sort')],
            },
        ),
    ]
