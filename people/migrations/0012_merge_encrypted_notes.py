# Merges the encryption of personal notes into the people migrations.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0008_encrypt_personal_notes'),
        ('people', '0011_merge_restricted_records'),
    ]

    operations = [
    ]
