from django.core.validators import RegexValidator
from django.db import migrations, models

PREFIXES = {"MAE-SOT": "MS", "MAE-SARIANG": "MSR", "NEW-DELHI": "ND"}


def set_prefixes(apps, schema_editor):
    Location = apps.get_model("portal", "Location")
    for number, location in enumerate(Location.objects.order_by("pk")):
        location.case_prefix = PREFIXES.get(location.code, f"S{number:02d}"[:4].upper().replace("0", "A"))
        location.save(update_fields=["case_prefix"])


class Migration(migrations.Migration):
    dependencies = [("portal", "0004_housekeeping_schedule")]

    operations = [
        migrations.AddField(
            model_name="location",
            name="case_prefix",
            field=models.CharField(max_length=4, null=True, verbose_name="case number prefix"),
        ),
        migrations.RunPython(set_prefixes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="location",
            name="case_prefix",
            field=models.CharField(
                help_text="Two to four capital letters that start this site's case numbers, e.g. MS.",
                max_length=4,
                unique=True,
                validators=[RegexValidator("^[A-Z]{2,4}$", "Use two to four capital letters.")],
                verbose_name="case number prefix",
            ),
        ),
    ]
