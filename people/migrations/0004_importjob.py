"""People imports as background jobs with progress (the import page's upload)."""

import django.db.models.deletion
import django.utils.timezone
import portal.fields
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0003_person_list_order_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ImportJob',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('status', models.CharField(choices=[('queued', 'Waiting'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='queued', max_length=10)),
                ('dry_run', models.BooleanField(default=False)),
                ('file_name', portal.fields.EncryptedTextField()),
                ('rows_total', models.PositiveIntegerField(default=0)),
                ('rows_done', models.PositiveIntegerField(default=0)),
                ('saving', models.BooleanField(default=False)),
                ('report_data', portal.fields.EncryptedTextField(blank=True)),
                ('error', models.CharField(blank=True, max_length=300)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('request_id', models.CharField(blank=True, max_length=64)),
                ('source_ip', models.GenericIPAddressField(blank=True, null=True)),
                ('request_path', models.CharField(blank=True, max_length=300)),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at'],
            },
        ),
    ]
