"""Small queries that every request makes with the same few values, built by Django once.

A signed-in request reads the user's sites and asks whether they have a second factor: each
a one-row query, whose building and compiling through the ORM took about ten times the
Python its rows did, for the same statement every time (the same user, the same day). A
function decorated with `kept_statement` builds the queryset; the statement Django compiles
for it is kept (an LRU, per database and values) and sent again by `fetch_all`.

Only statements are kept, never rows: every call still reads the database, so a change (an
assignment ended, a site closed, an authenticator removed) shows at the next read. The
values a statement depends on must all be arguments of the decorated function, the database
alias first (the replica router may send reads elsewhere).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import lru_cache, wraps

from django.db import connections
from django.db.models import QuerySet

Statement = tuple[str, str, tuple]  # (database alias, SQL, parameters)


def kept_statement(
    build: Callable[..., QuerySet],
) -> Callable[..., Statement]:
    """`build(alias, *values)` returns a queryset read from `alias`; the decorated function
    returns its statement, compiled once per (alias, *values)."""

    @lru_cache(maxsize=1024)
    @wraps(build)
    def statement(alias: str, *values: Hashable) -> Statement:
        queryset = build(alias, *values)
        sql, params = queryset.query.get_compiler(using=alias).as_sql()
        return alias, sql, tuple(params)

    return statement


def fetch_all(statement: Statement) -> list[tuple]:
    """The rows of a kept statement, read now."""
    alias, sql, params = statement
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
