"""Creating a person through the API answers 409 with the possible duplicates unless the
request confirms a new person (issue 21); the reference through the API; the schema."""

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from people import restricted
from people.models import Person
from portal.models import AuditEvent
from tests.people.factories import PersonFactory

LIST = reverse("api:person-list")


def body(location, **fields) -> dict:
    return {"full_name": "Kyaw Min Oo", "birth_year": 1999, "location": location.pk, **fields}


def test_a_possible_duplicate_answers_409_with_its_case_number_and_nothing_is_saved(
    api, case_worker_mae_sot, person_mae_sot, mae_sot
):
    response = api(case_worker_mae_sot).post(LIST, body(mae_sot), format="json")

    assert response.status_code == 409
    data = response.json()
    assert data["code"] == "possible_duplicates" and data["status"] == 409
    assert data["other_sites"] == 0
    (candidate,) = data["candidates"]
    assert candidate["case_number"] == person_mae_sot.case_number
    assert candidate["id"] == person_mae_sot.pk
    assert candidate["reasons"] == ["same name", "same birth year"] and candidate["score"] > 0
    assert not candidate["restricted"]
    assert Person.objects.count() == 1
    # The case numbers shown are audited as a list read, like the registration warning.
    (read,) = AuditEvent.objects.filter(object_type="people.possible_duplicates")
    assert read.changes["people"] == [None, [person_mae_sot.pk]]


def test_409_then_confirm_new_person_creates_it(api, case_worker_mae_sot, person_mae_sot, mae_sot):
    client = api(case_worker_mae_sot)
    assert client.post(LIST, body(mae_sot), format="json").status_code == 409

    response = client.post(LIST, body(mae_sot, confirm_new_person=True), format="json")

    assert response.status_code == 201, response.json()
    assert "confirm_new_person" not in response.json()
    assert Person.objects.filter(full_name="Kyaw Min Oo").count() == 2


def test_no_possible_duplicate_creates_at_once(api, case_worker_mae_sot, person_mae_sot, mae_sot):
    response = api(case_worker_mae_sot).post(
        LIST, body(mae_sot, full_name="Someone Else Entirely"), format="json"
    )
    assert response.status_code == 201


def test_a_match_at_another_site_is_told_without_who(
    api, case_worker_delhi, person_mae_sot, new_delhi
):
    response = api(case_worker_delhi).post(LIST, body(new_delhi), format="json")

    assert response.status_code == 409
    data = response.json()
    assert data["candidates"] == [] and data["other_sites"] == 1
    assert "another site; an admin will review it" in data["detail"]
    assert person_mae_sot.case_number not in response.content.decode()


def test_a_restricted_record_shows_its_case_number_only(
    api, admin_user, case_worker_mae_sot, mae_sot
):
    hidden = restricted.set_restriction(
        by=admin_user,
        person=PersonFactory(location=mae_sot, full_name="Kyaw Min Oo"),
        restricted=True,
        reason="high_profile",
    )

    response = api(case_worker_mae_sot).post(LIST, body(mae_sot), format="json")

    (candidate,) = response.json()["candidates"]
    assert candidate == {
        "id": hidden.pk,
        "case_number": hidden.case_number,
        "score": 0.0,
        "reasons": [],
        "restricted": True,
    }


def test_the_same_reference_is_the_strongest_reason(api, case_worker_mae_sot, mae_sot):
    holder = PersonFactory(location=mae_sot, full_name="Aung Aung", reference="PG-2025-0417")

    response = api(case_worker_mae_sot).post(
        LIST, body(mae_sot, full_name="Somebody Else", reference="PG-2025-0417"), format="json"
    )

    assert response.status_code == 409
    (candidate,) = response.json()["candidates"]
    assert candidate["case_number"] == holder.case_number
    assert candidate["reasons"][0] == "same reference"


def test_a_reference_held_by_someone_is_refused_even_when_confirmed(
    api, case_worker_mae_sot, mae_sot
):
    PersonFactory(location=mae_sot, full_name="Aung Aung", reference="PG-2025-0417")

    response = api(case_worker_mae_sot).post(
        LIST,
        body(mae_sot, full_name="Somebody Else", reference="PG-2025-0417", confirm_new_person=True),
        format="json",
    )

    assert response.status_code == 400
    assert "reference" in response.json()["errors"]
    assert Person.objects.count() == 1


def test_a_reference_too_long_is_refused_with_its_field(api, case_worker_mae_sot, mae_sot):
    response = api(case_worker_mae_sot).post(
        LIST, body(mae_sot, reference="R" * 41, confirm_new_person=True), format="json"
    )

    assert response.status_code == 400
    assert "reference" in response.json()["errors"]


def test_the_reference_is_read_and_changed_through_the_api(api, case_worker_mae_sot, mae_sot):
    client = api(case_worker_mae_sot)
    created = client.post(
        LIST, body(mae_sot, full_name="Zaw Zaw", reference="PG-1"), format="json"
    ).json()
    assert created["reference"] == "PG-1"
    url = reverse("api:person-detail", args=[created["id"]])
    etag = client.get(url)["ETag"]

    response = client.patch(url, {"reference": "PG-2"}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 200 and response.json()["reference"] == "PG-2"


def test_confirm_new_person_is_for_creation_only(api, case_worker_mae_sot, person_mae_sot):
    client = api(case_worker_mae_sot)
    url = reverse("api:person-detail", args=[person_mae_sot.pk])
    etag = client.get(url)["ETag"]

    response = client.patch(url, {"confirm_new_person": True}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 400
    assert "confirm_new_person" in response.json()["errors"]


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_documents_the_409_and_the_confirmation(schema):
    create = schema["paths"]["/api/v1/people/"]["post"]
    conflict = create["responses"]["409"]["content"]["application/json"]["schema"]["$ref"]
    name = conflict.rsplit("/", 1)[-1]
    properties = schema["components"]["schemas"][name]["properties"]
    assert {"candidates", "other_sites", "status", "code", "detail", "errors"} <= set(properties)
    request = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    request_fields = schema["components"]["schemas"][request.rsplit("/", 1)[-1]]["properties"]
    assert request_fields["confirm_new_person"]["type"] == "boolean"
    assert request_fields["reference"]["maxLength"] == 40
