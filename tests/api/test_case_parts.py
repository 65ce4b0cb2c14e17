"""Exits, case notes, follow-ups, transfers, partners and sites through the API."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from people.models import Exit, Partner, Person, Transfer
from portal import services as portal_services
from portal.models import AuditEvent, Location
from tests.conftest import make_user
from tests.people.factories import ExitFactory


def read_etag(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response["ETag"]


@pytest.mark.parametrize(
    "url_name",
    ["api:person-detail", "api:exit-detail", "api:note-detail", "api:follow-up-detail"],
)
def test_nothing_is_deleted_through_the_api(api, admin_user, records, url_name):
    key = {"api:person-detail": "person", "api:exit-detail": "exit", "api:note-detail": "note"}
    obj = records["own"][key.get(url_name, "follow_up")]
    response = api(admin_user).delete(reverse(url_name, args=[obj.pk]))
    assert response.status_code == 405
    assert "DELETE" not in response["Allow"]


# --- Exits --------------------------------------------------------------------------------------


def test_exit_update_with_etag_and_audit(api, case_worker_mae_sot, records):
    exit = records["own"]["exit"]
    url = reverse("api:exit-detail", args=[exit.pk])
    client = api(case_worker_mae_sot)
    etag = read_etag(client, url)
    response = client.patch(url, {"rank": "Sergeant"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200 and response["ETag"] != etag
    assert response.json()["rank"] == "Sergeant"
    event = AuditEvent.objects.get(action="update", object_type="people.exit")
    # The rank is encrypted on the exit; the audit log says it changed, not to what.
    assert event.changes == {"rank": ["•••", "•••"]}
    # The old ETag is now stale.
    response = client.patch(url, {"rank": "Private"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    exit.refresh_from_db()
    assert exit.rank == "Sergeant"


def test_exit_rules(api, case_worker_mae_sot, records):
    client = api(case_worker_mae_sot)
    person = records["own"]["person"].pk
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    response = client.post(
        reverse("api:exit-list"),
        {"person": person, "exit_type": "defected", "affiliation": "soldier",
         "exit_date": future, "custody_status": "in_custody"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"exit_date"}
    response = client.post(
        reverse("api:exit-list"),
        {"person": person, "exit_type": "defected", "affiliation": "soldier",
         "exit_date": "2024-01-01", "custody_status": "in_custody"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"custody_status"}


def test_exit_says_how_it_is_known(api, case_worker_mae_sot, person_mae_sot):
    client = api(case_worker_mae_sot)
    response = client.post(
        reverse("api:exit-list"),
        {"person": person_mae_sot.pk, "exit_type": "surrendered", "affiliation": "police",
         "exit_date": "2025-01-05", "verification": "documents_verified"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["verification"] == "documents_verified"
    assert Exit.objects.get().verification == "documents_verified"
    refused = client.post(
        reverse("api:exit-list"),
        {"person": person_mae_sot.pk, "exit_type": "surrendered", "affiliation": "police",
         "exit_date": "2025-01-05", "verification": "rumour"},
        format="json",
    )  # fmt: skip
    assert refused.status_code == 400
    assert set(refused.json()["errors"]) == {"verification"}
    assert Exit.objects.count() == 1


def test_exit_cannot_move_to_another_person(api, case_worker_mae_sot, records, mae_sot):
    exit = records["own"]["exit"]
    other = Person.objects.exclude(pk=exit.person_id).filter(location=mae_sot).first()
    other = other or records["own"]["person"]
    url = reverse("api:exit-detail", args=[exit.pk])
    client = api(case_worker_mae_sot)
    response = client.patch(
        url, {"person": other.pk}, format="json", HTTP_IF_MATCH=read_etag(client, url)
    )
    assert response.status_code == 400 and list(response.json()["errors"]) == ["person"]


def test_exits_filtered_by_person_stay_in_scope(api, case_worker_mae_sot, records):
    client = api(case_worker_mae_sot)
    own, other = records["own"]["person"], records["other"]["person"]
    ExitFactory(person=own)
    rows = client.get(reverse("api:exit-list"), {"person": own.pk}).json()["results"]
    assert len(rows) == 2 and {row["person"] for row in rows} == {own.pk}
    assert client.get(reverse("api:exit-list"), {"person": other.pk}).json()["results"] == []


# --- Case notes -----------------------------------------------------------------------------------


def test_note_is_edited_by_its_author_within_24_hours(api, case_worker_mae_sot, records):
    note = records["own"]["note"]
    url = reverse("api:note-detail", args=[note.pk])
    client = api(case_worker_mae_sot)
    etag = read_etag(client, url)
    response = client.patch(url, {"text": "Corrected."}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["edited_at"] and response.json()["author"] == case_worker_mae_sot.pk
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        etag = read_etag(client, url)
        response = client.patch(url, {"text": "Too late."}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 403
    note.refresh_from_db()
    assert note.text == "Corrected."


def test_note_created_for_the_author(api, case_worker_mae_sot, records):
    response = api(case_worker_mae_sot).post(
        reverse("api:note-list"),
        {"person": records["own"]["person"].pk, "text": "Talked about training."},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["author"] == case_worker_mae_sot.pk and body["text"] == "Talked about training."
    assert AuditEvent.objects.filter(
        action="create", object_type="people.casenote", object_id=str(body["id"])
    ).exists()


def test_note_author_cannot_be_written(api, case_worker_mae_sot, records):
    response = api(case_worker_mae_sot).post(
        reverse("api:note-list"),
        {"person": records["own"]["person"].pk, "text": "x", "author": 1},
        format="json",
    )
    assert response.status_code == 400 and list(response.json()["errors"]) == ["author"]


# --- Follow-ups -----------------------------------------------------------------------------------


def test_follow_up_completed_once(api, case_worker_mae_sot, records):
    follow_up = records["own"]["follow_up"]
    url = reverse("api:follow-up-complete", args=[follow_up.pk])
    client = api(case_worker_mae_sot)
    first = client.post(url)
    assert first.status_code == 200 and first.json()["done_by"] == case_worker_mae_sot.pk
    assert client.post(url).json()["done_at"] == first.json()["done_at"]
    assert AuditEvent.objects.filter(action="update", object_type="people.followup").count() == 1
    rows = client.get(reverse("api:follow-up-list"), {"done": "false"}).json()["results"]
    assert follow_up.pk not in [row["id"] for row in rows]
    rows = client.get(reverse("api:follow-up-list"), {"done": "true"}).json()["results"]
    assert [row["id"] for row in rows] == [follow_up.pk]


def test_follow_up_assignee_from_own_sites_only(
    api, case_worker_mae_sot, case_worker_delhi, records
):
    response = api(case_worker_mae_sot).post(
        reverse("api:follow-up-list"),
        {"person": records["own"]["person"].pk, "due_on": "2030-01-01",
         "assignee": case_worker_delhi.pk, "description": "Visit"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400 and list(response.json()["errors"]) == ["assignee"]


def test_follow_ups_cannot_be_edited(api, admin_user, records):
    url = reverse("api:follow-up-detail", args=[records["own"]["follow_up"].pk])
    assert api(admin_user).patch(url, {}, format="json", HTTP_IF_MATCH='"x"').status_code == 405


# --- Transfers ------------------------------------------------------------------------------------


def test_an_accepted_transfer_moves_the_person_out_of_scope(
    api, case_worker_mae_sot, case_worker_delhi, records, mae_sot, new_delhi
):
    person = records["own"]["person"]
    client = api(case_worker_mae_sot)
    response = client.post(
        reverse("api:transfer-request-list"),
        {"person": person.pk, "to_location": new_delhi.pk, "reason": "Family in Delhi"},
        format="json",
    )
    assert response.status_code == 201, response.content
    delhi = api(case_worker_delhi)
    accepted = delhi.post(
        reverse("api:transfer-request-accept", args=[response.json()["id"]]),
        {"new_case_worker": case_worker_delhi.pk},
        format="json",
    )
    assert accepted.status_code == 200, accepted.content
    person.refresh_from_db()
    assert person.location == new_delhi and person.version == 2
    assert client.get(reverse("api:person-detail", args=[person.pk])).status_code == 404
    assert delhi.get(reverse("api:person-detail", args=[person.pk])).status_code == 200
    transfer = delhi.get(reverse("api:transfer-detail", args=[accepted.json()["transfer"]]))
    assert transfer.status_code == 200
    assert transfer.json()["from_location"] == mae_sot.pk


def test_a_transfer_to_the_same_site_is_refused(api, case_worker_mae_sot, records, mae_sot):
    client = api(case_worker_mae_sot)
    person = records["own"]["person"]
    response = client.post(
        reverse("api:transfer-request-list"),
        {"person": person.pk, "to_location": mae_sot.pk, "reason": "x"},
        format="json",
    )
    assert response.status_code == 400 and list(response.json()["errors"]) == ["to_location"]
    assert not Transfer.objects.exists() and not person.transfer_requests.exists()


# --- Partners -------------------------------------------------------------------------------------


def test_partners_read_by_case_workers_written_by_admins(
    api, admin_user, case_worker_mae_sot, partner
):
    url = reverse("api:partner-detail", args=[partner.pk])
    assert api(case_worker_mae_sot).get(url).json()["services"] == ["legal"]
    client = api(admin_user)
    response = client.patch(
        url, {"services": ["legal", "medical"]}, format="json", HTTP_IF_MATCH=read_etag(client, url)
    )
    assert response.status_code == 200
    partner.refresh_from_db()
    assert partner.services == ["legal", "medical"]
    assert AuditEvent.objects.get(action="update", object_type="people.partner").actor == admin_user


def test_partner_names_are_unique_and_services_known(api, admin_user, partner):
    response = api(admin_user).post(
        reverse("api:partner-list"),
        {"name": partner.name, "services": ["astrology"]},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"name", "services"}
    assert Partner.objects.count() == 1


def test_partner_search(api, case_worker_mae_sot, partner):
    Partner.objects.create(name="Health clinic")
    rows = api(case_worker_mae_sot).get(reverse("api:partner-list"), {"search": "legal"})
    assert [row["name"] for row in rows.json()["results"]] == [partner.name]


# --- Sites ------------------------------------------------------------------------------------------


def codes(client, **query):
    response = client.get(reverse("api:location-list"), query)
    assert response.status_code == 200
    return [row["code"] for row in response.json()["results"]]


def test_sites_per_role(api, admin_user, case_worker_mae_sot, trainer, analyst):
    everything = sorted(Location.objects.values_list("code", flat=True))
    assert sorted(codes(api(admin_user))) == everything
    assert sorted(codes(api(analyst))) == everything
    assert codes(api(case_worker_mae_sot)) == ["MAE-SOT"]
    assert codes(api(trainer)) == ["MAE-SOT"]  # the sites they work at


def test_site_field_sets(api, admin_user, case_worker_mae_sot, mae_sot):
    url = reverse("api:location-detail", args=[mae_sot.pk])
    assert "case_prefix" in api(admin_user).get(url).json()
    assert set(api(case_worker_mae_sot).get(url).json()) == {
        "id", "code", "name", "kind", "country", "active",
    }  # fmt: skip


def test_admin_creates_a_site_with_a_unique_code(api, admin_user):
    client = api(admin_user)
    body = {"code": "chiang-mai", "case_prefix": "CM", "name": "Chiang Mai", "country": "Thailand"}
    response = client.post(reverse("api:location-list"), body, format="json")
    assert response.status_code == 201 and response.json()["code"] == "CHIANG-MAI"
    again = client.post(reverse("api:location-list"), {**body, "case_prefix": "CX"}, format="json")
    assert again.status_code == 400 and list(again.json()["errors"]) == ["code"]
    event = AuditEvent.objects.get(action="create", object_type="portal.location")
    assert event.changes["code"] == [None, "CHIANG-MAI"]


def test_site_update_needs_current_etag(api, admin_user, mae_sot):
    url = reverse("api:location-detail", args=[mae_sot.pk])
    client = api(admin_user)
    etag = read_etag(client, url)
    # Another admin renames the site meanwhile (through the same service as every write).
    portal_services.save_location(
        by=admin_user,
        values={"name": "Renamed elsewhere"},
        location=mae_sot,
        expected_version=mae_sot.version,
    )
    response = client.patch(url, {"active": False}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    mae_sot.refresh_from_db()
    assert mae_sot.active
    response = client.patch(
        url, {"active": False}, format="json", HTTP_IF_MATCH=read_etag(client, url)
    )
    assert response.status_code == 200 and response.json()["active"] is False


def test_trainer_sees_no_person_level_data(api, mae_sot, records):
    trainer = make_user("trainer", [mae_sot], mfa=False)
    client = api(trainer)
    for name in ("api:person-list", "api:exit-list", "api:note-list", "api:transfer-list"):
        assert client.get(reverse(name)).status_code == 403
    assert Exit.objects.exists()
