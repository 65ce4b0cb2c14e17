"""Each site's time zone (issue 22): existing sites get theirs from their country."""

from django.db import migrations, models

import portal.zone_names

# Sites so far ran on the server's Asia/Yangon: those in Thailand and India did not.
ZONE_BY_COUNTRY = {"thailand": "Asia/Bangkok", "india": "Asia/Kolkata"}
FALLBACK_ZONE = "Asia/Yangon"


def set_zones_from_country(apps, schema_editor):
    Location = apps.get_model("portal", "Location")
    for location in Location.objects.all():
        zone = ZONE_BY_COUNTRY.get(location.country.strip().lower(), FALLBACK_ZONE)
        Location.objects.filter(pk=location.pk).update(time_zone=zone)


def back_to_yangon(apps, schema_editor):
    # The column is dropped on the way back; nothing to undo in the rows.
    pass


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0015_merge_lockdown"),
    ]

    operations = [
        migrations.AddField(
            model_name="location",
            name="time_zone",
            field=models.CharField(
                default=portal.zone_names.default_site_zone,
                help_text="The IANA name of the site's time zone, e.g. Asia/Bangkok.",
                max_length=64,
                validators=[portal.zone_names.validate_time_zone],
                verbose_name="time zone",
            ),
        ),
        migrations.RunPython(set_zones_from_country, back_to_yangon),
    ]
