"""Enrol from the person page (issue 22): upcoming sessions at the person's site with places
taken / capacity, one step, and the enrolment's own rules (capacity, duplicates)."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEvent
from programs.models import Enrolment, TrainingSession
from programs.selectors import sessions_to_enrol
from tests.programs.factories import EnrolmentFactory, PersonFactory, TrainingSessionFactory


@pytest.fixture
def person(mae_sot):
    return PersonFactory(location=mae_sot)


@pytest.fixture
def upcoming(mae_sot, trainer):
    return TrainingSessionFactory(
        location=mae_sot, trainer=trainer, capacity=2, date=timezone.localdate() + timedelta(3)
    )


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_person_page_offers_upcoming_sessions_of_the_site_with_places(
    client, signed_in, case_worker_mae_sot, person, upcoming, new_delhi, mae_sot, trainer
):
    EnrolmentFactory(session=upcoming)
    elsewhere = TrainingSessionFactory(location=new_delhi, date=upcoming.date)
    past = TrainingSessionFactory(
        location=mae_sot, trainer=trainer, date=timezone.localdate() - timedelta(1)
    )
    cancelled = TrainingSessionFactory(
        location=mae_sot, trainer=trainer, date=upcoming.date, status="cancelled"
    )
    signed_in(case_worker_mae_sot)
    page = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    action = reverse("programs:person_enrol", args=[person.pk])
    assert action in page and f'name="session" value="{upcoming.pk}"' in page
    assert "1 of 2 places taken" in page
    for hidden in (elsewhere, past, cancelled):
        assert f'name="session" value="{hidden.pk}"' not in page


def test_enrol_in_one_step_is_audited(client, signed_in, case_worker_mae_sot, person, upcoming):
    signed_in(case_worker_mae_sot)
    response = client.post(
        reverse("programs:person_enrol", args=[person.pk]), {"session": upcoming.pk}
    )
    assert response.status_code == 302
    assert response.url == reverse("people:detail", args=[person.pk])
    assert Enrolment.objects.get(person=person).session == upcoming
    assert AuditEvent.objects.filter(
        object_type="programs.enrolment", action="create", person_id=person.pk
    ).exists()
    assert any("enrolled" in m for m in _messages(response))
    # Enrolled: the session is no longer offered.
    page = client.get(response.url).content.decode()
    assert f'name="session" value="{upcoming.pk}"' not in page


def test_a_full_session_is_refused_with_a_message(
    client, signed_in, case_worker_mae_sot, person, upcoming
):
    EnrolmentFactory(session=upcoming)
    EnrolmentFactory(session=upcoming)
    signed_in(case_worker_mae_sot)
    page = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    assert "Full" in page
    response = client.post(
        reverse("programs:person_enrol", args=[person.pk]), {"session": upcoming.pk}
    )
    assert response.status_code == 302
    assert any("full" in m for m in _messages(response))
    assert not Enrolment.objects.filter(person=person).exists()


def test_a_session_of_another_site_or_already_held_is_refused(
    client, signed_in, case_worker_mae_sot, person, upcoming, new_delhi
):
    EnrolmentFactory(session=upcoming, person=person)
    elsewhere = TrainingSessionFactory(location=new_delhi, date=upcoming.date)
    signed_in(case_worker_mae_sot)
    url = reverse("programs:person_enrol", args=[person.pk])
    for session in (upcoming, elsewhere):
        response = client.post(url, {"session": session.pk})
        assert response.status_code == 302
        assert any("no longer open" in m for m in _messages(response))
    assert Enrolment.objects.filter(person=person).count() == 1


def test_a_closed_person_cannot_enrol(client, signed_in, case_worker_mae_sot, upcoming, mae_sot):
    closed = PersonFactory(location=mae_sot, status="closed")
    signed_in(case_worker_mae_sot)
    response = client.post(
        reverse("programs:person_enrol", args=[closed.pk]), {"session": upcoming.pk}
    )
    assert any("cannot enrol" in m for m in _messages(response))
    assert not Enrolment.objects.filter(person=closed).exists()


def test_the_offer_keeps_to_a_constant_number_of_queries(
    client, signed_in, case_worker_mae_sot, person, mae_sot, trainer, django_assert_num_queries
):
    for day in range(1, 6):
        TrainingSessionFactory(
            location=mae_sot, trainer=trainer, date=timezone.localdate() + timedelta(day)
        )
    # One query: the sessions with their course, site, trainer and places taken.
    with django_assert_num_queries(1):
        sessions = list(sessions_to_enrol(case_worker_mae_sot, person))
        assert [s.course.name for s in sessions] and [s.taken for s in sessions]
    assert len(sessions) == TrainingSession.objects.count()
