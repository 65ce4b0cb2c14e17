# Merges the confidential feedback (0008) and the status workflow with versions (0008).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0008_feedback_about_staff'),
        ('people', '0008_status_workflow_and_versions'),
    ]

    operations = [
    ]
