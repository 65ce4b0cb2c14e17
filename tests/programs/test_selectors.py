"""Reads shared by the training screens and the API: places taken, attendance, sites."""

import pytest

from portal.roles import Role
from portal.selectors import locations_for
from programs import selectors
from programs.models import Attendance, Enrolment, TrainingSession
from tests.conftest import make_user
from tests.programs.factories import EnrolmentFactory, TrainingSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(trainer, mae_sot):
    """A session with two places held (enrolled, completed) and one given up."""
    session = TrainingSessionFactory(trainer=trainer, location=mae_sot)
    for status in (Enrolment.Status.ENROLLED, Enrolment.Status.COMPLETED):
        EnrolmentFactory(session=session, status=status)
    EnrolmentFactory(session=session, status=Enrolment.Status.DROPPED_OUT)
    return session


def test_places_taken_are_the_same_on_the_screen_and_in_the_services(case_worker_mae_sot, session):
    on_screen = selectors.get_session(case_worker_mae_sot, session.pk).taken
    assert on_screen == session.places_taken() == 2


def test_sessions_without_enrolments_have_no_places_taken(case_worker_mae_sot, trainer, mae_sot):
    empty = TrainingSessionFactory(trainer=trainer, location=mae_sot)
    assert TrainingSession.objects.with_places_taken().get(pk=empty.pk).taken == 0


def test_attendance_status_is_what_is_recorded_or_none(session, trainer):
    marked, unmarked, _dropped = Enrolment.objects.filter(session=session).order_by("pk")
    Attendance.objects.create(
        session=session, person=marked.person, status="present", marked_by=trainer
    )
    statuses = dict(
        Enrolment.objects.filter(session=session)
        .with_attendance_status()
        .values_list("pk", "attendance_status")
    )
    assert statuses[marked.pk] == "present" and statuses[unmarked.pk] is None


def test_offline_sessions_give_the_roster_and_the_enrolments_listed(trainer, session):
    offline = selectors.offline_sessions(trainer)
    (item,) = offline.sessions
    holding = Enrolment.objects.filter(session=session).holding_places()
    assert item.session == session and item.can_mark is True
    assert [row.person_id for row in item.roster] == sorted(
        holding.values_list("person_id", flat=True),
        key=lambda pk: holding.get(person_id=pk).person.case_number,
    )
    assert sorted(offline.enrolment_ids) == sorted(holding.values_list("pk", flat=True))
    assert item.roster == selectors.roster(trainer, session)


def test_active_locations_leave_out_closed_sites(mae_sot, mae_sariang):
    mae_sariang.active = False
    mae_sariang.save()
    admin = make_user(Role.ADMIN)
    active = selectors.active_locations_for(admin)
    assert mae_sot in active and mae_sariang not in active
    assert mae_sariang in locations_for(admin)
