"""Each programme model through `visible_to`, for each role: one visible and one hidden row."""

import pytest
from django.http import Http404

from people.models import Person
from portal.scoping import get_object_for_user, visible_to
from programs import services
from programs.models import (
    AssistanceType,
    Attendance,
    AttendanceChange,
    Course,
    Distribution,
    Enrolment,
    LivelihoodOutcome,
    SafeHome,
    Stay,
    TrainingSession,
)
from tests.programs.factories import (
    AssistanceTypeFactory,
    CourseFactory,
    DistributionFactory,
    EnrolmentFactory,
    PersonFactory,
    SafeHomeFactory,
    StayFactory,
    TrainingSessionFactory,
)

PERSON_LEVEL = [Enrolment, Attendance, AttendanceChange, LivelihoodOutcome, Distribution, Stay]


@pytest.fixture
def rows(mae_sot, new_delhi, trainer, other_trainer, trainer_delhi, admin_user):
    """A full set of rows for `trainer`'s session at MAE-SOT, a colleague's session at MAE-SOT
    and a session at NEW-DELHI."""
    made = {}
    for key, site, runner, prefix in (
        ("own", mae_sot, trainer, "MS"),
        ("colleague", mae_sot, other_trainer, "MC"),
        ("delhi", new_delhi, trainer_delhi, "ND"),
    ):
        person = PersonFactory(location=site, case_number=f"{prefix}-25-00001")
        session = TrainingSessionFactory(location=site, trainer=runner)
        enrolment = EnrolmentFactory(session=session, person=person)
        services.save_attendance(by=admin_user, session=session, marks={person.pk: "present"})
        services.record_outcome(
            by=admin_user,
            person=person,
            values={"outcome": "employed", "income_band": "basic_needs"},
        )
        made[key] = {
            TrainingSession: session.pk,
            Enrolment: enrolment.pk,
            Attendance: Attendance.objects.get(session=session).pk,
            AttendanceChange: AttendanceChange.objects.get(session=session).pk,
            LivelihoodOutcome: LivelihoodOutcome.objects.get(person=person).pk,
            Distribution: DistributionFactory(person=person).pk,
            SafeHome: (home := SafeHomeFactory(location=site)).pk,
            Stay: StayFactory(person=person, home=home).pk,
        }
    CourseFactory()
    AssistanceTypeFactory()
    return made


def visible(user, model):
    return set(visible_to(user, model.objects.all()).values_list("pk", flat=True))


@pytest.mark.parametrize("model", [TrainingSession, SafeHome, *PERSON_LEVEL])
def test_admin_sees_everything(admin_user, rows, model):
    assert visible(admin_user, model) == {rows[key][model] for key in rows}


@pytest.mark.parametrize("model", [TrainingSession, SafeHome, *PERSON_LEVEL])
def test_case_worker_sees_the_rows_of_their_sites(case_worker_mae_sot, rows, model):
    assert visible(case_worker_mae_sot, model) == {rows["own"][model], rows["colleague"][model]}


@pytest.mark.parametrize("model", [TrainingSession, Enrolment, Attendance, AttendanceChange])
def test_trainer_sees_their_own_sessions_and_participants_only(trainer, rows, model):
    assert visible(trainer, model) == {rows["own"][model]}
    with pytest.raises(Http404):
        get_object_for_user(trainer, model.objects.all(), pk=rows["colleague"][model])


@pytest.mark.parametrize("model", [SafeHome, LivelihoodOutcome, Distribution, Stay])
def test_trainer_sees_no_assistance_homes_or_outcomes(trainer, rows, model):
    assert visible(trainer, model) == set()


@pytest.mark.parametrize("model", [TrainingSession, SafeHome, *PERSON_LEVEL])
def test_analyst_sees_no_person_level_rows(analyst, rows, model):
    assert visible(analyst, model) == set()


@pytest.mark.parametrize("model", [Course, AssistanceType])
def test_reference_data_is_open_to_every_role(
    admin_user, case_worker_mae_sot, trainer, analyst, rows, model
):
    for user in (admin_user, case_worker_mae_sot, trainer, analyst):
        assert visible(user, model) == set(model.objects.values_list("pk", flat=True))


def test_string_forms_carry_no_personal_data(rows):
    names = set(Person.objects.values_list("full_name", flat=True)) | set(
        Person.objects.values_list("preferred_name", flat=True)
    )
    for model in PERSON_LEVEL:
        for obj in model.objects.all():
            assert not any(name and name in str(obj) for name in names), model
