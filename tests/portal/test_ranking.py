"""A ranked list (the closest matches of a search first) read group by group gives exactly
the rows, in exactly the order, of the plain `ORDER BY CASE ...` (portal.ranking)."""

import random
import re

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from people.list_rows import PersonRow, read_list_rows
from people.models import Person
from people.selectors import people_list_for, search_people, search_people_and_references
from portal.pagination import RANKED_READ_LIMIT, BoundedPaginator, bounded_page
from portal.ranking import first_ids, first_rows, ranked
from tests.people.factories import PersonFactory

pytestmark = pytest.mark.django_db

SYLLABLES = ["Aung", "Min", "Kyaw", "Htet", "Thet", "Zaw", "Oo", "Win", "Naing"]


@pytest.fixture
def many_names(mae_sot):
    """70 people with names of one to three syllables from a few, some with a phone, one
    with a reference, created a few seconds apart in a shuffled order."""
    rng = random.Random(21)
    people = []
    for n in range(70):
        name = " ".join(rng.sample(SYLLABLES, rng.randint(1, 3)))
        if n % 9 == 0:
            name = name.replace(" ", "")  # "AungMin": a substring, not a whole syllable
        people.append(
            PersonFactory(
                full_name=name,
                preferred_name="",
                phone="+66907499173" if n % 7 == 0 else "",
                reference="MIN" if n == 5 else "",
                location=mae_sot,
            )
        )
    return people


def _plain(queryset):
    return list(queryset.values_list("pk", flat=True))


@pytest.mark.postgresql
@pytest.mark.parametrize("query", ["Min", "Aung Min", "Kyaw", "Thet", "aungmin", "0907499173"])
def test_first_ids_are_the_plain_ordering(many_names, case_worker_mae_sot, query):
    people = search_people(people_list_for(case_worker_mae_sot), query)
    plain = _plain(people)
    assert plain, "the search should find someone"
    for limit in (1, 2, 5, 17, len(plain) - 1, len(plain), len(plain) + 10):
        if limit >= 1:
            assert first_ids(people, limit) == plain[:limit], (query, limit)


@pytest.mark.postgresql
def test_the_reference_first_and_every_page_as_the_plain_pages(many_names, case_worker_mae_sot):
    people = search_people_and_references(people_list_for(case_worker_mae_sot), "MIN")
    plain = _plain(people)
    assert plain[0] == many_names[5].pk
    for number in range(1, 8):
        paginator = BoundedPaginator(people, 4, number=number)
        page = paginator.page(min(number, paginator.num_pages))
        plain_paginator = BoundedPaginator(people.order_by(*people.query.order_by), 4)
        assert paginator.count == min(len(plain), (number + 4) * 4)
        start = (page.number - 1) * 4
        assert [person.pk for person in page] == plain[start : start + 4]
        assert plain_paginator.count <= len(plain)


@pytest.mark.postgresql
def test_a_condition_that_is_null_counts_as_false(mae_sot):
    """A row whose group condition is NULL (no birth year) falls to a later group, as in CASE."""
    rest = PersonFactory(full_name="Kyaw Oo", birth_year=None, location=mae_sot)
    known = PersonFactory(full_name="Kyaw Win", birth_year=1995, location=mae_sot)
    unknown = PersonFactory(full_name="Kyaw Zaw", birth_year=None, location=mae_sot)
    people = ranked(
        Person.objects.all(), Q(birth_year__gte=1990), Q(full_name__startswith="Kyaw Z")
    )
    assert first_ids(people, 5) == _plain(people) == [known.pk, unknown.pk, rest.pk]


@pytest.mark.postgresql
def test_one_statement_for_the_page_ids(many_names, case_worker_mae_sot):
    people = search_people(people_list_for(case_worker_mae_sot), "Kyaw")
    with CaptureQueriesContext(connection) as queries:
        first_ids(people, 10)
    assert len(queries.captured_queries) == 1


@pytest.mark.postgresql
def test_when_the_groups_fill_the_page_the_rest_is_not_scanned(many_names, case_worker_mae_sot):
    """The rest's part (a name containing "kyaw" only) has a LIMIT of what the groups left to
    fill: 0 here, so PostgreSQL never starts its scan."""
    people = search_people(people_list_for(case_worker_mae_sot), "Kyaw")
    with CaptureQueriesContext(connection) as queries:
        ids = first_ids(people, 3)
    assert ids == _plain(people)[:3]
    statement = queries.captured_queries[0]["sql"].split("; ", 1)[1]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {statement}")
        plan = [row[0] for row in cursor.fetchall()]
    assert any("never executed" in line for line in plan), "\n".join(plan)


def test_lists_that_are_not_ranked_or_not_readable_by_group_are_read_the_plain_way(
    many_names, case_worker_mae_sot
):
    people = search_people(people_list_for(case_worker_mae_sot), "Kyaw")
    # Sorted otherwise since, a condition on another table, or a case number (not ranked).
    assert first_ids(people.order_by("full_name"), 5) is None
    assert first_ids(people.filter(location__active=True), 5) is None
    assert first_ids(people.distinct(), 5) is None  # DISTINCT is not in the WHERE clause
    assert first_ids(search_people(Person.objects.all(), "MS-26"), 5) is None
    if connection.vendor != "postgresql":
        assert first_ids(people, 5) is None  # SQLite: no ORDER BY inside a UNION's parts
    # Either way the paginator gives the plain pages.
    page = BoundedPaginator(people, 3, number=2).page(2)
    assert [person.pk for person in page] == _plain(people)[3:6]


@pytest.mark.postgresql
def test_a_deep_page_is_not_read_into_a_list_of_ids(many_names, case_worker_mae_sot):
    """A page number far down (a hostile or mistyped one) would bring every match's id into
    the process: past RANKED_READ_LIMIT rows the database sorts and counts the plain way."""
    people = search_people(people_list_for(case_worker_mae_sot), "Kyaw")
    deep = RANKED_READ_LIMIT // 2
    paginator = BoundedPaginator(people, 2, number=deep)
    page = paginator.page(paginator.num_pages)
    assert paginator._first_rows is None
    plain = _plain(people)
    assert [person.pk for person in page] == plain[(page.number - 1) * 2 : page.number * 2]
    near = BoundedPaginator(people, 2, number=1)
    near.page(1)
    assert near._first_rows.ids == plain[: near.bound + 1]


@pytest.mark.postgresql
def test_a_page_is_read_under_the_lists_conditions_compiled_once(
    many_names, case_worker_mae_sot, mae_sariang
):
    """The page's rows are read by id under the list's own WHERE clause (the SQL compiled to
    find the ids, not compiled again), in the ranked order; a row that no longer meets the
    conditions by then (moved to another site, restricted) is left out of the page."""
    people = search_people(people_list_for(case_worker_mae_sot), "Kyaw")
    plain = _plain(people)
    found = first_rows(people, 8)
    assert [person.pk for person in found.rows(2, 6)] == plain[2:6]
    with CaptureQueriesContext(connection) as queries:
        list(found.rows(0, 4))
    page_sql = queries.captured_queries[0]["sql"]
    # No ORDER BY of its own (the ranking's CASE): the rows are sorted as the ids are.
    assert not re.search(r"ORDER BY [^()]*$", page_sql), page_sql
    assert page_sql.count("CASE") == found.where[0].count("CASE")
    moved, restricted = plain[0], plain[1]
    Person.objects.filter(pk=moved).update(location=mae_sariang)
    Person.objects.filter(pk=restricted).update(restricted=True)
    assert [person.pk for person in found.rows(0, 4)] == plain[2:4]


def test_a_page_can_be_read_as_rows_of_another_kind(many_names, case_worker_mae_sot):
    """`read` turns the page's queryset into its rows (the people list reads plain values,
    `people.list_rows`): ranked or read the plain way, the page keeps the list's order."""
    people = search_people(people_list_for(case_worker_mae_sot), "Kyaw")
    plain = _plain(people)
    for number in (1, 2):
        page = bounded_page(people, 3, number, read=read_list_rows)
        assert all(isinstance(row, PersonRow) for row in page)
        assert [row.pk for row in page] == plain[(number - 1) * 3 : number * 3]
    sorted_otherwise = people.order_by("full_name", "pk")
    page = bounded_page(sorted_otherwise, 3, 2, read=read_list_rows)
    assert [row.pk for row in page] == _plain(sorted_otherwise)[3:6]


@pytest.mark.postgresql
def test_the_groups_parts_leave_the_search_out(many_names, case_worker_mae_sot):
    """A row in a closest group is a match by construction (`ranked`'s `rest`): only the
    rest's part tests the other matches' condition (a part of a name, `UPPER(...) LIKE`), so
    PostgreSQL plans the groups' parts without it. Same rows, in the same order."""
    people = search_people(people_list_for(case_worker_mae_sot), "Kyaw")
    with CaptureQueriesContext(connection) as queries:
        ids = first_ids(people, 40)
    assert ids == _plain(people)[:40]
    parts = queries.captured_queries[0]["sql"].split(" AS (SELECT * FROM (")[1:]
    assert ["UPPER(" in part for part in parts] == [False, False, True]
    # Without `rest`, every part carries the list's whole condition, as before.
    plain_ranked = ranked(people_list_for(case_worker_mae_sot).filter(full_name__icontains="kyaw"),
                          Q(full_name__istartswith="kyaw"))  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        assert first_ids(plain_ranked, 40) == _plain(plain_ranked)[:40]
    parts = queries.captured_queries[0]["sql"].split(" AS (SELECT * FROM (")[1:]
    assert all("%kyaw%" in part.lower() for part in parts)


@pytest.mark.postgresql
def test_a_ranked_search_ranked_again_keeps_the_search(many_names, case_worker_mae_sot):
    """Only the condition of the ranking in force is left out of its groups' parts: a search
    ranked again by other groups (which do not imply the search) still reads matches only."""
    people = search_people(people_list_for(case_worker_mae_sot), "Kyaw").order_by(
        "-created_at", "-id"
    )
    again = ranked(people, Q(full_name__istartswith="Aung"), Q(full_name__icontains="Min"))
    plain = _plain(again)
    assert plain and all(
        "kyaw" in name.lower() for name in again.values_list("full_name", flat=True)
    )
    assert first_ids(again, len(plain) + 5) == plain
    twice = ranked(people, Q(full_name__istartswith="Aung"), rest=Q(full_name__icontains="Min"))
    assert first_ids(twice, 50) == _plain(twice)


@pytest.mark.postgresql
def test_the_groups_are_compiled_as_the_ranking_holds_them(
    many_names, case_worker_mae_sot, monkeypatch
):
    """The groups' conditions are the ones the ranking's CASE already built against the list's
    query: compiled for the statement, never built again from their Q objects."""
    from django.db.models.sql.query import Query  # noqa: PLC0415

    people = search_people_and_references(people_list_for(case_worker_mae_sot), "Aung Min")
    built = []
    build_filter = Query.build_filter
    monkeypatch.setattr(
        Query,
        "build_filter",
        lambda *args, **kwargs: built.append(1) or build_filter(*args, **kwargs),
    )
    ids = first_ids(people, 40)
    assert built == []
    monkeypatch.undo()
    assert ids == _plain(people)[:40]


def test_each_group_is_built_once_for_the_order_and_the_lists_condition(
    case_worker_mae_sot, monkeypatch
):
    """A search's groups are built once, against the list's query, and serve both the
    ranking's CASE and the list's condition (the groups or the rest)."""
    from django.db.models.sql.query import Query  # noqa: PLC0415

    people = people_list_for(case_worker_mae_sot)
    groups = (Q(full_name__istartswith="Aung"), Q(full_name__icontains="Aung Min"))
    rest = Q(preferred_name__icontains="Aung")
    built = []
    build_filter = Query.build_filter

    def counted(query, filter_expr, *args, **kwargs):
        if isinstance(filter_expr, tuple):
            built.append(filter_expr[0])
        return build_filter(query, filter_expr, *args, **kwargs)

    monkeypatch.setattr(Query, "build_filter", counted)
    listed = ranked(people, *groups, rest=rest)
    assert sorted(built) == ["full_name__icontains", "full_name__istartswith"] + [
        "preferred_name__icontains"
    ]
    monkeypatch.undo()
    # ...and are not copied either: the list's condition holds the CASE's own conditions.
    among = next(
        c.lhs
        for c in listed.query.where.children
        if getattr(c, "lhs", None) is not None and type(c.lhs).__name__ == "_Among"
    )
    cases = listed.query.annotations["closeness_rank"].cases
    assert all(
        a is when.condition for a, when in zip(among.expression.children[1:], cases, strict=True)
    )
    plain = people.filter(rest | groups[0] | groups[1])
    assert sorted(listed.values_list("pk", flat=True)) == sorted(plain.values_list("pk", flat=True))
