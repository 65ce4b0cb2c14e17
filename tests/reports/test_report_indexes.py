"""The indexes that a report build's long queries read at a million people (PostgreSQL).

Each test runs a section, takes its queries and asks PostgreSQL's planner for their plans with
table scans turned off (and index scans, which also count against an index-only scan, where
the tables have other indexes to use): a query the index cannot answer names another plan.
(The figures these queries give are tested with the sections.)
"""

from datetime import date

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from programs.models import Enrolment
from reports import compute_programs
from reports.periods import parse
from tests.programs.factories import (
    DistributionFactory,
    EnrolmentFactory,
    SafeHomeFactory,
    StayFactory,
)

# VACUUM (outside a transaction) marks the tables' pages all-visible, as autovacuum keeps a
# large table's: the planner costs an index-only scan by the pages it would still visit.
pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AUGUST = parse("monthly", "2025-08")


def plans(section, turned_off: tuple[str, ...]) -> list[str]:
    """The plan of each of `section`'s queries over August 2025 with `turned_off` plans off."""
    with CaptureQueriesContext(connection) as queries:
        section(AUGUST)
    found = []
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    with transaction.atomic(), connection.cursor() as cursor:
        for plan in turned_off:
            cursor.execute(f"SET LOCAL enable_{plan} = off")
        for query in queries.captured_queries:
            cursor.execute(f"EXPLAIN {query['sql']}")
            found.append("\n".join(row[0] for row in cursor.fetchall()))
    return found


def joining_people(found: list[str]) -> list[str]:
    return [plan for plan in found if "people_person" in plan]


@pytest.mark.parametrize(
    "section", [compute_programs.assistance, compute_programs.safe_homes], ids=lambda s: s.__name__
)
def test_the_record_keys_of_a_sections_people_are_read_from_their_index(section, mae_sot):
    """At a million people, joining the year's distributions to their people's record keys
    built its hash from the people's wide rows (289 MB); the index `person_record_keys` holds
    the ids and keys alone (the annual report 6.3 -> 5.4 s, safe homes 0.6 -> 0.15 s)."""
    DistributionFactory(person__location=mae_sot, distributed_on=date(2025, 8, 3))
    StayFactory(home=SafeHomeFactory(location=mae_sot), check_in=date(2025, 8, 1))
    found = joining_people(plans(section, ("seqscan", "indexscan", "bitmapscan")))
    assert found
    for plan in found:
        assert "Index Only Scan using person_record_keys on people_person" in plan, plan


def test_completions_are_read_from_their_partial_index(mae_sot):
    """The period's completed enrolments among millions (11M at a million people, a 0.37 s
    scan) with their people, from the partial index `enrolment_completions` alone."""
    EnrolmentFactory(
        status=Enrolment.Status.COMPLETED,
        completed_on=date(2025, 8, 20),
        session__location=mae_sot,
    )
    found = [
        plan
        for plan in plans(compute_programs.training, ("seqscan", "bitmapscan"))
        if "programs_enrolment" in plan
    ]
    assert len(found) == 1
    assert "Index Only Scan using enrolment_completions on programs_enrolment" in found[0], found[0]
    assert "person_record_keys" in found[0]
