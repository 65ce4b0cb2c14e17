"""Sessions, enrolment with capacity, completion and livelihood follow-ups."""

from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEvent
from programs import services
from programs.models import Enrolment, LivelihoodOutcome, TrainingSession
from tests.factories import saved_version
from tests.programs.conftest import (
    check_offers_the_50_most_recent,
    check_search_finds_beyond_the_first_50,
    check_search_in_the_url_is_not_run,
    check_shown_again_with_the_choices,
    search,
)
from tests.programs.factories import (
    CourseFactory,
    EnrolmentFactory,
    PersonFactory,
    TrainingSessionFactory,
)


@pytest.fixture
def session(trainer):
    return TrainingSessionFactory(trainer=trainer, capacity=2)


# --- Capacity ---------------------------------------------------------------------------------


def test_case_worker_enrols_people_of_their_site(client, signed_in, case_worker_mae_sot, session):
    people = PersonFactory.create_batch(2)
    signed_in(case_worker_mae_sot)
    response = client.post(
        reverse("programs:session_enrol", args=[session.pk]), {"people": [p.pk for p in people]}
    )
    assert response.status_code == 302
    assert set(session.enrolments.values_list("person_id", flat=True)) == {p.pk for p in people}
    assert AuditEvent.objects.filter(object_type="programs.enrolment").count() == 2


def test_enrolling_more_people_than_free_places_is_refused_with_a_clear_message(
    client, signed_in, case_worker_mae_sot, session
):
    EnrolmentFactory(session=session)
    people = PersonFactory.create_batch(2)
    signed_in(case_worker_mae_sot)
    response = client.post(
        reverse("programs:session_enrol", args=[session.pk]), {"people": [p.pk for p in people]}
    )
    assert response.status_code == 200
    assert "1 place is left and you chose 2 people" in response.content.decode()
    assert session.enrolments.count() == 1


def test_a_full_session_takes_nobody_more(case_worker_mae_sot, session):
    services.enrol(by=case_worker_mae_sot, session=session, people=PersonFactory.create_batch(2))
    with pytest.raises(ValidationError, match="0 places are left"):
        services.enrol(by=case_worker_mae_sot, session=session, people=[PersonFactory()])


def test_dropping_out_frees_a_place(case_worker_mae_sot, session):
    first, _second = services.enrol(
        by=case_worker_mae_sot, session=session, people=PersonFactory.create_batch(2)
    )
    services.set_enrolment_status(
        by=case_worker_mae_sot,
        enrolment=first,
        status="dropped_out",
        expected_version=saved_version(first),
    )
    services.enrol(by=case_worker_mae_sot, session=session, people=[PersonFactory()])
    assert session.enrolments.filter(status__in=Enrolment.TAKES_A_PLACE).count() == 2


def test_completed_participants_keep_their_place(case_worker_mae_sot, session):
    first, _second = services.enrol(
        by=case_worker_mae_sot, session=session, people=PersonFactory.create_batch(2)
    )
    services.set_enrolment_status(
        by=case_worker_mae_sot,
        enrolment=first,
        status="completed",
        expected_version=saved_version(first),
    )
    with pytest.raises(ValidationError):
        services.enrol(by=case_worker_mae_sot, session=session, people=[PersonFactory()])


def test_return_from_drop_out_needs_a_free_place(case_worker_mae_sot, session):
    first, _second = services.enrol(
        by=case_worker_mae_sot, session=session, people=PersonFactory.create_batch(2)
    )
    services.set_enrolment_status(
        by=case_worker_mae_sot,
        enrolment=first,
        status="dropped_out",
        expected_version=saved_version(first),
    )
    services.enrol(by=case_worker_mae_sot, session=session, people=[PersonFactory()])
    with pytest.raises(ValidationError, match="full"):
        services.set_enrolment_status(
            by=case_worker_mae_sot,
            enrolment=first,
            status="enrolled",
            expected_version=saved_version(first),
        )


def test_someone_who_dropped_out_can_enrol_again(case_worker_mae_sot, session):
    person = PersonFactory()
    (enrolment,) = services.enrol(by=case_worker_mae_sot, session=session, people=[person])
    services.set_enrolment_status(
        by=case_worker_mae_sot,
        enrolment=enrolment,
        status="dropped_out",
        expected_version=saved_version(enrolment),
    )
    services.enrol(by=case_worker_mae_sot, session=session, people=[person])
    enrolment.refresh_from_db()
    assert enrolment.status == "enrolled" and session.enrolments.count() == 1


def test_enrolling_twice_is_refused(case_worker_mae_sot, session):
    person = PersonFactory()
    services.enrol(by=case_worker_mae_sot, session=session, people=[person])
    with pytest.raises(ValidationError, match="Already enrolled"):
        services.enrol(by=case_worker_mae_sot, session=session, people=[person])


def test_capacity_cannot_drop_below_the_people_enrolled(case_worker_mae_sot, session):
    services.enrol(by=case_worker_mae_sot, session=session, people=PersonFactory.create_batch(2))
    with pytest.raises(ValidationError) as error:
        services.save_session(
            by=case_worker_mae_sot,
            session=session,
            values={"capacity": 1},
            expected_version=session.version,
        )
    assert "capacity" in error.value.error_dict


def test_people_of_another_site_cannot_enrol(case_worker_mae_sot, session, person_delhi):
    with pytest.raises(ValidationError, match="another site"):
        services.enrol(by=case_worker_mae_sot, session=session, people=[person_delhi])


def test_nobody_enrols_in_a_cancelled_session(case_worker_mae_sot, trainer):
    cancelled = TrainingSessionFactory(trainer=trainer, status=TrainingSession.Status.CANCELLED)
    with pytest.raises(ValidationError, match="cancelled"):
        services.enrol(by=case_worker_mae_sot, session=cancelled, people=[PersonFactory()])


def test_enrol_page_offers_only_people_of_the_session_site_not_yet_enrolled(
    client, signed_in, case_worker_mae_sot, session, person_delhi
):
    enrolled = EnrolmentFactory(session=session).person
    free = PersonFactory(case_number="MS-25-09999")
    signed_in(case_worker_mae_sot)
    page = client.get(reverse("programs:session_enrol", args=[session.pk])).content.decode()
    assert free.case_number in page
    assert enrolled.case_number not in page and person_delhi.case_number not in page


# --- Sessions ---------------------------------------------------------------------------------


def test_case_worker_plans_a_session_at_their_site(
    client, signed_in, case_worker_mae_sot, trainer, mae_sot
):
    course = CourseFactory(name="Tailoring")
    signed_in(case_worker_mae_sot)
    response = client.post(
        reverse("programs:session_create"),
        {
            "course": course.pk,
            "date": (timezone.localdate() + timedelta(days=1)).isoformat(),
            "start_time": "09:00",
            "end_time": "12:00",
            "location": mae_sot.pk,
            "trainer": trainer.pk,
            "capacity": 12,
        },
    )
    assert response.status_code == 302
    session = TrainingSession.objects.get()
    assert (session.trainer, session.location, session.status) == (trainer, mae_sot, "planned")
    assert AuditEvent.objects.filter(
        object_type="programs.trainingsession", action="create"
    ).exists()


def test_case_worker_cannot_plan_a_session_at_another_site(
    client, signed_in, case_worker_mae_sot, trainer_delhi, new_delhi
):
    signed_in(case_worker_mae_sot)
    response = client.post(
        reverse("programs:session_create"),
        {
            "course": CourseFactory().pk,
            "date": timezone.localdate().isoformat(),
            "start_time": "09:00",
            "end_time": "12:00",
            "location": new_delhi.pk,
            "trainer": trainer_delhi.pk,
            "capacity": 12,
        },
    )
    assert response.status_code == 200 and not TrainingSession.objects.exists()


def test_the_trainer_must_work_at_the_session_site(admin_user, trainer_delhi, mae_sot):
    with pytest.raises(ValidationError) as error:
        services.save_session(
            by=admin_user,
            values={
                "course": CourseFactory(),
                "date": timezone.localdate(),
                "start_time": time(9),
                "end_time": time(10),
                "location": mae_sot,
                "trainer": trainer_delhi,
                "capacity": 5,
            },
        )
    assert "trainer" in error.value.error_dict


def test_a_session_ends_after_it_starts(admin_user, trainer, mae_sot):
    with pytest.raises(ValidationError):
        services.save_session(
            by=admin_user,
            values={
                "course": CourseFactory(),
                "date": timezone.localdate(),
                "start_time": time(12),
                "end_time": time(9),
                "location": mae_sot,
                "trainer": trainer,
                "capacity": 5,
            },
        )


def test_editing_a_session_audits_what_changed(case_worker_mae_sot, session):
    services.save_session(
        by=case_worker_mae_sot,
        session=session,
        values={"status": "cancelled"},
        expected_version=session.version,
    )
    event = AuditEvent.objects.get(object_type="programs.trainingsession", action="update")
    assert event.changes == {"status": ["planned", "cancelled"]}


def test_session_list_shows_own_sites_only(
    client, signed_in, case_worker_mae_sot, session, trainer_delhi, new_delhi
):
    delhi = TrainingSessionFactory(trainer=trainer_delhi, location=new_delhi)
    signed_in(case_worker_mae_sot)
    page = client.get(reverse("programs:session_list")).content.decode()
    assert reverse("programs:session_detail", args=[session.pk]) in page
    assert reverse("programs:session_detail", args=[delhi.pk]) not in page


@pytest.mark.parametrize("name", ["programs:session_list", "programs:distribution_list"])
def test_the_site_filter_is_offered_to_users_of_several_sites(
    client, signed_in, case_worker_mae_sot, admin_user, session, new_delhi, name
):
    signed_in(case_worker_mae_sot)
    assert 'id="filter-location"' not in client.get(reverse(name)).content.decode()
    signed_in(admin_user)
    page = client.get(reverse(name), {"location": new_delhi.pk}).content.decode()
    assert f'<option value="{new_delhi.pk}" selected>' in page
    assert reverse("programs:session_detail", args=[session.pk]) not in page


# --- Completion and outcomes ------------------------------------------------------------------


def test_case_worker_marks_completion(client, signed_in, case_worker_mae_sot, session):
    enrolment = EnrolmentFactory(session=session)
    signed_in(case_worker_mae_sot)
    response = client.post(
        reverse("programs:enrolment_status", args=[enrolment.pk]),
        {"status": "completed", "version": enrolment.version},
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == "completed" and enrolment.completed_on == timezone.localdate()
    event = AuditEvent.objects.get(object_type="programs.enrolment")
    assert event.person_id == enrolment.person_id and event.changes["status"] == [
        "enrolled",
        "completed",
    ]


def test_livelihood_follow_up_records_a_small_business_and_its_kind(
    client, signed_in, case_worker_mae_sot, session
):
    enrolment = EnrolmentFactory(session=session)
    signed_in(case_worker_mae_sot)
    response = client.post(
        reverse("programs:person_outcome_create", args=[enrolment.person_id]),
        {
            "recorded_on": timezone.localdate().isoformat(),
            "enrolment": enrolment.pk,
            "outcome": "small_business",
            "business_kind": "Tailoring shop",
            "income_band": "basic_needs",
        },
    )
    assert response.status_code == 302
    outcome = LivelihoodOutcome.objects.get()
    assert (outcome.business_kind, outcome.enrolment, outcome.recorded_by) == (
        "Tailoring shop",
        enrolment,
        case_worker_mae_sot,
    )
    assert AuditEvent.objects.filter(
        object_type="programs.livelihoodoutcome", person_id=enrolment.person_id
    ).exists()


def test_a_small_business_needs_its_kind(case_worker_mae_sot, person_mae_sot):
    with pytest.raises(ValidationError):
        services.record_outcome(
            by=case_worker_mae_sot,
            person=person_mae_sot,
            values={"outcome": "small_business", "income_band": "none"},
        )


def test_an_outcome_cannot_point_to_someone_elses_training(
    case_worker_mae_sot, session, person_mae_sot
):
    others = EnrolmentFactory(session=session)
    with pytest.raises(ValidationError):
        services.record_outcome(
            by=case_worker_mae_sot,
            person=person_mae_sot,
            values={"outcome": "employed", "income_band": "basic_needs", "enrolment": others},
        )


def test_enrol_page_finds_people_by_case_number_or_name(
    client, signed_in, case_worker_mae_sot, session
):
    wanted = PersonFactory(case_number="MS-25-04242", full_name="Aung Kyaw Moe")
    other = PersonFactory(case_number="MS-25-05555", full_name="Zaw Win")
    signed_in(case_worker_mae_sot)
    url = reverse("programs:session_enrol", args=[session.pk])
    for query in ("04242", "aung kyaw"):
        page = search(client, url, query).content.decode()
        assert wanted.case_number in page and other.case_number not in page


def test_enrol_page_shows_the_50_most_recently_registered_and_says_there_are_more(
    client, signed_in, case_worker_mae_sot, session, site_of_51
):
    signed_in(case_worker_mae_sot)
    check_offers_the_50_most_recent(
        client, reverse("programs:session_enrol", args=[session.pk]), site_of_51
    )


def test_enrol_page_search_finds_someone_beyond_the_first_50(
    client, signed_in, case_worker_mae_sot, session, site_of_51
):
    signed_in(case_worker_mae_sot)
    check_search_finds_beyond_the_first_50(
        client,
        reverse("programs:session_enrol", args=[session.pk]),
        site_of_51,
        "Nobody who may enrol matches this search.",
    )


def test_enrol_page_does_not_run_a_search_in_the_url(
    client, signed_in, case_worker_mae_sot, session, site_of_51
):
    signed_in(case_worker_mae_sot)
    check_search_in_the_url_is_not_run(
        client, reverse("programs:session_enrol", args=[session.pk]), "Thura Zin"
    )


def test_someone_beyond_the_first_50_can_be_enrolled(
    client, signed_in, case_worker_mae_sot, session, site_of_51
):
    oldest, newest = site_of_51[0], site_of_51[-1]
    signed_in(case_worker_mae_sot)
    # Found by a search, posted from the search results, or from the unfiltered page.
    url = reverse("programs:session_enrol", args=[session.pk])
    found_at = search(client, url, "thura").redirect_chain[-1][0]
    assert client.post(found_at, {"people": [oldest.pk]}).status_code == 302
    assert client.post(url, {"people": [newest.pk]}).status_code == 302
    assert set(session.enrolments.values_list("person_id", flat=True)) == {oldest.pk, newest.pk}


def test_enrol_form_shown_again_keeps_the_people_chosen(
    client, signed_in, case_worker_mae_sot, session, site_of_51, person_delhi
):
    chosen = [site_of_51[0], site_of_51[1], site_of_51[-1]]  # the first not among the 50 shown
    signed_in(case_worker_mae_sot)
    url = reverse("programs:session_enrol", args=[session.pk])
    for refused in ([], [person_delhi]):  # too many for the places; one of another site
        response = client.post(url, {"people": [p.pk for p in chosen + refused]})
        assert not session.enrolments.exists()
        check_shown_again_with_the_choices(response, chosen, refused=person_delhi)


def test_editing_a_session_through_the_form_audits_the_change(
    client, signed_in, case_worker_mae_sot, session
):
    signed_in(case_worker_mae_sot)
    response = client.post(
        reverse("programs:session_edit", args=[session.pk]),
        {
            "course": session.course_id,
            "date": session.date.isoformat(),
            "start_time": "09:00",
            "end_time": "12:00",
            "location": session.location_id,
            "trainer": session.trainer_id,
            "capacity": 5,
            "status": "planned",
            "version": session.version,
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(object_type="programs.trainingsession", action="update")
    assert event.changes == {"capacity": ["2", "5"]}
