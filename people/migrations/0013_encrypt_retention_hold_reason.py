# The reason a closed case is kept may describe the person: encrypted like every such text.

import portal.fields
from django.db import migrations
from portal.fields import encrypt_existing_values


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0012_merge_encrypted_notes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='retentionhold',
            name='reason',
            field=portal.fields.EncryptedTextField(max_length=300, verbose_name='reason for keeping the case'),
        ),
        encrypt_existing_values("people", {"retentionhold": ["reason"]}),
    ]
