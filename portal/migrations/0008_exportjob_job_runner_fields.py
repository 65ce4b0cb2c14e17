"""ExportJob on the core's job runner (`portal.jobs`): the attempt, heartbeat and reason
fields. Existing rows keep their status; a job running now counts as its first attempt and
gets a heartbeat, so the sweeper gives its worker the usual grace before taking it back.
Queued rows keep no `queued_at`: the sweeper sends them again, as their message may be lost.
"""

from django.db import migrations, models
from django.db.models.functions import Greatest
from django.utils import timezone


def running_jobs_get_a_heartbeat(apps, schema_editor):
    ExportJob = apps.get_model("portal", "ExportJob")
    ExportJob.objects.filter(status="running").update(
        heartbeat_at=timezone.now(), attempts=Greatest("attempts", 1)
    )


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0007_export_cleanup_schedule'),
    ]

    operations = [
        migrations.AddField(
            model_name='exportjob',
            name='attempts',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='exportjob',
            name='heartbeat_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='exportjob',
            name='queued_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='exportjob',
            name='reason',
            field=models.CharField(blank=True, choices=[('error', 'The job stopped on an unexpected error.'), ('worker_lost', 'The background worker stopped twice; try again.'), ('too_long', 'The job took longer than it is allowed to; try again with less data.'), ('unavailable', 'The database was unavailable several times; try again.'), ('unreadable', 'The uploaded file could not be read; upload it again.')], max_length=20),
        ),
        migrations.AddField(
            model_name='exportjob',
            name='started_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(running_jobs_get_a_heartbeat, migrations.RunPython.noop),
    ]
