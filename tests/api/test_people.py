"""People through the API: field sets per role, writes through the services (audit, Zawgyi),
forbidden writes refused with 400, optimistic locking (ETag / If-Match), filters and audit
rows for reads."""

import pytest
from django.urls import reverse
from myanmar.converter import convert

from people.models import Person
from portal.models import AuditEvent
from tests.people.factories import ExitFactory, PersonFactory

LIST = reverse("api:person-list")


def detail(person):
    return reverse("api:person-detail", args=[person.pk])


CASE_WORKER_FIELDS = {
    "id", "case_number", "reference", "full_name", "preferred_name", "name_my", "sex", "birth_year",
    "birth_year_estimated", "origin_region", "location", "status", "case_worker", "phone",
    "dependants", "vulnerabilities", "consent_date", "consent_storing", "consent_sharing",
    "consent_photos", "consent_withdrawn_on", "consent_notes", "closing_reason", "created_at",
    "version", "exits",
}  # fmt: skip


def test_field_sets_per_role(api, admin_user, case_worker_mae_sot, person_mae_sot):
    ExitFactory(person=person_mae_sot)
    as_case_worker = api(case_worker_mae_sot).get(detail(person_mae_sot)).json()
    as_admin = api(admin_user).get(detail(person_mae_sot)).json()
    assert set(as_case_worker) == CASE_WORKER_FIELDS
    assert set(as_admin) == CASE_WORKER_FIELDS | {"created_by", "updated_at"}
    assert as_case_worker["phone"] == "0812345678"  # decrypted for those who may see it
    assert len(as_case_worker["exits"]) == 1 and "person" not in as_case_worker["exits"][0]


def test_list_rows_have_the_role_field_set(api, case_worker_mae_sot, person_mae_sot):
    rows = api(case_worker_mae_sot).get(LIST).json()["results"]
    assert [set(row) for row in rows] == [CASE_WORKER_FIELDS]


def test_create_goes_through_the_service(api, case_worker_mae_sot, mae_sot):
    zawgyi = convert("ကျော်မင်းဦး", "unicode", "zawgyi")
    response = api(case_worker_mae_sot).post(
        LIST,
        {
            "full_name": "Kyaw Min Oo",
            "name_my": zawgyi,
            "location": mae_sot.pk,
            "phone": "081-234 5678",
            "vulnerabilities": ["injured"],
            "exit": {"exit_type": "pow", "affiliation": "soldier", "exit_date": "2024-06-01"},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["case_number"].startswith("MS-")
    assert body["name_my"] == "ကျော်မင်းဦး"  # Zawgyi stored as Unicode
    assert body["phone"] == "0812345678"
    assert [e["exit_type"] for e in body["exits"]] == ["pow"]
    assert response["ETag"] == '"1"'
    person = Person.objects.get(pk=body["id"])
    assert person.created_by == case_worker_mae_sot
    actions = set(
        AuditEvent.objects.filter(person_id=person.pk).values_list("object_type", "action")
    )
    assert actions == {("people.person", "create"), ("people.exit", "create")}
    create = AuditEvent.objects.get(object_type="people.person", action="create")
    assert create.path == LIST and "0812345678" not in str(create.changes)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("case_number", "MS-25-99999"),  # read-only
        ("version", 7),  # read-only
        ("created_at", "2020-01-01T00:00:00Z"),  # read-only
        ("created_by", 1),  # admins' field set only: unknown to case workers
        ("merged_into", 1),  # not in any field set
        ("exits", []),  # read-only here: exits are changed at /api/v1/exits/
    ],
)
def test_fields_the_role_may_not_write_are_refused(
    api, case_worker_mae_sot, person_mae_sot, field, value
):
    client = api(case_worker_mae_sot)
    etag = client.get(detail(person_mae_sot))["ETag"]
    response = client.patch(
        detail(person_mae_sot), {"preferred_name": "X", field: value}, format="json",
        HTTP_IF_MATCH=etag,
    )  # fmt: skip
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    person_mae_sot.refresh_from_db()
    assert person_mae_sot.preferred_name != "X" and person_mae_sot.version == 1


def test_admin_may_not_write_admin_read_only_fields(api, admin_user, person_mae_sot):
    client = api(admin_user)
    etag = client.get(detail(person_mae_sot))["ETag"]
    response = client.patch(
        detail(person_mae_sot), {"created_by": admin_user.pk}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"created_by": ["This field cannot be written."]}


def test_exit_can_only_be_sent_with_the_registration(api, case_worker_mae_sot, person_mae_sot):
    client = api(case_worker_mae_sot)
    etag = client.get(detail(person_mae_sot))["ETag"]
    exit_data = {"exit_type": "defected", "affiliation": "soldier", "exit_date": "2024-01-01"}
    response = client.patch(
        detail(person_mae_sot), {"exit": exit_data}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"exit": ["This field can only be set on creation."]}


def test_wrong_json_types_are_refused_not_coerced(api, case_worker_mae_sot, mae_sot):
    response = api(case_worker_mae_sot).post(
        LIST,
        {"full_name": 5, "location": str(mae_sot.pk), "consent_photos": 1, "birth_year": "1990"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {
        "full_name", "location", "consent_photos", "birth_year",
    }  # fmt: skip


def test_validation_as_on_the_form(api, case_worker_mae_sot, mae_sot):
    client = api(case_worker_mae_sot)
    exit_data = {"exit_type": "defected", "affiliation": "soldier", "exit_date": "1970-01-01"}
    response = client.post(
        LIST,
        {"full_name": "A", "location": mae_sot.pk, "birth_year": 1800, "exit": exit_data},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"birth_year", "exit"} and set(errors["exit"]) == {"exit_date"}
    # Rules across fields: consent needs its date.
    response = client.post(
        LIST, {"full_name": "A", "location": mae_sot.pk, "consent_sharing": True}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"consent_date": ["Give the date consent was given."]}
    assert not Person.objects.exists()


def test_case_worker_registers_only_at_their_sites(api, case_worker_mae_sot, new_delhi):
    response = api(case_worker_mae_sot).post(
        LIST, {"full_name": "Someone", "location": new_delhi.pk}, format="json"
    )
    assert response.status_code == 400 and "location" in response.json()["errors"]


# --- Optimistic locking -------------------------------------------------------------------------


def test_update_with_current_etag(api, case_worker_mae_sot, person_mae_sot):
    client = api(case_worker_mae_sot)
    read = client.get(detail(person_mae_sot))
    assert read["ETag"] == '"1"'
    response = client.patch(
        detail(person_mae_sot), {"preferred_name": "Ko Kyaw"}, format="json",
        HTTP_IF_MATCH=read["ETag"],
    )  # fmt: skip
    assert response.status_code == 200
    assert response["ETag"] == '"2"' and response.json()["preferred_name"] == "Ko Kyaw"
    event = AuditEvent.objects.get(action="update", object_type="people.person")
    assert event.actor == case_worker_mae_sot and event.changes["preferred_name"][1] == "Ko Kyaw"


def test_stale_write_gets_412_and_changes_nothing(
    api, admin_user, case_worker_mae_sot, person_mae_sot
):
    mine, theirs = api(case_worker_mae_sot), api(admin_user)
    etag = mine.get(detail(person_mae_sot))["ETag"]
    their_read = theirs.get(detail(person_mae_sot))["ETag"]
    assert (
        theirs.patch(
            detail(person_mae_sot), {"phone": "0811111"}, format="json", HTTP_IF_MATCH=their_read
        ).status_code
        == 200
    )
    response = mine.patch(
        detail(person_mae_sot), {"preferred_name": "Late"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    person_mae_sot.refresh_from_db()
    assert person_mae_sot.preferred_name != "Late" and person_mae_sot.phone == "0811111"
    assert AuditEvent.objects.filter(action="update").count() == 1


@pytest.mark.parametrize("header", [None, "", "*"])
def test_write_without_if_match_gets_428(api, case_worker_mae_sot, person_mae_sot, header):
    extra = {} if header is None else {"HTTP_IF_MATCH": header}
    response = api(case_worker_mae_sot).put(
        detail(person_mae_sot),
        {"full_name": "New name", "location": person_mae_sot.location_id},
        format="json",
        **extra,
    )
    assert response.status_code == 428
    assert response.json()["code"] == "precondition_required"
    person_mae_sot.refresh_from_db()
    assert person_mae_sot.full_name == "Kyaw Min Oo"


@pytest.mark.parametrize("header", ['W/"1"', "1", '"1'])
def test_weak_or_malformed_if_match_never_matches(api, case_worker_mae_sot, person_mae_sot, header):
    response = api(case_worker_mae_sot).patch(
        detail(person_mae_sot), {"preferred_name": "X"}, format="json", HTTP_IF_MATCH=header
    )
    assert response.status_code in (400, 412)
    person_mae_sot.refresh_from_db()
    assert person_mae_sot.preferred_name != "X"


def test_if_match_may_list_several_etags(api, case_worker_mae_sot, person_mae_sot):
    response = api(case_worker_mae_sot).patch(
        detail(person_mae_sot), {"preferred_name": "X"}, format="json",
        HTTP_IF_MATCH='"7", "1"',
    )  # fmt: skip
    assert response.status_code == 200


# --- Reads: audit, filters, search, ordering, pagination ------------------------------------------


def test_each_read_of_a_person_is_audited(api, case_worker_mae_sot, person_mae_sot):
    client = api(case_worker_mae_sot)
    client.get(detail(person_mae_sot))
    client.get(detail(person_mae_sot))
    views = AuditEvent.objects.filter(action="view", object_type="people.person")
    assert views.filter(object_id=str(person_mae_sot.pk), person_id=person_mae_sot.pk).count() == 2
    assert views.first().actor == case_worker_mae_sot


def test_a_list_request_writes_one_view_row_with_the_listed_ids(api, case_worker_mae_sot, mae_sot):
    people = [PersonFactory(location=mae_sot) for _ in range(3)]
    api(case_worker_mae_sot).get(LIST)
    event = AuditEvent.objects.get(action="view")
    assert event.object_type == "people.person" and event.object_id == ""
    assert sorted(event.changes["listed"][1]) == sorted(p.pk for p in people)


def test_list_shows_only_own_sites(api, case_worker_mae_sot, person_mae_sot, person_delhi):
    rows = api(case_worker_mae_sot).get(LIST).json()["results"]
    assert [row["id"] for row in rows] == [person_mae_sot.pk]


def test_filters_of_the_list_screen(api, admin_user, mae_sot, new_delhi):
    soldier = PersonFactory(location=mae_sot, status="active")
    ExitFactory(person=soldier, affiliation="soldier", exit_date="2024-05-03")
    police = PersonFactory(location=new_delhi, status="intake")
    ExitFactory(person=police, affiliation="police", exit_date="2023-01-10")
    client = api(admin_user)

    def ids(query):
        response = client.get(LIST, query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids({"affiliation": "police"}) == [police.pk]
    assert ids({"exit_month": "2024-05"}) == [soldier.pk]
    assert ids({"status": "intake"}) == [police.pk]
    assert ids({"location": mae_sot.pk}) == [soldier.pk]
    assert ids({"ordering": "exit_date"}) == [police.pk, soldier.pk]
    assert ids({"ordering": "-exit_date"}) == [soldier.pk, police.pk]


def test_filter_by_a_site_out_of_scope_is_empty_not_an_error(
    api, case_worker_mae_sot, person_delhi, new_delhi
):
    response = api(case_worker_mae_sot).get(LIST, {"location": new_delhi.pk})
    assert response.status_code == 200 and response.json()["results"] == []


@pytest.mark.parametrize(
    "query",
    [
        {"status": "unknown"},
        {"status": ""},
        {"exit_month": "2024-13"},
        {"ordering": "phone"},
        {"page_size": "201"},
        {"page_size": "0"},
        {"page": "first"},
        {"location": "abc"},
    ],
)
def test_invalid_filters_are_refused_with_field_errors(api, admin_user, query):
    response = api(admin_user).get(LIST, query)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == list(query)


def test_pagination_with_a_maximum_page_size(api, admin_user, mae_sot):
    for _ in range(3):
        PersonFactory(location=mae_sot)
    body = api(admin_user).get(LIST, {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    assert api(admin_user).get(LIST, {"page": 5}).status_code == 404


def test_merged_records_are_not_served(api, admin_user, person_mae_sot, mae_sot):
    kept = PersonFactory(location=mae_sot)
    Person.objects.filter(pk=person_mae_sot.pk).update(merged_into=kept)
    assert api(admin_user).get(detail(person_mae_sot)).status_code == 404
