"""The people API's pages read as plain values, not model objects.

A page of the people API (its list and its search) built 50 people and their exits as model
objects, with Django's prefetch machinery between them: about a quarter of the Python of the
request, for values the serializer reads one by one. As the people list's rows
(`people.list_rows`), the page is read as values: the people's in one query, their exits in a
second (the prefetch's), in the order the serializer shows them (newest exit first). The
values read are the ones the caller's serializer shows, found from its fields, so that a
field added to the serializer is read too; tests/api/test_api_rows.py compares the data with
the model objects' key by key.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.relations import RelatedField

from people.models import Exit, Person
from portal.api.representation import ValuesRow
from portal.lookups import AnyOf


@cache
def reading_plan(serializer_class: type[serializers.ModelSerializer]) -> _Plan | None:
    """The person's values the serializer shows, the source of its nested exits and the
    exits' values (a related record as its id's column: `location_id` for `location`); None
    when a field shows something other than a column (then the page is read as objects)."""
    serializer = serializer_class()
    names, exits_source, exit_names = ["id"], "", ()
    try:
        for field in serializer._readable_fields:
            if isinstance(field, serializers.ListSerializer) and not exits_source:
                # Read from the exits table below: a list of anything else is not a column.
                if getattr(getattr(field.child, "Meta", None), "model", None) is not Exit:
                    raise _NotAColumn(field.field_name)
                exits_source = field.source
                exit_names = tuple(_name(child, Exit) for child in field.child._readable_fields)
            else:
                names.append(_name(field, Person))
    except _NotAColumn:
        return None
    return _Plan(tuple(dict.fromkeys(names)), exits_source, tuple(dict.fromkeys(exit_names)))


@dataclass(frozen=True)
class _Plan:
    names: tuple[str, ...]
    exits_source: str
    exit_names: tuple[str, ...]


class _NotAColumn(Exception):
    pass


def _name(field: serializers.Field, model) -> str:
    if isinstance(field, serializers.BaseSerializer) or "." in field.source or field.source == "*":
        raise _NotAColumn(field.field_name)
    try:
        column = model._meta.get_field(field.source)
    except FieldDoesNotExist:
        raise _NotAColumn(field.field_name) from None
    if not column.concrete:
        raise _NotAColumn(field.field_name)
    return column.attname if isinstance(field, RelatedField) else field.source


def read_people_rows(people: QuerySet[Person], plan: _Plan) -> list[ValuesRow]:
    """The people of `people` (a page of `selectors.people_list_with_exits_for`, scoped and
    narrowed already), in its order, with their exits (newest first, as the prefetch read
    them) under the source the serializer reads them from. The exits are those of the people
    read, as the selector's prefetch read them: the page's scope is theirs."""
    values = people.prefetch_related(None).values_list(*plan.names)
    rows = [ValuesRow(zip(plan.names, row, strict=True)) for row in values]
    if plan.exits_source and rows:
        exits: dict[int, list[ValuesRow]] = defaultdict(list)
        exit_values = Exit.objects.filter(AnyOf("person_id", [row["id"] for row in rows]))
        for row in exit_values.values_list("person_id", *plan.exit_names):
            exits[row[0]].append(ValuesRow(zip(plan.exit_names, row[1:], strict=True)))
        for row in rows:
            row[plan.exits_source] = exits.get(row["id"], [])
    return rows
