# Merges the encryption of personal notes and the record versions.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('programs', '0005_encrypt_personal_notes'),
        ('programs', '0005_record_versions'),
    ]

    operations = [
    ]
