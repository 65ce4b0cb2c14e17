"""Lists in order of closeness: the rows meeting a first condition, then those meeting a
second, and so on, then the rest; each group in the list's usual order.

The plain way, `ORDER BY CASE ... END, created_at DESC LIMIT 50`, makes the database find and
sort every match before it can give the first page: a broad search over a large table ("kyaw"
matches one person in eight) then reads the whole table, whatever the page. So the first rows
of a ranked list are read group by group (`first_ids`), in one statement on PostgreSQL:

- each group in the list's usual order, which the database reads from the index of that order
  until it has enough rows (or, for a rare name, from the search's own indexes);
- each group, and the rest, only for as many rows as the groups before it left to fill (a
  LIMIT that counts their rows): when the exact name fills most of the page, the walk for
  the next group stops after a few rows, and the rest is not scanned at all when the groups
  fill it (a LIMIT of 0);
- the groups joined with UNION ALL, sorted by group and usual order, cut at the limit.

The statement is assembled from the list's own WHERE clause, compiled once by Django (the
scope, the search and the filters), instead of being built as nested querysets: Django took
longer to build and compile the five querysets than PostgreSQL took to run them.

Databases without ORDER BY and LIMIT inside a UNION's parts (SQLite) read the list the plain
way: slower on large tables, the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import count

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    IntegerField,
    Lookup,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.sql.where import AND, OR, WhereNode

from portal.lookups import AnyOf

RANK = "closeness_rank"


_rankings = count()


class _Among(ExpressionWrapper):
    """The condition that picks a ranked list's rows (`ranked(..., rest=...)`): its groups or
    the rest. Marked with its ranking, so that `first_rows` can find it among the list's
    conditions, and only while that ranking is the list's order (a list ranked again by other
    groups keeps it whole: those groups do not imply it)."""

    def __init__(self, condition: Q | WhereNode, ranking: int):
        super().__init__(condition, output_field=BooleanField())
        self.ranking = ranking


class _Built(WhereNode):
    """Conditions already built against the list's query (the ranking's groups and the
    rest): built again, Django would copy every column and condition of them for nothing."""

    resolved = True

    def resolve_expression(self, *args, **kwargs) -> _Built:
        return self


class _Rank(Case):
    """`ranked`'s order; `ranking` names the `_Among` condition it came with (None: none)."""

    ranking: int | None = None


def ranked(queryset: QuerySet, *groups: Q, rest: Q | None = None) -> QuerySet:
    """`queryset` in order of the first of `groups` each row meets (rows meeting none last),
    then in its usual order. The groups are conditions on the model's own columns.

    With `rest`, the list is the rows of `queryset` meeting a group or `rest` (a search: its
    closest matches as groups, its other matches as the rest). A row in a group then meets the
    list's condition by construction, so the read of a group's first rows need not test it
    again: the database plans the group's part without it (`first_rows`)."""
    rank = _Rank(
        *(When(group, then=Value(place)) for place, group in enumerate(groups)),
        default=Value(len(groups)),
        output_field=IntegerField(),
    )
    usual = queryset.query.order_by or queryset.model._meta.ordering
    queryset = queryset.alias(**{RANK: rank})
    if rest is not None:
        # The list's condition is the groups as the CASE now holds them (built once against
        # the list's query: building each group twice was a tenth of a search's Python) or
        # the rest, built here.
        ranking = next(_rankings)
        resolved = queryset.query.annotations[RANK]
        resolved.ranking = ranking
        either = _Built(
            [rest.resolve_expression(queryset.query), *(when.condition for when in resolved.cases)],
            connector=OR,
        )
        queryset = queryset.filter(_Among(either, ranking))
    return queryset.order_by(RANK, *usual)


def _groups_and_usual_order(queryset: QuerySet) -> tuple[list[WhereNode], list[str]] | None:
    """The groups (built against the list's query, as its CASE holds them) and the usual
    order of a list made by `ranked` and still in its order (None: another list, or one
    sorted otherwise since)."""
    rank = queryset.query.annotations.get(RANK)
    order = list(queryset.query.order_by)
    if not isinstance(rank, _Rank) or order[:1] != [RANK]:
        return None
    usual = order[1:]
    if not all(isinstance(field, str) and "__" not in field for field in usual):
        return None
    return [when.condition for when in rank.cases], usual


def _wheres(
    queryset: QuerySet, ranking: int | None
) -> tuple[tuple[str, list] | None, tuple[str, list] | None]:
    """The WHERE clause of `queryset` as SQL and parameters, if it reads the model's table
    alone (None if it joins another: its conditions would name a table the statement lacks),
    and the same clause without the condition that `ranked(..., rest=...)` added with
    `ranking` (None when there is no such condition among the ones that must all hold, e.g.
    after an `|`). Each condition is compiled once for both."""
    query = queryset.order_by().values("pk").query
    # What lives outside the WHERE clause (grouping and HAVING, DISTINCT, a slice, a UNION,
    # extra tables) would be lost: such a list is read the plain way.
    if (
        query.group_by is not None
        or query.distinct
        or query.combinator
        or query.is_sliced
        or query.extra_tables
        or query.where.contains_aggregate
        or query.where.contains_over_clause
    ):
        return None, None
    # Joins set up for `select_related` stay in the alias map, unused (no reference).
    if any(count for alias, count in query.alias_refcount.items() if alias != query.base_table):
        return None, None
    compiler = query.get_compiler(queryset.db)
    where = query.where
    splits = ranking is not None and where.connector == AND and not where.negated
    among = [_is_among(child, ranking) for child in where.children] if splits else []
    if among.count(True) != 1:
        return _compiled(compiler, where), None
    # As `WhereNode.as_sql` joins the conditions that must all hold: one that holds for no
    # row makes the clause false, one that holds for every row is left out.
    compiled = []
    for child, is_among in zip(where.children, among, strict=True):
        try:
            sql, params = compiler.compile(child)
        except EmptyResultSet:
            return ("FALSE", []), ("FALSE", [])
        except FullResultSet:
            continue
        compiled.append((is_among, sql, list(params)))
    return _joined(compiled), _joined([part for part in compiled if not part[0]])


def _compiled(compiler, where: WhereNode) -> tuple[str, list]:
    try:
        sql, params = compiler.compile(where)
    except EmptyResultSet:  # e.g. `pk__in=[]`
        return "FALSE", []
    except FullResultSet:  # no condition
        return "TRUE", []
    return sql, list(params)


def _joined(conditions: list[tuple[bool, str, list]]) -> tuple[str, list]:
    """Conditions that must all hold, as one."""
    if not conditions:
        return "TRUE", []
    return (
        "(" + " AND ".join(sql for _, sql, _ in conditions) + ")",
        [param for _, _, params in conditions for param in params],
    )


def _is_among(condition, ranking: int) -> bool:
    return (
        isinstance(condition, Lookup)
        and isinstance(condition.lhs, _Among)
        and condition.lhs.ranking == ranking
    )


def _order_sql(queryset: QuerySet, usual: list[str], quote) -> tuple[str, str]:
    """The usual order's columns (to select) and its ORDER BY (on those columns' names)."""
    opts = queryset.model._meta
    names, terms = [], []
    for field in usual:
        name = (
            opts.get_field(field.lstrip("-")).column
            if field.lstrip("-") != "pk"
            else opts.pk.column
        )
        names.append(quote(name))
        terms.append(f"{quote(name)} {'DESC' if field.startswith('-') else 'ASC'}")
    pk = quote(opts.pk.column)
    if pk not in names:
        names.append(pk)
        terms.append(f"{pk} ASC")
    return ", ".join(dict.fromkeys(names)), ", ".join(terms)


@dataclass(frozen=True)
class FirstRows:
    """The first rows of a ranked list: their primary keys in order, and the list's WHERE
    clause as compiled to find them."""

    queryset: QuerySet
    ids: list
    where: tuple[str, list]

    def rows(self, bottom: int, top: int, read: Callable[[QuerySet], Iterable] = list) -> list:
        """The rows of `ids[bottom:top]` (a page), in order: read by primary key under the
        list's own conditions again (scope, search, filters: a row changed since is left out),
        reusing their compiled SQL instead of compiling them, and the ranking's CASE, again
        (a third of the time Django spent on a search page); sorted here, as the ids are.
        `read` turns the page's queryset into rows that have a `pk` (model objects by
        default)."""
        ids = self.ids[bottom:top]
        queryset = self.queryset.order_by()
        queryset.query.where = WhereNode()
        sql, params = self.where
        # SQL compiled by Django from the list's own conditions, its parameters kept apart.
        conditions = RawSQL(f"({sql})", params, output_field=BooleanField())  # noqa: S611  # nosec B611
        position = {pk: place for place, pk in enumerate(ids)}
        rows = read(queryset.filter(conditions, AnyOf("pk", ids)))
        return sorted(rows, key=lambda row: position[row.pk])


def first_ids(queryset: QuerySet, limit: int) -> list | None:
    """The primary keys of the first `limit` rows of a ranked list (`ranked`), in order, read
    group by group in one statement; None when the list is not ranked, or the database or the
    list's conditions do not allow it (then read it the plain way)."""
    found = first_rows(queryset, limit)
    return found.ids if found is not None else None


def first_rows(queryset: QuerySet, limit: int) -> FirstRows | None:
    """`first_ids`, with what it takes to read their rows (`FirstRows.rows`)."""
    found = _groups_and_usual_order(queryset)
    connection = connections[queryset.db]
    if found is None or limit < 1 or not connection.features.supports_slicing_ordering_in_compound:
        return None
    groups, usual = found
    if not groups:
        return None
    # A row in a group meets the list's search by construction (`ranked`'s `rest`): the
    # groups' parts leave it out, and PostgreSQL plans each part without its conditions
    # (2.4 -> 1.5 ms of planning for the bench's search). The rest's part keeps it.
    base, outside = _wheres(queryset, queryset.query.annotations[RANK].ranking)
    if base is None:
        return None
    outside = outside or base
    # The groups as the ranking's CASE holds them, already built against the list's query
    # (which joins no other table, or `base` would be None): compiled, not built again from
    # their Q objects (a third of the time this function spent in Python).
    compiler = queryset.query.get_compiler(queryset.db)
    conditions = [_compiled(compiler, group) for group in groups]
    quote = connection.ops.quote_name
    table = quote(queryset.model._meta.db_table)
    columns, order = _order_sql(queryset, usual, quote)

    # Every piece below is SQL compiled by Django (or a name quoted by it) with its
    # parameters kept apart; nothing typed by a user is written into the text.
    def part(
        place: int, condition: str, params: list, within: tuple[str, list]
    ) -> tuple[str, list]:
        """The group's first `limit` rows in the usual order, of which only as many are read
        as the earlier groups left to fill: the outer LIMIT counts their rows (CTEs read
        once), and stops the walk of the usual order's index there. The inner LIMIT is a
        constant, so that the group's plan is chosen for `limit` rows as before."""
        where, where_params = within
        still_needed = "".join(
            f" - (SELECT COUNT(*) FROM ranked_{j})"  # noqa: S608  # nosec B608
            for j in range(place)
        )
        sql = (
            f"ranked_{place} AS (SELECT * FROM ("  # noqa: S608  # nosec B608
            f"SELECT {place} AS ranked_group, {columns} FROM {table} "
            f"WHERE ({where}) AND {condition} ORDER BY {order} LIMIT {limit:d}"
            f") AS first_rows LIMIT GREATEST({limit:d}{still_needed}, 0))"
        )
        return sql, [*where_params, *params]

    parts, earlier, earlier_params = [], [], []
    for place, (condition, params) in enumerate(conditions):
        # A row belongs to the first group whose condition is true (as in `ranked`'s CASE:
        # a condition that is NULL counts as false).
        not_earlier = "".join(f" AND ({sql}) IS NOT TRUE" for sql in earlier)
        parts.append(
            part(place, f"({condition}){not_earlier}", [*params, *earlier_params], outside)
        )
        earlier.append(condition)
        earlier_params += params
    # The rest (a row in no group) last: when the groups fill the page, its LIMIT is 0 and
    # PostgreSQL does not start its scan.
    in_groups = " OR ".join(f"({sql})" for sql in earlier)
    parts.append(part(len(conditions), f"({in_groups}) IS NOT TRUE", earlier_params, base))
    pk = quote(queryset.model._meta.pk.column)
    every_part = " UNION ALL ".join(
        f"SELECT * FROM ranked_{place}"  # noqa: S608  # nosec B608
        for place in range(len(parts))
    )
    sql = (
        f"WITH {', '.join(sql for sql, _ in parts)} "  # noqa: S608  # nosec B608
        f"SELECT {pk} FROM ({every_part}) AS ranked "
        f"ORDER BY ranked_group, {order} LIMIT {limit:d}"
    )
    params = [param for _, part_params in parts for param in part_params]
    with connection.cursor() as cursor:
        if _one_statement_per_execute(connection):
            cursor.execute(sql, params)
        else:
            cursor.execute(f"{SERIAL_PLAN}; {sql}", params)
            cursor.nextset()
        ids = [row[0] for row in cursor.fetchall()]
    return FirstRows(queryset, ids, base)


# A page needs a few hundred rows read in index order: PostgreSQL's parallel workers cost more
# to start (10-20 ms) than they save there, yet the planner chose them for the group read at
# 100,000 people. Off for the rest of the request's transaction only (`is_local`): the request
# reads pages, it does not scan tables.
SERIAL_PLAN = "SELECT set_config('max_parallel_workers_per_gather', '0', true)"


def _one_statement_per_execute(connection) -> bool:
    """Whether statements are bound on the server (psycopg's server-side binding), which
    takes one statement per call; Django binds on the client by default."""
    return connection.vendor != "postgresql" or bool(
        connection.settings_dict.get("OPTIONS", {}).get("server_side_binding")
    )
