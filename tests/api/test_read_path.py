"""The API reads what the screens read: the same selectors, the same counts."""

import pytest
from django.urls import reverse

from people import selectors as people_selectors
from programs import selectors as programs_selectors
from programs.models import Enrolment
from tests.people.factories import PersonFactory
from tests.programs.factories import EnrolmentFactory, TrainingSessionFactory

pytestmark = pytest.mark.django_db


def test_session_places_taken_are_the_same_in_the_api_as_on_the_screen(
    api, case_worker_mae_sot, trainer, mae_sot
):
    session = TrainingSessionFactory(trainer=trainer, location=mae_sot)
    for status in Enrolment.Status.values:
        EnrolmentFactory(session=session, status=status)
    on_screen = programs_selectors.get_session(case_worker_mae_sot, session.pk).taken
    response = api(case_worker_mae_sot).get(reverse("api:session-detail", args=[session.pk]))
    assert response.json()["taken"] == on_screen == session.places_taken() == 2


def test_people_api_lists_the_people_of_the_people_screen(
    api, case_worker_mae_sot, person_mae_sot, person_delhi
):
    PersonFactory(location=person_mae_sot.location, merged_into=person_mae_sot)
    response = api(case_worker_mae_sot).get(reverse("api:person-list"))
    listed = {row["id"] for row in response.json()["results"]}
    assert listed == {p.pk for p in people_selectors.people_for(case_worker_mae_sot)}
    assert listed == {person_mae_sot.pk}
