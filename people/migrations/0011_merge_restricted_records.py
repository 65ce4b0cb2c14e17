# Merges the restricted records (issue 20) into the people migrations.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0008_person_restricted_access'),
        ('people', '0010_merge_retention'),
    ]

    operations = [
    ]
