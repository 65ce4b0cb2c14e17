"""`portal.lookups.AnyOf`: the same rows as Django's `__in`, one array parameter on PostgreSQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from people.models import Exit, Person
from portal.lookups import AnyOf
from tests.people.factories import ExitFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(mae_sot):
    people = [PersonFactory(location=mae_sot) for _ in range(5)]
    for person in people[:3]:
        ExitFactory(person=person)
    return people


def test_the_same_rows_as_djangos_in(people):
    ids = [people[4].pk, people[0].pk, people[2].pk, 10**9]
    assert set(Person.objects.filter(AnyOf("pk", ids))) == set(Person.objects.filter(pk__in=ids))
    assert sorted(Exit.objects.filter(AnyOf("person_id", ids)).values_list("pk", flat=True)) == (
        sorted(Exit.objects.filter(person_id__in=ids).values_list("pk", flat=True))
    )
    both = Person.objects.filter(AnyOf("pk", ids), AnyOf("pk", [people[0].pk]))
    assert list(both) == [people[0]]


def test_no_ids_no_rows_and_no_query(people, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert list(Person.objects.filter(AnyOf("pk", []))) == []


def test_the_ids_are_one_parameter_on_postgresql(people):
    ids = [person.pk for person in people]
    with CaptureQueriesContext(connection) as queries:
        list(Person.objects.filter(AnyOf("pk", ids)))
    sql = queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and " IN (" not in sql
    else:
        assert " IN (" in sql


def test_ids_are_integers():
    with pytest.raises(ValueError):
        AnyOf("pk", ["1; DROP TABLE people_person"])
