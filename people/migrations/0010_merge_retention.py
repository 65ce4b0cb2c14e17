# Merges the retention holds (0008-0009) and the feedback/workflow branch (0008-0009).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0009_merge_feedback_about_staff_and_workflow'),
        ('people', '0009_retention_schedule'),
    ]

    operations = [
    ]
