"""The trainer's pages on a weak signal (issue 23): compressed for a browser that accepts it."""

import pytest
from django.urls import reverse

from programs.models import Enrolment
from tests.programs.factories import PersonFactory, TrainingSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def roster_url(trainer, mae_sot):
    session = TrainingSessionFactory(trainer=trainer, location=mae_sot)
    people = [PersonFactory(location=mae_sot) for _ in range(3)]
    Enrolment.objects.bulk_create(
        [Enrolment(session=session, person=person, enrolled_by=trainer) for person in people]
    )
    return reverse("programs:roster", args=[session.pk])


@pytest.mark.parametrize("page", ["roster", "my sessions"])
def test_the_trainers_pages_are_sent_compressed(client, signed_in, trainer, roster_url, page):
    signed_in(trainer)
    url = roster_url if page == "roster" else reverse("programs:my_sessions")
    response = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]


def test_the_roster_is_sent_plain_to_a_client_that_does_not_accept_gzip(
    client, signed_in, trainer, roster_url
):
    signed_in(trainer)
    response = client.get(roster_url)
    assert response.status_code == 200 and not response.has_header("Content-Encoding")
