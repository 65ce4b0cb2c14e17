"""An index in the people list's order (issue 8, docs/performance.md)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("people", "0002_person_search_trigram_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["-created_at", "-id"], name="person_list_order"),
        ),
    ]
