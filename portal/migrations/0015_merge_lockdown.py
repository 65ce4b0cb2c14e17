# Merges the lockdown fields (issue 20) into the portal migrations.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0011_lockdown'),
        ('portal', '0014_merge_audit_chain_and_versions'),
    ]

    operations = [
    ]
