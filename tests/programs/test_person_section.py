"""The programmes section of a person's page: one selector, a fixed number of queries."""

from django.template.loader import render_to_string
from django.test import RequestFactory

from portal.scoping import forget_active_site_ids
from programs import selectors, services
from tests.programs.factories import (
    AssistanceTypeFactory,
    DistributionFactory,
    EnrolmentFactory,
    StayFactory,
    TrainingSessionFactory,
)


def history_for(person, trainer, size):
    for _ in range(size):
        enrolment = EnrolmentFactory(session=TrainingSessionFactory(trainer=trainer), person=person)
        services.save_attendance(
            by=trainer, session=enrolment.session, marks={person.pk: "present"}
        )
        DistributionFactory(person=person, assistance_type=AssistanceTypeFactory())


def test_person_programs_takes_a_fixed_number_of_queries(
    case_worker_mae_sot, trainer, person_mae_sot, django_assert_num_queries
):
    history_for(person_mae_sot, trainer, 5)
    StayFactory(person=person_mae_sot)
    forget_active_site_ids(case_worker_mae_sot)
    # enrolments with attendance, distributions, stays, livelihood follow-ups (the user's
    # sites are a subquery of each)
    with django_assert_num_queries(4):
        programs = selectors.person_programs(case_worker_mae_sot, person_mae_sot)
        render_to_string(
            "programs/_person_section.html",
            {"person": person_mae_sot, "person_programs": programs},
            request=RequestFactory().get("/"),
        )
    assert len(programs.enrolments) == 5 and programs.sessions_attended == 5
    assert len(programs.distributions) == 5 and programs.current_stay is not None


def test_person_section_lists_training_assistance_and_stays(admin_user, trainer, person_mae_sot):
    history_for(person_mae_sot, trainer, 1)
    stay = StayFactory(person=person_mae_sot)
    html = render_to_string(
        "programs/_person_section.html",
        {
            "person": person_mae_sot,
            "person_programs": selectors.person_programs(admin_user, person_mae_sot),
        },
    )
    assert "Present" in html and "Food basket" in html and stay.home.name in html
    assert "living there now" in html


def test_person_section_shows_the_history_other_sites_recorded(
    case_worker_mae_sot, person_mae_sot, new_delhi
):
    # A distribution recorded at another site (before a transfer here) belongs to the
    # person's history: their current site sees it (issue 19).
    given = DistributionFactory(person=person_mae_sot, location=new_delhi)
    assert selectors.person_programs(case_worker_mae_sot, person_mae_sot).distributions == [given]
