"""Free-text notes about a person become encrypted at rest (issue 19): the columns become
EncryptedTextFields and the values already stored are encrypted (decrypted again when the
migration is reversed)."""

import portal.fields
from portal.fields import encrypt_existing_values
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('programs', '0004_distribution_list_order_index'),
    ]

    operations = [
        migrations.AlterField(
            model_name='livelihoodoutcome',
            name='business_kind',
            field=portal.fields.EncryptedTextField(blank=True, help_text='For a small business, e.g. tailoring shop, motorbike repair, food stall.', max_length=120, verbose_name='kind of business'),
        ),
        migrations.AlterField(
            model_name='livelihoodoutcome',
            name='notes',
            field=portal.fields.EncryptedTextField(blank=True, max_length=300, verbose_name='notes'),
        ),
        migrations.AlterField(
            model_name='stay',
            name='over_capacity_reason',
            field=portal.fields.EncryptedTextField(blank=True, max_length=300, verbose_name='reason for checking in over capacity'),
        ),
        encrypt_existing_values(
            "programs",
            {
                "livelihoodoutcome": ["business_kind", "notes"],
                "stay": ["over_capacity_reason"],
            },
        ),
    ]
