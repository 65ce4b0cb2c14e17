"""Each URL of the programs app, opened by each role on objects of its own and other sites."""

import pytest
from django.urls import reverse

from portal.models import AuditEvent
from programs.urls import urlpatterns
from tests.programs.access_matrix import GET_MATRIX, POST_MATRIX
from tests.programs.factories import (
    DistributionFactory,
    EnrolmentFactory,
    PersonFactory,
    SafeHomeFactory,
    StayFactory,
    TrainingSessionFactory,
)

# The URL parameter each URL name takes, and which object of a "world" it names.
URL_OBJECT = {
    "programs:session_detail": "session",
    "programs:session_edit": "session",
    "programs:session_enrol": "session",
    "programs:roster": "session",
    "programs:attendance_history": "session",
    "programs:enrolment_status": "enrolment",
    "programs:person_outcome_create": "person",
    "programs:person_enrol": "person",
    "programs:person_distribution_create": "person",
    "programs:distribution_confirm": "distribution",
    "programs:home_detail": "home",
    "programs:check_out": "stay",
}


def objects_at(site, trainer, case_prefix):
    session = TrainingSessionFactory(location=site, trainer=trainer)
    person = PersonFactory(location=site, case_number=f"{case_prefix}-25-00099")
    home = SafeHomeFactory(location=site)
    return {
        "session": session.pk,
        "enrolment": EnrolmentFactory(session=session, person=person).pk,
        "person": person.pk,
        "distribution": DistributionFactory(person=person).pk,
        "home": home.pk,
        "stay": StayFactory(person=person, home=home).pk,
    }


@pytest.fixture
def world(mae_sot, new_delhi, trainer, other_trainer, trainer_delhi):
    own = objects_at(mae_sot, trainer, "MS")
    colleague = dict(
        own, session=TrainingSessionFactory(location=mae_sot, trainer=other_trainer).pk
    )
    return {"own": own, "colleague": colleague, "other": objects_at(new_delhi, trainer_delhi, "ND")}


@pytest.fixture
def viewers(admin_user, case_worker_mae_sot, trainer, analyst):
    # viewer -> (user, which objects they open)
    return {
        "admin": (admin_user, "own"),
        "cw_own": (case_worker_mae_sot, "own"),
        "cw_other": (case_worker_mae_sot, "other"),
        "trainer_own": (trainer, "own"),
        "trainer_other": (trainer, "colleague"),
        "analyst": (analyst, "own"),
    }


def url(name, objects):
    key = URL_OBJECT.get(name)
    return reverse(name, kwargs={"pk": objects[key]} if key else {})


@pytest.mark.parametrize(
    ("name", "viewer", "expected"),
    [(name, viewer, status) for name, row in GET_MATRIX.items() for viewer, status in row.items()],
)
def test_get_access(client, signed_in, world, viewers, name, viewer, expected):
    user, objects = viewers[viewer]
    signed_in(user)
    assert client.get(url(name, world[objects])).status_code == expected


@pytest.mark.parametrize(
    ("name", "viewer", "expected"),
    [(name, viewer, status) for name, row in POST_MATRIX.items() for viewer, status in row.items()],
)
def test_post_access(client, signed_in, world, viewers, name, viewer, expected):
    user, objects = viewers[viewer]
    signed_in(user)
    assert client.post(url(name, world[objects])).status_code == expected


def test_every_url_of_the_app_is_in_the_matrix():
    assert {f"programs:{p.name}" for p in urlpatterns} == set(GET_MATRIX) | set(POST_MATRIX)


def test_every_parameterised_url_names_its_object():
    with_pk = {f"programs:{p.name}" for p in urlpatterns if "<int:pk>" in str(p.pattern)}
    assert with_pk == set(URL_OBJECT)


@pytest.mark.parametrize("name", sorted(POST_MATRIX))
def test_post_only_urls_refuse_get(client, signed_in, world, admin_user, name):
    signed_in(admin_user)
    assert client.get(url(name, world["own"])).status_code == 405


def test_pages_that_show_people_are_audited_once_per_read(client, signed_in, trainer):
    """A roster read leaves one VIEW row naming the people it showed."""

    session = TrainingSessionFactory(trainer=trainer)
    enrolments = [EnrolmentFactory(session=session) for _ in range(3)]
    signed_in(trainer)
    assert client.get(reverse("programs:roster", args=[session.pk])).status_code == 200
    event = AuditEvent.objects.get(action="view", object_type="programs.roster")
    assert event.changes["people"][1] == sorted(e.person_id for e in enrolments)
    assert event.actor == trainer
