import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tvmiddleware', '0017_self_service'),
    ]

    operations = [
        migrations.CreateModel(
            name='OperatorCountry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(help_text='ISO 3166-1 alpha-2, e.g. RU.', max_length=2)),
                ('sort', models.IntegerField(default=0)),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tvmiddleware.client')),
            ],
            options={
                'verbose_name_plural': 'operator countries',
                'ordering': ['sort', 'code'],
            },
        ),
        migrations.CreateModel(
            name='CountryNetwork',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('network', models.CharField(help_text='An IPv4 or IPv6 network, e.g. 10.1.0.0/16.', max_length=64)),
                ('city_name', models.CharField(blank=True, default='', max_length=100)),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tvmiddleware.client')),
                ('country', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='networks', to='tvmiddleware.operatorcountry')),
            ],
            options={
                'ordering': ['id'],
            },
        ),
        migrations.CreateModel(
            name='ProfileType',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100)),
                ('description', models.TextField(blank=True, default='')),
                ('is_default', models.BooleanField(default=False, help_text='The profile a new account starts with.')),
                ('show_adult_content', models.BooleanField(default=False)),
                ('sort', models.IntegerField(default=0)),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tvmiddleware.client')),
            ],
            options={
                'ordering': ['sort', 'id'],
            },
        ),
        migrations.CreateModel(
            name='QrLogin',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token_hash', models.CharField(max_length=64, unique=True)),
                ('session_key_hash', models.CharField(help_text="The hash of the TV's future session key.", max_length=64)),
                ('login_code', models.CharField(max_length=16)),
                ('device_uid', models.CharField(max_length=128)),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('expires_at', models.DateTimeField(db_index=True)),
                ('confirmed_at', models.DateTimeField(blank=True, null=True)),
                ('collected_at', models.DateTimeField(blank=True, null=True)),
                ('account', models.ForeignKey(blank=True, help_text='The account whose phone confirmed the code.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tvmiddleware.account')),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tvmiddleware.client')),
                ('device_type', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tvmiddleware.devicetype')),
            ],
            options={
                'verbose_name': 'QR login',
                'ordering': ['-id'],
            },
        ),
        migrations.CreateModel(
            name='DeviceCommand',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('device_uid', models.CharField(blank=True, default='', help_text="Only the device with this UID; empty: whichever of the account's devices asks first.", max_length=128)),
                ('type', models.PositiveSmallIntegerField(choices=[(1, 'reboot the device'), (2, 'reload the app (portal)'), (3, 'show the accompanying text'), (4, 'open the deep link'), (5, 'check for an app update'), (6, "reset the app's settings")])),
                ('user_confirmation', models.BooleanField(default=False, help_text='The device asks the subscriber first.')),
                ('deep_link', models.CharField(blank=True, default='', max_length=500)),
                ('accompanying_text', models.TextField(blank=True, default='', help_text='Shown with the command.')),
                ('image_url', models.URLField(blank=True, default='', help_text='Shown with the command.', max_length=500)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('created_by', models.CharField(blank=True, default='', editable=False, max_length=150)),
                ('delivered_at', models.DateTimeField(blank=True, editable=False, null=True)),
                ('delivered_to', models.CharField(blank=True, default='', editable=False, help_text='The device UID of the session that took it.', max_length=128)),
                ('account', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='device_commands', to='tvmiddleware.account')),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tvmiddleware.client')),
            ],
            options={
                'ordering': ['-id'],
                'indexes': [models.Index(fields=['account', 'delivered_at'], name='devicecommand_pending')],
            },
        ),
        migrations.AddConstraint(
            model_name='operatorcountry',
            constraint=models.UniqueConstraint(fields=('client', 'code'), name='operatorcountry_unique_code'),
        ),
        migrations.AddConstraint(
            model_name='profiletype',
            constraint=models.UniqueConstraint(condition=models.Q(('is_default', True)), fields=('client',), name='profiletype_one_default', violation_error_message='The operator already has a default profile type.'),
        ),
        migrations.AddIndex(
            model_name='qrlogin',
            index=models.Index(fields=['client', 'login_code'], name='qrlogin_code'),
        ),
        migrations.CreateModel(
            name='PhoneVerification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('phone', models.CharField(help_text='Digits only, with the country code.', max_length=32)),
                ('code_hash', models.CharField(max_length=64)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('expires_at', models.DateTimeField()),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('used_at', models.DateTimeField(blank=True, null=True)),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tvmiddleware.client')),
            ],
            options={
                'ordering': ['-id'],
                'indexes': [models.Index(fields=['client', 'phone', '-created_at'], name='phoneverification_phone')],
            },
        ),
        migrations.AddField(
            model_name='authkey',
            name='external',
            field=models.BooleanField(default=False, help_text='Opened by login/ext for a system acting for the subscriber: bound to no device, outside the session limit.'),
        ),
    ]
