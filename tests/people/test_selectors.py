"""The people selectors and the "current people" rule they share with the API."""

import pytest

from people import selectors
from people.models import Exit, Person
from portal.roles import Role
from tests.conftest import make_user
from tests.people.factories import ExitFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged(person_mae_sot):
    """A second record of `person_mae_sot`, merged into it."""
    return PersonFactory(location=person_mae_sot.location, merged_into=person_mae_sot)


def test_current_people_leave_out_records_merged_into_another(person_mae_sot, merged):
    assert list(Person.objects.current()) == [person_mae_sot]


def test_exits_of_current_people_leave_out_exits_of_merged_records(person_mae_sot, merged):
    kept = ExitFactory(person=person_mae_sot)
    ExitFactory(person=merged)
    assert list(Exit.objects.of_current_people()) == [kept]


def test_screens_and_api_list_the_same_people(
    case_worker_mae_sot, person_mae_sot, person_delhi, merged
):
    on_screen = {person.pk for person in selectors.people_for(case_worker_mae_sot)}
    in_api = {person.pk for person in selectors.people_with_exits_for(case_worker_mae_sot)}
    assert on_screen == in_api == {person_mae_sot.pk}


def test_the_api_selector_gives_every_exit_and_the_latest_exit_date(
    case_worker_mae_sot, person_mae_sot
):
    older = ExitFactory(person=person_mae_sot, exit_date="2024-01-05")
    newer = ExitFactory(person=person_mae_sot, exit_date="2025-03-01")
    (person,) = selectors.people_with_exits_for(case_worker_mae_sot)
    assert person.prefetched_exits == [newer, older]
    assert str(person.exit_date) == "2025-03-01"


def test_case_workers_for_offers_case_workers_and_admins_of_the_sites_by_name(
    mae_sot, new_delhi, case_worker_mae_sot, case_worker_delhi, trainer
):
    admin_at_site = make_user(Role.ADMIN, [mae_sot], email="admin.maesot@example.org",
                              full_name="Aye Aye")  # fmt: skip
    offered = list(selectors.case_workers_for(case_worker_mae_sot))
    assert offered == sorted([admin_at_site, case_worker_mae_sot], key=lambda u: u.full_name)
