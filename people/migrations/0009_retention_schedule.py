"""Retention of closed cases in django-celery-beat's schedule (editable by admins): daily,
anonymise the cases whose period is over; monthly, e-mail the admins the list of the next."""

from django.db import migrations

TASKS = {
    "Daily: anonymise closed cases past their retention period": (
        "people.tasks.anonymise_closed_cases",
        {"minute": "45", "hour": "3", "day_of_month": "*"},
        6 * 3600,
    ),
    "Monthly: e-mail admins the closed cases retention anonymises next": (
        "people.tasks.send_retention_notice",
        {"minute": "0", "hour": "8", "day_of_month": "1"},
        24 * 3600,
    ),
}


def forwards(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, (task, when, expires) in TASKS.items():
        crontab, _ = CrontabSchedule.objects.get_or_create(
            day_of_week="*", month_of_year="*", timezone="Asia/Yangon", **when
        )
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "expire_seconds": expires}
        )


def backwards(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=list(TASKS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0008_retention_hold"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
