"""Indexes for the people search on PostgreSQL (issue 8, docs/performance.md).

The search matches a typed fragment anywhere in a name (`LIKE '%kyaw%'` on the normalised
name keys, `UPPER(preferred_name) LIKE` for the preferred name), which a B-tree cannot serve:
without these, every search reads the whole people table. With them the three conditions of
the search are answered by a BitmapOr of three GIN index scans.

PostgreSQL only: SQLite (tests, `make run` without DATABASE_URL) migrates without them, so
they are created here rather than declared in the model's Meta.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# name: (method, expression)
INDEXES = {
    "person_name_key_trgm": ("gin", '"name_key" gin_trgm_ops'),
    "person_name_my_key_trgm": ("gin", '"name_my_key" gin_trgm_ops'),
    # The expression Django writes for `preferred_name__icontains`.
    "person_preferred_upper_trgm": ("gin", 'UPPER("preferred_name"::text) gin_trgm_ops'),
    # A case number typed in the search box (`case_number__istartswith`, a prefix match on
    # the upper-cased number): a B-tree range scan instead of reading every row.
    "person_case_number_upper": ("btree", 'UPPER("case_number"::text) text_pattern_ops'),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (method, expression) in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "people_person" USING {method} ({expression})'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]

    operations = [
        # A no-op on other databases.
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
