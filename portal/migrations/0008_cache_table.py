"""The table of the database cache that stands in for Redis when it is unreachable
(`portal.cache.ResilientRedisCache`). Created here, not by a separate `createcachetable`
step, so that `migrate` (make run, make test, CI, production) is all a deployment needs."""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "portal_cache"


def forwards(apps, schema_editor):
    # Django's own table definition; it does nothing when the table already exists.
    command = CreateCacheTable()
    command.verbosity = 0  # set by the command line when the command runs on its own
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def backwards(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [("portal", "0007_export_cleanup_schedule")]

    operations = [migrations.RunPython(forwards, backwards)]
