"""Free-text notes about a person become encrypted at rest (issue 19): the columns become
EncryptedTextFields and the values already stored are encrypted (decrypted again when the
migration is reversed)."""

import portal.fields
from portal.fields import encrypt_existing_values
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0007_person_record_key_exit_verification'),
    ]

    operations = [
        migrations.AlterField(
            model_name='exit',
            name='place_township',
            field=portal.fields.EncryptedTextField(blank=True, max_length=100, verbose_name='township'),
        ),
        migrations.AlterField(
            model_name='exit',
            name='rank',
            field=portal.fields.EncryptedTextField(blank=True, max_length=60, verbose_name='rank'),
        ),
        migrations.AlterField(
            model_name='flag',
            name='note',
            field=portal.fields.EncryptedTextField(blank=True, max_length=300, verbose_name='note'),
        ),
        migrations.AlterField(
            model_name='flag',
            name='resolution_note',
            field=portal.fields.EncryptedTextField(blank=True, max_length=300, verbose_name='resolution'),
        ),
        migrations.AlterField(
            model_name='followup',
            name='description',
            field=portal.fields.EncryptedTextField(max_length=300, verbose_name='what to do'),
        ),
        migrations.AlterField(
            model_name='referral',
            name='consent_override_reason',
            field=portal.fields.EncryptedTextField(blank=True, max_length=300),
        ),
        migrations.AlterField(
            model_name='referral',
            name='outcome_note',
            field=portal.fields.EncryptedTextField(blank=True, max_length=300, verbose_name='outcome'),
        ),
        migrations.AlterField(
            model_name='transfer',
            name='reason',
            field=portal.fields.EncryptedTextField(max_length=300, verbose_name='reason'),
        ),
        encrypt_existing_values(
            "people",
            {
                "exit": ["place_township", "rank"],
                "flag": ["note", "resolution_note"],
                "followup": ["description"],
                "referral": ["consent_override_reason", "outcome_note"],
                "transfer": ["reason"],
            },
        ),
    ]
