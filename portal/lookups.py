"""`AnyOf`: a column among a page's ids, as one array parameter on PostgreSQL.

A page of 50 people is read by id (`pk__in`), then their exits or flags by person
(`person_id__in`). Django's `__in` prepares each id through the field (a related field
normalises each one) and writes a placeholder per id, which psycopg then parses one by one:
two lists of 50 ids cost about 1,800 Python calls of an API search, for ids the database
gave the page a moment before. `AnyOf` sends the ids as one array (`= ANY(%s)`, what
PostgreSQL makes of an IN list anyway, with the same index plans); on other databases it is
Django's own `IN` lookup.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import EmptyResultSet
from django.db.models import F, Lookup
from django.db.models.lookups import In


class AnyOf(Lookup):
    """`AnyOf(F("person_id"), ids)` in `filter()`: the column is one of `ids` (integers read
    from the database: they are not prepared by the field)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def __init__(self, lhs, rhs: Iterable[int]) -> None:
        super().__init__(F(lhs) if isinstance(lhs, str) else lhs, [int(value) for value in rhs])

    def as_sql(self, compiler, connection):
        # Django's IN, prepared as Django prepares it.
        return compiler.compile(In(self.lhs, self.rhs))

    def as_postgresql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs_sql} = ANY(%s)", [*lhs_params, self.rhs]
