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


def test_the_record_keys_of_the_residents_are_read_from_their_index(mae_sot):
    """At a million people, joining the stays to their people's record keys built its hash
    from the people's wide rows (289 MB); the index `person_record_keys` holds the ids and
    keys alone (safe homes 0.6 -> 0.15 s)."""
    StayFactory(home=SafeHomeFactory(location=mae_sot), check_in=date(2025, 8, 1))
    found = joining_people(
        plans(compute_programs.safe_homes, ("seqscan", "indexscan", "bitmapscan"))
    )
    assert found
    for plan in found:
        assert "Index Only Scan using person_record_keys on people_person" in plan, plan


def test_the_distributions_are_read_in_person_order_from_indexes_alone(mae_sot):
    """The assistance section reads the period's distributions person after person from the
    index `distribution_by_person` alone, joins them to their keys in that order from
    `person_record_keys` (no hash of a million people, no sort), and finds the keys that
    several people drew from `person_shared_keys` (at a million people 10.3 -> 2.1 s over
    the 5M distributions since October 2023)."""
    DistributionFactory(person__location=mae_sot, distributed_on=date(2025, 8, 3))
    found = joining_people(
        plans(compute_programs.assistance, ("seqscan", "indexscan", "bitmapscan", "hashagg"))
    )
    assert len(found) == 2
    shared_keys, by_person = found
    assert "Index Only Scan using person_shared_keys on people_person" in shared_keys
    assert "Index Only Scan using distribution_by_person on programs_distribution" in by_person
    assert "Index Only Scan using person_record_keys on people_person" in by_person
    assert "Merge Join" in by_person and "Sort" not in by_person, by_person


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
