"""Daily: verify the audit log's hash chain and e-mail its head to the admins
(django-celery-beat schedule, editable by admins)."""

from django.db import migrations

TASK = "portal.tasks.verify_audit_chain"
NAME = "Daily: verify the audit log's hash chain, e-mail its head to admins"


def forwards(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="15", hour="4", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="Asia/Yangon",
    )  # fmt: skip
    # Expires long before the next day's run: a missed verification is not piled up.
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": TASK, "crontab": crontab, "expire_seconds": 12 * 3600}
    )


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0012_chain_existing_audit_rows"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
