"""Every minute, the job sweeper (django-celery-beat schedule): lost messages of queued jobs
are sent again and jobs whose worker stopped are queued again or failed (`portal.jobs`)."""

from django.db import migrations

TASK = "portal.tasks.sweep_jobs"
NAME = "Every minute: send lost background jobs again, recover stopped ones"


def forwards(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    # Expires before the next tick: sweeps never pile up behind a stopped worker.
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": TASK, "interval": every_minute, "expire_seconds": 50}
    )


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0008_exportjob_job_runner_fields"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
