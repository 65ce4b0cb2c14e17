"""The four role groups, the three initial sites and the first data-protection pledge."""

from django.db import migrations

ROLES = ["admin", "case_worker", "trainer", "analyst"]
LOCATIONS = [
    ("MAE-SOT", "Mae Sot (Tak, Thailand)", "border", "Thailand"),
    ("MAE-SARIANG", "Mae Sariang (Mae Hong Son, Thailand)", "border", "Thailand"),
    ("NEW-DELHI", "New Delhi (India)", "new_delhi", "India"),
]
PLEDGE_TEXT = """The people in these records left the armed forces, police or militia of Myanmar. \
Their safety, and their families' safety, depends on what we know about them staying here.

1. I look only at the records I need for my work, and only at the sites I am assigned to.
2. I never copy, photograph, print or forward personal data outside the portal, except \
through its protected exports and when my work requires it.
3. I never write names, phone numbers, units or case details in chats, e-mails or notes \
outside the portal.
4. I keep my password and my second factor to myself and lock my device when I leave it.
5. I report at once any loss of a device, any suspected leak and any request for data from \
someone who should not have it.

I understand that every access to a record is logged."""


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Location = apps.get_model("portal", "Location")
    Pledge = apps.get_model("portal", "Pledge")
    for role in ROLES:
        Group.objects.get_or_create(name=role)
    for code, name, kind, country in LOCATIONS:
        Location.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "country": country}
        )
    if not Pledge.objects.exists():
        Pledge.objects.create(version=1, text=PLEDGE_TEXT)


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()
    apps.get_model("portal", "Location").objects.filter(
        code__in=[code for code, *_ in LOCATIONS], assignments__isnull=True
    ).delete()
    apps.get_model("portal", "Pledge").objects.filter(version=1, acceptances__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
