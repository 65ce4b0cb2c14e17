"""The case status workflow (`people.workflow`): allowed and refused changes, closing and
reopening reasons, the timeline, the audit, the list filter, the admins' figures, the API
action, registration and the import's starting states."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from people import services, workflow
from people.importing import import_people
from people.models import Person, StatusChange
from portal.models import AuditEvent
from tests.factories import saved_version
from tests.people.factories import PersonFactory

TODAY = timezone.localdate


@pytest.fixture
def case(mae_sot):
    """A case registered a month ago, now in intake."""
    return PersonFactory(
        location=mae_sot, status="intake", created_at=timezone.now() - timedelta(days=30)
    )


def change(user, person, to_status, **kwargs):
    return services.change_status(
        by=user,
        person=person,
        to_status=to_status,
        expected_version=saved_version(person),
        **kwargs,
    )


ALLOWED = [
    ("intake", "active", {}),
    ("intake", "closed", {"closing_reason": "unreachable"}),
    ("active", "resettled", {}),
    ("active", "closed", {"closing_reason": "other", "note": "Went home"}),
    ("resettled", "active", {"note": "Resettlement failed"}),
    ("closed", "active", {"note": "Came back"}),
]


@pytest.mark.parametrize(("from_status", "to_status", "extra"), ALLOWED)
def test_allowed_changes_are_recorded(case_worker_mae_sot, case, from_status, to_status, extra):
    Person.objects.filter(pk=case.pk).update(status=from_status)
    recorded = change(case_worker_mae_sot, case, to_status, **extra)
    case.refresh_from_db()
    assert case.status == to_status
    assert (recorded.from_status, recorded.to_status) == (from_status, to_status)
    assert recorded.changed_by == case_worker_mae_sot and recorded.changed_on == TODAY()
    if to_status in workflow.CLOSED_STATES:
        assert case.closing_reason == recorded.closing_reason != ""
    else:
        assert case.closing_reason == "" and recorded.closing_reason == ""


REFUSED = [
    ("closed", "intake", {}, "to_status"),
    ("intake", "resettled", {}, "to_status"),
    ("active", "intake", {}, "to_status"),
    ("active", "active", {}, "to_status"),
    ("active", "closed", {}, "closing_reason"),  # no reason
    ("active", "closed", {"closing_reason": "resettled"}, "closing_reason"),
    ("active", "closed", {"closing_reason": "duplicate_merged"}, "closing_reason"),
    ("active", "closed", {"closing_reason": "other"}, "note"),  # other without a text
    ("closed", "active", {}, "note"),  # reopening without a reason
    ("intake", "active", {"closing_reason": "deceased"}, "closing_reason"),
    ("active", "resettled", {"closing_reason": "moved_away"}, "closing_reason"),
]


@pytest.mark.parametrize(("from_status", "to_status", "extra", "field"), REFUSED)
def test_refused_changes_say_why_and_change_nothing(
    case_worker_mae_sot, case, from_status, to_status, extra, field
):
    Person.objects.filter(pk=case.pk).update(status=from_status)
    with pytest.raises(ValidationError) as refused:
        change(case_worker_mae_sot, case, to_status, **extra)
    assert field in refused.value.error_dict
    case.refresh_from_db()
    assert case.status == from_status and case.version == 1
    assert not StatusChange.objects.exists()
    assert not AuditEvent.objects.filter(action="update").exists()


def test_the_date_is_neither_in_the_future_nor_before_the_previous_change(
    case_worker_mae_sot, case
):
    with pytest.raises(ValidationError) as refused:
        change(case_worker_mae_sot, case, "active", changed_on=TODAY() + timedelta(days=1))
    assert "changed_on" in refused.value.error_dict
    change(case_worker_mae_sot, case, "active", changed_on=TODAY() - timedelta(days=5))
    with pytest.raises(ValidationError) as refused:
        change(
            case_worker_mae_sot,
            case,
            "closed",
            closing_reason="deceased",
            changed_on=TODAY() - timedelta(days=6),
        )
    assert "changed_on" in refused.value.error_dict


def test_a_change_is_audited_without_the_reason_text(case_worker_mae_sot, case):
    change(case_worker_mae_sot, case, "closed", closing_reason="other", note="Private detail")
    event = AuditEvent.objects.get(action="update", person_id=case.pk)
    assert event.changes["status"] == ["intake", "closed"]
    assert event.changes["closing_reason"] == [None, "other"]
    assert "Private detail" not in str(event.changes)


def test_the_screen_changes_the_status_and_shows_the_timeline(
    client, signed_in, case_worker_mae_sot, case
):
    signed_in(case_worker_mae_sot)
    url = reverse("people:status_change", args=[case.pk])
    page = client.get(url)
    offered = [value for value, _label in page.context["form"].fields["to_status"].choices]
    assert offered == ["active", "closed"]
    response = client.post(
        url,
        {
            "to_status": "closed",
            "closing_reason": "moved_away",
            "changed_on": TODAY().isoformat(),
            "version": 1,
        },
    )
    assert response.status_code == 302
    detail = client.get(reverse("people:detail", args=[case.pk])).content.decode()
    assert "Intake → <strong>Closed</strong> · Moved away" in detail
    assert "Registered · Intake" in detail


def test_a_refused_change_is_a_form_message_on_the_screen(
    client, signed_in, case_worker_mae_sot, case
):
    Person.objects.filter(pk=case.pk).update(status="closed")
    signed_in(case_worker_mae_sot)
    response = client.post(
        reverse("people:status_change", args=[case.pk]),
        {"to_status": "intake", "changed_on": TODAY().isoformat(), "version": 1},
    )
    assert response.status_code == 200
    assert "cannot go from Closed to Intake" in str(response.context["form"].errors["to_status"])
    case.refresh_from_db()
    assert case.status == "closed" and not StatusChange.objects.exists()


def test_the_edit_form_no_longer_changes_the_status(
    client, signed_in, case_worker_mae_sot, case, mae_sot
):
    signed_in(case_worker_mae_sot)
    url = reverse("people:edit", args=[case.pk])
    assert "status" not in client.get(url).context["form"].fields
    data = {
        "full_name": case.full_name,
        "sex": "male",
        "location": mae_sot.pk,
        "dependants": "0",
        "status": "closed",
        "version": 1,
    }
    assert client.post(url, data).status_code == 302
    case.refresh_from_db()
    assert case.status == "intake"


def test_the_service_refuses_a_status_change_through_an_edit(case_worker_mae_sot, case):
    with pytest.raises(ValidationError) as refused:
        services.update_person(
            by=case_worker_mae_sot, person=case, values={"status": "closed"}, expected_version=1
        )
    assert "status" in refused.value.error_dict


def test_registration_starts_as_intake_or_active(client, signed_in, case_worker_mae_sot, mae_sot):
    signed_in(case_worker_mae_sot)
    data = {
        "full_name": "Min Thu",
        "sex": "male",
        "location": mae_sot.pk,
        "dependants": "0",
        "status": "closed",
    }
    response = client.post(reverse("people:create"), data)
    assert response.status_code == 200 and "status" in response.context["form"].errors
    with pytest.raises(ValidationError):
        services.create_person(
            by=case_worker_mae_sot,
            person_data={"full_name": "Min Thu", "location": mae_sot, "status": "resettled"},
        )
    assert not Person.objects.filter(full_name="Min Thu").exists()


def test_merging_closes_the_duplicate_with_its_reason(admin_user, mae_sot):
    keep, merge = PersonFactory(), PersonFactory()
    services.change_status(by=admin_user, person=merge, to_status="closed",
                           closing_reason="unreachable", expected_version=1)  # fmt: skip
    services.merge_people(by=admin_user, keep=keep, merge=merge)
    merge.refresh_from_db()
    assert merge.status == "closed" and merge.closing_reason == "duplicate_merged"
    # Each record keeps its own history.
    assert list(merge.status_changes.values_list("closing_reason", flat=True)) == [
        "unreachable",
        "duplicate_merged",
    ]
    assert not keep.status_changes.exists()


def test_people_list_filters_by_closing_reason(client, signed_in, admin_user, mae_sot):
    moved, deceased, open_case = PersonFactory(), PersonFactory(), PersonFactory()
    change(admin_user, moved, "closed", closing_reason="moved_away")
    change(admin_user, deceased, "closed", closing_reason="deceased")
    signed_in(admin_user)
    response = client.post(reverse("people:list"), {"closing_reason": "moved_away"})
    listed = [row.pk for row in client.get(response.url).context["page"]]
    assert listed == [moved.pk]
    assert deceased.pk not in listed and open_case.pk not in listed


def test_admin_home_counts_closings_of_this_month_by_reason(
    client, signed_in, admin_user, case_worker_mae_sot, mae_sot
):
    first, second, third = (PersonFactory(created_at=timezone.now() - timedelta(days=90))
                            for _ in range(3))  # fmt: skip
    change(admin_user, first, "closed", closing_reason="moved_away")
    change(admin_user, second, "closed", closing_reason="moved_away")
    change(admin_user, third, "resettled")
    last_month = TODAY().replace(day=1) - timedelta(days=1)
    old = PersonFactory(created_at=timezone.now() - timedelta(days=90))
    change(admin_user, old, "closed", closing_reason="deceased", changed_on=last_month)
    signed_in(admin_user)
    closings = dict(client.get(reverse("home")).context["closings"])
    assert closings["Moved away"] == 2 and closings["Resettled"] == 1
    assert closings["Deceased"] == 0 and closings["Unreachable"] == 0
    signed_in(case_worker_mae_sot)
    assert "closings" not in client.get(reverse("home")).context


# --- API ---------------------------------------------------------------------------------------


@pytest.fixture
def api_client(case_worker_mae_sot):
    client = APIClient()
    _, token = AuthToken.objects.create(case_worker_mae_sot)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_api_changes_the_status_with_if_match(api_client, case):
    url = reverse("api:person-change-status", args=[case.pk])
    etag = api_client.get(reverse("api:person-detail", args=[case.pk]))["ETag"]
    response = api_client.post(
        url, {"to_status": "closed", "closing_reason": "unreachable"}, format="json",
        HTTP_IF_MATCH=etag,
    )  # fmt: skip
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    assert response.json()["closing_reason"] == "unreachable"
    assert response["ETag"] == '"2"'


def test_api_refused_change_is_400_with_field_errors(api_client, case):
    Person.objects.filter(pk=case.pk).update(status="closed")
    url = reverse("api:person-change-status", args=[case.pk])
    response = api_client.post(url, {"to_status": "active"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "note" in body["errors"]
    assert Person.objects.get(pk=case.pk).status == "closed"


def test_api_patch_cannot_change_the_status(api_client, case):
    response = api_client.patch(
        reverse("api:person-detail", args=[case.pk]),
        {"status": "closed"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 400 and "status" in response.json()["errors"]
    assert Person.objects.get(pk=case.pk).status == "intake"


def test_api_registration_starts_as_intake_or_active(api_client, mae_sot):
    response = api_client.post(
        reverse("api:person-list"),
        {"full_name": "Aung Aung", "location": mae_sot.pk, "status": "closed"},
        format="json",
    )
    assert response.status_code == 400 and "status" in response.json()["errors"]


# --- Import -----------------------------------------------------------------------------------


def _csv(status_values):
    header = (
        "case_number,full_name,preferred_name,name_my,sex,birth_year,exit_type,affiliation,"
        "exit_date,recruit_status,rank,origin_region,location,notes,status"
    )
    # Born three years apart: not likely duplicates of each other (the matching ignores the
    # digits of a name).
    rows = [f",Person {n},,,male,{1990 + 3 * n},,,,,,,MAE-SOT,,{value}" for n, value in
            enumerate(status_values)]  # fmt: skip
    return "\n".join([header, *rows]).encode()


def test_import_accepts_the_starting_states_only(case_worker_mae_sot, mae_sot):
    report = import_people(
        _csv(["active", "closed", "Resettled"]), filename="x.csv", user=case_worker_mae_sot
    )
    assert not report.ok and not Person.objects.exists()
    errors = [(error.line, error.column) for error in report.errors]
    assert errors == [(3, "status"), (4, "status")]
    assert "starts a case as intake or active" in report.errors[0].reason
    report = import_people(
        _csv(["active", "", "Intake"]), filename="x.csv", user=case_worker_mae_sot
    )
    assert report.ok
    assert sorted(Person.objects.values_list("status", flat=True)) == [
        "active",
        "intake",
        "intake",
    ]
    # No status change is invented for an imported case.
    assert not StatusChange.objects.exists()


def test_api_list_filters_by_closing_reason(api_client, case_worker_mae_sot, mae_sot):
    moved, _still_open = PersonFactory(), PersonFactory()
    change(case_worker_mae_sot, moved, "closed", closing_reason="moved_away")
    rows = api_client.get(reverse("api:person-list"), {"closing_reason": "moved_away"}).json()
    assert [row["id"] for row in rows["results"]] == [moved.pk]
    wrong = api_client.get(reverse("api:person-list"), {"closing_reason": "nonsense"})
    assert wrong.status_code == 400 and "closing_reason" in wrong.json()["errors"]
