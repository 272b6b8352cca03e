from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):

    dependencies = [
        ('tvmiddleware', '0016_channel_methods'),
    ]

    operations = [
        migrations.AddField(
            model_name='client',
            name='additional_languages',
            field=models.CharField(blank=True, default='', help_text='Language codes of the localized texts, comma-separated, in order: the first names name_lang1, description_lang1..., up to five (e.g. en,uz). Apps ask for one with `lang`.', max_length=100),
        ),
        migrations.CreateModel(
            name='AccountProfile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('profile_type_id', models.PositiveBigIntegerField(blank=True, null=True, verbose_name='profile type')),
                ('name', models.CharField(blank=True, default='', max_length=100)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('account', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='profile', to='tvmiddleware.account')),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tvmiddleware.client')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='InterfaceTemplate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100)),
                ('system_name', models.CharField(help_text="What apps receive as the account's `template`.", max_length=64)),
                ('enabled', models.BooleanField(default=True)),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tvmiddleware.client')),
            ],
            options={
                'ordering': ['name', 'id'],
                'constraints': [models.UniqueConstraint(fields=('client', 'system_name'), name='interfacetemplate_unique_name', violation_error_message='A template with this system name exists.')],
            },
        ),
        migrations.CreateModel(
            name='SelfServiceSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reset_password_channel', models.CharField(choices=[('console', 'Console of the server (development: nothing reaches the subscriber)'), ('email', 'E-mail'), ('sms', 'SMS')], default='console', help_text="How account/reset_password sends the verification code and the new password: by e-mail (to the customer's address), by SMS (to the mobile number), or only to the server's console.", max_length=16, verbose_name='password reset delivery')),
                ('code_ttl_minutes', models.PositiveIntegerField(default=15, help_text='A verification code (password reset, phone change) expires after this.', verbose_name='verification code lifetime (minutes)')),
                ('confirm_phone_change', models.BooleanField(default=False, help_text='customer/info/set sends a code by SMS to a new mobile number and keeps it only once the subscriber types the code back.', verbose_name='confirm a new mobile number')),
                ('pin_sms_interval_seconds', models.PositiveIntegerField(default=60, help_text='account/send_parent_code_by_sms: at most one SMS per account within this many seconds.', verbose_name='seconds between PIN SMS')),
                ('pin_sms_per_day', models.PositiveIntegerField(default=5, help_text='account/send_parent_code_by_sms: at most this many per account a day.', verbose_name='PIN SMS per day')),
                ('export_to_client_ids', models.CharField(blank=True, default='', help_text="Client ids, comma separated: their subscribers may move an account of yours to them (account/export, with the account's login and password). Empty: nobody.", max_length=255, verbose_name='operators that may take over accounts')),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tvmiddleware.client')),
            ],
            options={
                'verbose_name': 'self-service settings',
                'verbose_name_plural': 'self-service settings',
                'constraints': [models.UniqueConstraint(fields=('client',), name='selfservicesettings_one_per_client')],
            },
        ),
        migrations.CreateModel(
            name='VerificationCode',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('purpose', models.CharField(choices=[('reset_password', 'Password reset'), ('phone_change', 'Mobile number change')], max_length=32)),
                ('target', models.CharField(help_text='The address or number the code was sent to.', max_length=254)),
                ('code_hash', models.CharField(max_length=256)),
                ('attempts', models.PositiveIntegerField(default=0)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('expires_at', models.DateTimeField()),
                ('used_at', models.DateTimeField(blank=True, null=True)),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tvmiddleware.client')),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tvmiddleware.customer')),
            ],
            options={
                'ordering': ['-id'],
                'indexes': [models.Index(fields=['client', 'purpose', 'target'], name='verificationcode_lookup')],
                'constraints': [models.CheckConstraint(condition=models.Q(('code_hash', ''), _negated=True), name='verificationcode_hashed')],
            },
        ),
    ]
