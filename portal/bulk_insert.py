"""Insert many new rows of a model at once: COPY on PostgreSQL, `bulk_create` elsewhere.

A large import spends most of its time in Django's `bulk_create` on PostgreSQL: building a
model instance per row, preparing every field of every instance through the SQL compiler,
and psycopg splitting a multi-row INSERT of tens of thousands of parameters. `BulkInserter`
writes the same rows with COPY: the values the caller gives (by attribute name: `person_id`,
not `person`) are prepared by their own field (`get_db_prep_save`: an encrypted field
encrypts as it always does), the other fields take the defaults a new instance would have
(a callable default is called for each row; a database default is written as its literal);
`auto_now` fields get the time of their row, as `bulk_create` gives them. The ids come from the
table's sequence, claimed in one query (COPY returns nothing).

No signal is sent and `save()` is not called, as with `bulk_create`. Use inside a
transaction: a failure part way leaves rows written that only its rollback removes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from types import SimpleNamespace
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.expressions import DatabaseDefault, Value


class BulkInserter:
    """Inserts rows of `model` given as {attribute name: value}."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        meta = model._meta
        # The connection itself, not the `django.db.connection` proxy, which looks it up at
        # every use (hundreds of thousands of times in a large import).
        connection = self.connection = connections[DEFAULT_DB_ALIAS]
        self.postgres = connection.vendor == "postgresql"
        self.fields = [
            field
            for field in meta.concrete_fields
            if not field.primary_key and not getattr(field, "generated", False)
        ]
        # Fields of Django's own classes (no subclass: an encrypted field is not one) with the
        # type of value that is its own database value (their preparation returns it as it is).
        self.as_is = {
            field.attname: _unchanged_type(field)
            for field in self.fields
            if _unchanged_type(field) is not None
        }
        # A value a row does not give, computed once per field: (constant, prepared) or
        # (None, a function that makes the value of one row).
        self.defaults: dict[str, tuple[Any, Any]] = {}
        # `auto_now` / `auto_now_add` fields: their own time even when a row gives a value, as
        # their `pre_save` does with bulk_create.
        self.stamped: set[str] = set()
        for field in self.fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                self.stamped.add(field.attname)
                self.defaults[field.attname] = (None, _pre_save_of(field))
            elif field.has_default() and callable(field.default):
                self.defaults[field.attname] = (None, field.get_default)
            else:
                default = field.get_default()
                if isinstance(default, DatabaseDefault):
                    default = _database_default(field)
                self.defaults[field.attname] = (
                    field.get_db_prep_save(default, connection),
                    None,
                )
        quote = connection.ops.quote_name
        self.table = quote(meta.db_table)
        self.pk_column = meta.pk.column
        names = ", ".join(quote(column) for column in [meta.pk.column, *self._columns()])
        self.copy_sql = f"COPY {self.table} ({names}) FROM STDIN"

    def _columns(self) -> list[str]:
        return [field.column for field in self.fields]

    def insert(self, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """Insert `rows`; their ids, in the same order."""
        if not rows:
            return []
        if not self.postgres:
            instances = [self.model(**row) for row in rows]
            self.model.objects.bulk_create(instances, batch_size=len(instances))
            return [instance.pk for instance in instances]
        ids = self._claim_ids(len(rows))
        # COPY goes around Django's cursor wrapper: its errors are turned into Django's here
        # (an IntegrityError for a unique value taken, a DataError for a value refused).
        with (
            self.connection.wrap_database_errors,
            self.connection.cursor() as cursor,
            cursor.copy(self.copy_sql) as copy,
        ):
            for pk, row in zip(ids, rows, strict=True):
                copy.write_row([pk, *self._values(row)])
        return ids

    def _values(self, row: Mapping[str, Any]) -> list[Any]:
        connection, defaults, as_is = self.connection, self.defaults, self.as_is
        values = []
        for field in self.fields:
            name = field.attname
            if name in row and name not in self.stamped:
                value = row[name]
                if type(value) is as_is.get(name):
                    values.append(value)
                else:
                    values.append(field.get_db_prep_save(value, connection))
                continue
            constant, make = defaults[name]
            values.append(constant if make is None else field.get_db_prep_save(make(), connection))
        return values

    def _claim_ids(self, count: int) -> list[int]:
        """`count` ids from the table's sequence (not necessarily consecutive)."""
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [self.table, self.pk_column, count],
            )
            return [pk for (pk,) in cursor.fetchall()]


# Django's field classes whose preparation (to_python, get_prep_value, the PostgreSQL
# adaptation) returns a value of this exact type unchanged.
UNCHANGED_TYPES: dict[type[models.Field], type] = {
    models.CharField: str,
    models.IntegerField: int,
    models.SmallIntegerField: int,
    models.BigIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.BooleanField: bool,
    models.DateField: date,
}


def _unchanged_type(field: models.Field) -> type | None:
    if isinstance(field, models.ForeignKey):
        # The id of the row it points to, prepared by the target field.
        target = field.target_field
        if type(target) in (models.AutoField, models.BigAutoField):
            return int
        return None
    return UNCHANGED_TYPES.get(type(field))


def _pre_save_of(field: models.Field):
    """The value an `auto_now` / `auto_now_add` field gives a new row, from its own
    `pre_save` (which sets it on the object it is given: here a throwaway one)."""

    def make() -> Any:
        return field.pre_save(SimpleNamespace(), add=True)

    return make


def _database_default(field: models.Field) -> Any:
    """The literal of a field's database default (what the database would write)."""
    expression = field._db_default_expression  # db_default as Django wraps it: Value(...)
    if not isinstance(expression, Value):
        raise ValueError(f"{field}: only a literal database default can be written by COPY.")
    return expression.value
