"""Every screen that shows people writes one audit row per page view, with the ids shown
(issue 19): the people list and its search results, the home page, the duplicates review and
a merge, the possible duplicates at registration, the people offered by the enrol, bulk
assistance and check-in forms. One row per page, not per person; the audit screen shows it as
"viewed a list: n people". API lists are audited the same way."""

import pytest
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from people.api import routes as people_routes
from people.models import Person
from portal.models import AuditEvent
from programs.api import routes as programs_routes
from tests.people.factories import PersonFactory
from tests.programs.factories import SafeHomeFactory, TrainingSessionFactory

pytestmark = pytest.mark.django_db


def list_reads(page: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, object_type=page))


def shown_ids(event: AuditEvent) -> set[int]:
    return set(event.changes["people"][1])


@pytest.fixture
def three_at_mae_sot(mae_sot):
    return [
        PersonFactory(location=mae_sot, full_name="Kyaw Min Oo"),
        PersonFactory(location=mae_sot, full_name="Thandar Aye"),
        PersonFactory(location=mae_sot, full_name="Zaw Lin Htet"),
    ]


def test_people_list_writes_one_row_with_the_ids_shown(
    client, signed_in, case_worker_mae_sot, three_at_mae_sot, new_delhi
):
    PersonFactory(location=new_delhi)  # not shown, not audited
    signed_in(case_worker_mae_sot)
    assert client.get(reverse("people:list")).status_code == 200
    (event,) = list_reads("people.person_list")
    assert event.actor == case_worker_mae_sot
    assert shown_ids(event) == {person.pk for person in three_at_mae_sot}
    assert event.person_id is None  # one row for the page, not one per person


def test_search_results_are_audited_with_the_matches_only(
    client, signed_in, case_worker_mae_sot, three_at_mae_sot
):
    signed_in(case_worker_mae_sot)
    response = client.post(reverse("people:list"), {"q": "thandar"})
    client.get(response.url)
    (event,) = list_reads("people.person_list")
    assert shown_ids(event) == {three_at_mae_sot[1].pk}
    assert "thandar" not in event.path.lower()  # the search itself is never recorded


def test_an_empty_page_is_audited_too(client, signed_in, case_worker_mae_sot):
    signed_in(case_worker_mae_sot)
    client.get(reverse("people:list"))
    (event,) = list_reads("people.person_list")
    assert shown_ids(event) == set()


def test_home_page_audits_recent_cases_and_follow_ups(
    client, signed_in, case_worker_mae_sot, three_at_mae_sot
):
    signed_in(case_worker_mae_sot)
    client.get(reverse("home"))
    (event,) = list_reads("home")
    assert shown_ids(event) == {person.pk for person in three_at_mae_sot}


def test_trainer_and_analyst_homes_show_no_people_and_write_no_list_row(
    client, signed_in, trainer, analyst, three_at_mae_sot
):
    for user in (trainer, analyst):
        signed_in(user)
        client.get(reverse("home"))
    assert list_reads("home") == []


def test_duplicates_review_and_merge_page_are_audited(client, signed_in, admin_user, mae_sot):
    first = PersonFactory(location=mae_sot, full_name="Kyaw Min Oo", birth_year=1990)
    second = PersonFactory(location=mae_sot, full_name="Kyaw Min Oo", birth_year=1991)
    signed_in(admin_user)
    client.get(reverse("people:duplicates"))
    (event,) = list_reads("people.duplicates")
    assert shown_ids(event) == {first.pk, second.pk}
    client.get(reverse("people:merge", args=[first.pk, second.pk]))
    (event,) = list_reads("people.merge")
    assert shown_ids(event) == {first.pk, second.pk}


def test_possible_duplicates_at_registration_are_audited(client, signed_in, admin_user, mae_sot):
    existing = PersonFactory(location=mae_sot, full_name="Kyaw Min Oo", birth_year=1990)
    signed_in(admin_user)
    data = {"full_name": "Kyaw Min Oo", "sex": "male", "birth_year": "1990",
            "status": "intake", "dependants": "0", "location": mae_sot.pk}  # fmt: skip
    response = client.post(reverse("people:create"), data)
    assert response.status_code == 200
    (event,) = list_reads("people.possible_duplicates")
    assert shown_ids(event) == {existing.pk}


def test_enrol_and_bulk_candidates_are_audited(
    client, signed_in, case_worker_mae_sot, three_at_mae_sot, mae_sot
):
    session = TrainingSessionFactory(location=mae_sot)
    signed_in(case_worker_mae_sot)
    client.get(reverse("programs:session_enrol", args=[session.pk]))
    (event,) = list_reads("programs.enrol_candidates")
    assert shown_ids(event) == {person.pk for person in three_at_mae_sot}
    client.get(reverse("programs:distribution_bulk"))
    (event,) = list_reads("programs.bulk_candidates")
    assert shown_ids(event) == {person.pk for person in three_at_mae_sot}


def test_enrol_and_bulk_searches_audit_the_people_found(
    client, signed_in, case_worker_mae_sot, three_at_mae_sot, mae_sot
):
    """A posted search: the page it leads to writes the row, with only the people found."""
    session = TrainingSessionFactory(location=mae_sot)
    signed_in(case_worker_mae_sot)
    for url, page in (
        (reverse("programs:session_enrol", args=[session.pk]), "programs.enrol_candidates"),
        (reverse("programs:distribution_bulk"), "programs.bulk_candidates"),
    ):
        assert client.post(url, {"q": "Thandar"}, follow=True).status_code == 200
        (event,) = list_reads(page)
        assert shown_ids(event) == {three_at_mae_sot[1].pk}
        assert "Thandar" not in str(event.changes)


def test_check_in_form_audits_the_people_it_offers(
    client, signed_in, case_worker_mae_sot, three_at_mae_sot, mae_sot
):
    SafeHomeFactory(location=mae_sot)
    signed_in(case_worker_mae_sot)
    client.get(reverse("programs:check_in"))
    (event,) = list_reads("programs.check_in")
    assert shown_ids(event) == {person.pk for person in three_at_mae_sot}


def test_the_audit_screen_says_how_many_people_a_list_showed(
    client, signed_in, case_worker_mae_sot, admin_user, three_at_mae_sot
):
    signed_in(case_worker_mae_sot)
    client.get(reverse("people:list"))
    signed_in(admin_user)
    page = client.get(reverse("portal:audit_list")).content.decode()
    assert "viewed a list: 3 people" in page
    assert str(sorted(person.pk for person in three_at_mae_sot)) not in page


def test_api_lists_are_audited_one_row_per_request(case_worker_mae_sot, three_at_mae_sot):
    client = APIClient()
    _, token = AuthToken.objects.create(case_worker_mae_sot)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/people/").status_code == 200
    (event,) = AuditEvent.objects.filter(action="view", object_type="people.person")
    assert set(event.changes["listed"][1]) == {person.pk for person in three_at_mae_sot}


def test_every_api_resource_with_person_level_data_audits_its_reads():
    resources = [*people_routes.ROUTES, *programs_routes.ROUTES]
    for _prefix, viewset, basename in resources:
        model = viewset.queryset.model
        about_people = model is Person or any(f.name == "person" for f in model._meta.fields)
        if about_people:
            assert viewset.audit_reads, f"{basename} lists people without an audit row"
