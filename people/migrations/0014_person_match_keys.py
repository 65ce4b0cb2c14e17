"""Matching keys (issue 21): the canonical syllables of each name, and the phone hash of the
E.164 form, backfilled in batches; on PostgreSQL a trigram index on the keys.

GiST rather than GIN: the candidate lookup asks for the nearest keys in distance order
(`<->` with a LIMIT), which only a GiST trigram index returns without reading every key
that shares a trigram (GIN answers `%` and LIKE, and both would read a large share of a
million people whose names share a few dozen syllables)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

BATCH = 2000
INDEXES = (
    ("person_match_key_trgm", "match_key"),
    ("person_match_my_key_trgm", "match_my_key"),
)


def backfill(apps, schema_editor):
    # The key functions of today's code: keys are data derived from names, and
    # `rebuild_match_keys` (run by `make run`) recomputes them when the rules change.
    from people import matching  # noqa: PLC0415 - only needed when migrating
    from people.keys import normalise_phone, phone_search_hash  # noqa: PLC0415

    Person = apps.get_model("people", "Person")
    last = 0
    while True:
        batch = list(
            Person.objects.filter(pk__gt=last)
            .select_related("location")
            .only("pk", "full_name", "name_my", "phone", "location__country")
            .order_by("pk")[:BATCH]
        )
        if not batch:
            return
        for person in batch:
            person.match_key = matching.match_key(person.full_name)[:200]
            person.match_my_key = matching.match_key(person.name_my)[:200]
            region = matching.region_for_country(person.location.country)
            phone = normalise_phone(person.phone)
            person.phone_hash = phone_search_hash(phone, region) if phone else ""
        Person.objects.bulk_update(batch, ["match_key", "match_my_key", "phone_hash"])
        last = batch[-1].pk


def create_trigram_indexes(apps, schema_editor):
    # SQLite has no trigram index: there candidates are looked up by exact key and syllable.
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON people_person USING gist ({column} gist_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0013_encrypt_retention_hold_reason"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="match_key",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=200),
        ),
        migrations.AddField(
            model_name="person",
            name="match_my_key",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=200),
        ),
        TrigramExtension(),  # does nothing on other databases than PostgreSQL
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
