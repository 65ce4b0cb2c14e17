"""The report schedule in django-celery-beat (admins can edit it in the Django admin):
the previous month's report on the 1st at 02:00, last year's on 1 January at 02:30, the
cumulative report since 27 October 2023 on the 1st at 03:00, and a recovery check every
10 minutes that re-queues lost builds and requests missing reports."""

from django.db import migrations

CRONTAB_TASKS = [
    ("Monthly statistics report (previous month)", "reports.tasks.build_scheduled", '["monthly"]',
     {"minute": "0", "hour": "2", "day_of_month": "1", "month_of_year": "*"}),
    ("Annual statistics report (previous year)", "reports.tasks.build_scheduled", '["annual"]',
     {"minute": "30", "hour": "2", "day_of_month": "1", "month_of_year": "1"}),
    ("Cumulative report since 27 October 2023", "reports.tasks.build_scheduled", '["since_1027"]',
     {"minute": "0", "hour": "3", "day_of_month": "1", "month_of_year": "*"}),
]  # fmt: skip
RECOVERY = "Statistics: re-queue lost or missing report builds"


def forwards(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, args, when in CRONTAB_TASKS:
        crontab, _ = CrontabSchedule.objects.get_or_create(day_of_week="*", timezone="Asia/Yangon", **when)
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "args": args, "crontab": crontab, "expire_seconds": 6 * 3600}
        )
    every_ten_minutes, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=RECOVERY,
        defaults={"task": "reports.tasks.recover_lost_builds", "interval": every_ten_minutes, "expire_seconds": 540},
    )


def backwards(apps, schema_editor):
    names = [name for name, *_ in CRONTAB_TASKS] + [RECOVERY]
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=names).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
