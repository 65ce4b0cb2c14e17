# Exits say how they are known (reports: verified and unverified); people get a record key.

import secrets

import people.models
from django.db import migrations, models

BATCH = 2000


def give_each_person_a_key(apps, schema_editor):
    """AddField evaluates a callable default once for all existing rows; every person needs
    a key of their own, drawn at random (the cell-key method of the statistics)."""
    Person = apps.get_model("people", "Person")
    ids = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        keyed = [
            Person(pk=pk, record_key=secrets.randbelow(people.models.RECORD_KEY_RANGE))
            for pk in ids[start : start + BATCH]
        ]
        Person.objects.bulk_update(keyed, ["record_key"])


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0006_importjob_job_runner_fields'),
    ]

    operations = [
        migrations.AddField(
            model_name='exit',
            name='verification',
            field=models.CharField(choices=[('self_reported', 'Self-reported'), ('documented', 'Documented by the organisation'), ('partner_verified', 'Verified by a partner'), ('documents_verified', 'Verified by documents')], default='documented', max_length=20, verbose_name='how the exit is known'),
        ),
        migrations.AddField(
            model_name='person',
            name='record_key',
            field=models.PositiveIntegerField(default=people.models.new_record_key, editable=False),
        ),
        migrations.RunPython(give_each_person_a_key, migrations.RunPython.noop, elidable=True),
    ]
