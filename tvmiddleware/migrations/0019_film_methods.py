import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tvmiddleware', '0018_login_variants'),
    ]

    operations = [
        migrations.AddField(
            model_name='video',
            name='customers_rating',
            field=models.DecimalField(blank=True, decimal_places=2, editable=False, help_text="Average of the subscribers' ratings (1-10), kept by the rating service.", max_digits=4, null=True),
        ),
        migrations.AddField(
            model_name='video',
            name='customers_rating_count',
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.CreateModel(
            name='VideoRating',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('rating', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(10)])),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('account', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='video_ratings', to='tvmiddleware.account')),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tvmiddleware.client')),
                ('video', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='ratings', to='tvmiddleware.video')),
            ],
            options={
                'ordering': ['-updated_at', '-id'],
                'constraints': [models.UniqueConstraint(fields=('account', 'video'), name='videorating_unique'), models.CheckConstraint(condition=models.Q(('rating__gte', 1), ('rating__lte', 10)), name='videorating_1_to_10')],
            },
        ),
    ]
