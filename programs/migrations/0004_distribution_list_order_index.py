"""An index in the distribution list's order (issue 8, docs/performance.md)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("programs", "0003_forget_idempotency_keys_schedule")]

    operations = [
        migrations.AddIndex(
            model_name="distribution",
            index=models.Index(fields=["-distributed_on", "-id"], name="distribution_list_order"),
        ),
    ]
