# Merges the audit hash chain (0011-0013) and the version fields of users and sites.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0011_user_and_location_version'),
        ('portal', '0013_audit_chain_schedule'),
    ]

    operations = [
    ]
