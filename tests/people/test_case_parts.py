from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from people import services
from people.models import CaseNote, Flag, Partner, Person, Referral
from portal.models import AuditEvent


@pytest.fixture
def partner(db):
    return Partner.objects.create(name="Legal aid partner", services=["legal"])


def test_note_is_editable_by_its_author_for_24_hours_only(
    client, signed_in, case_worker_mae_sot, person_mae_sot
):
    signed_in(case_worker_mae_sot)
    client.post(reverse("people:note_add", args=[person_mae_sot.pk]), {"text": "First visit."})
    note = CaseNote.objects.get()
    url = reverse("people:note_edit", args=[person_mae_sot.pk, note.pk])
    assert client.post(url, {"text": "First visit, corrected.", "version": 1}).status_code == 302
    note.refresh_from_db()
    assert note.text == "First visit, corrected." and note.edited_at and note.version == 2
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        signed_in(case_worker_mae_sot)  # a new session: the old one timed out meanwhile
        assert client.post(url, {"text": "Too late.", "version": 2}).status_code == 403
    note.refresh_from_db()
    assert note.text == "First visit, corrected."


def test_another_user_cannot_edit_a_note(case_worker_mae_sot, admin_user, person_mae_sot):
    note = services.add_note(by=case_worker_mae_sot, person=person_mae_sot, text="Mine")
    with pytest.raises(PermissionDenied):
        services.edit_note(by=admin_user, note=note, text="Theirs", expected_version=1)


def test_notes_are_never_deleted_and_stored_encrypted(case_worker_mae_sot, person_mae_sot):
    note = services.add_note(by=case_worker_mae_sot, person=person_mae_sot, text="Sensitive detail")
    assert not hasattr(services, "delete_note")
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM people_casenote WHERE id = %s", [note.pk])
        stored = cursor.fetchone()[0]
    assert "Sensitive" not in stored
    assert CaseNote.objects.get().text == "Sensitive detail"


def test_follow_up_is_planned_and_done(client, signed_in, case_worker_mae_sot, person_mae_sot):
    signed_in(case_worker_mae_sot)
    client.post(
        reverse("people:follow_up_add", args=[person_mae_sot.pk]),
        {
            "due_on": "2030-01-01",
            "assignee": case_worker_mae_sot.pk,
            "description": "Check medical appointment",
        },
    )
    follow_up = person_mae_sot.follow_ups.get()
    client.post(
        reverse("people:follow_up_done", args=[person_mae_sot.pk, follow_up.pk]), {"version": 1}
    )
    follow_up.refresh_from_db()
    assert follow_up.done_at and follow_up.done_by == case_worker_mae_sot


def test_transfer_is_a_request_the_person_stays_until_accepted(
    client, signed_in, case_worker_mae_sot, person_mae_sot, new_delhi
):
    signed_in(case_worker_mae_sot)
    response = client.post(
        reverse("people:transfer", args=[person_mae_sot.pk]),
        {"to_location": new_delhi.pk, "reason": "Safety", "confirmed": "1"},
    )
    assert response.url == reverse("people:detail", args=[person_mae_sot.pk])
    person_mae_sot.refresh_from_db()
    assert person_mae_sot.location.code == "MAE-SOT" and not person_mae_sot.transfers.exists()
    assert person_mae_sot.transfer_requests.get().to_location == new_delhi


def test_flag_is_shown_until_resolved_with_a_note(
    client, signed_in, case_worker_mae_sot, person_mae_sot
):
    signed_in(case_worker_mae_sot)
    client.post(
        reverse("people:flag_add", args=[person_mae_sot.pk]),
        {"reason": "security_risk", "note": "Seen by informer"},
    )
    flag = Flag.objects.get()
    assert "Security risk" in client.get(reverse("people:list")).content.decode()
    assert (
        "Seen by informer"
        in client.get(reverse("people:detail", args=[person_mae_sot.pk])).content.decode()
    )
    url = reverse("people:flag_resolve", args=[person_mae_sot.pk, flag.pk])
    assert client.post(url, {"resolution_note": "", "version": 1}).status_code == 200
    client.post(url, {"resolution_note": "Moved to a safe home", "version": 1})
    flag.refresh_from_db()
    assert flag.resolved_at and flag.resolved_by == case_worker_mae_sot
    assert "Security risk" not in client.get(reverse("people:list")).content.decode()


@pytest.mark.parametrize(
    ("reason", "style"),
    [("security_risk", "danger"), ("medical_urgency", "danger"), ("data_to_check", "warning")],
)
def test_urgent_flags_are_red_on_the_person_page_and_the_list(
    client, signed_in, case_worker_mae_sot, person_mae_sot, reason, style
):
    Flag.objects.create(person=person_mae_sot, reason=reason, raised_by=case_worker_mae_sot)
    signed_in(case_worker_mae_sot)
    page = client.get(reverse("people:detail", args=[person_mae_sot.pk])).content.decode()
    assert f'class="alert alert-{style} ' in page
    assert f'class="badge text-bg-{style} ' in client.get(reverse("people:list")).content.decode()


def test_referral_is_refused_without_consent_to_share(
    client, signed_in, case_worker_mae_sot, person_mae_sot, partner
):
    signed_in(case_worker_mae_sot)
    response = client.post(
        reverse("people:referral_add", args=[person_mae_sot.pk]),
        {"partner": partner.pk, "service": "legal", "referred_on": "2025-03-01"},
    )
    assert response.status_code == 200
    assert "not consented" in str(response.context["form"].non_field_errors())
    assert not Referral.objects.exists()


def test_withdrawn_consent_also_blocks_referral(admin_user, person_mae_sot, partner):
    Person.objects.filter(pk=person_mae_sot.pk).update(
        consent_sharing=True, consent_withdrawn_on="2025-01-02"
    )
    person_mae_sot.refresh_from_db()
    with pytest.raises(ValidationError):
        services.create_referral(
            by=admin_user,
            person=person_mae_sot,
            values={"partner": partner, "service": "legal", "referred_on": "2025-03-01"},
        )


def test_admin_overrides_missing_consent_with_a_recorded_reason(
    client, signed_in, admin_user, person_mae_sot, partner
):
    signed_in(admin_user)
    url = reverse("people:referral_add", args=[person_mae_sot.pk])
    data = {"partner": partner.pk, "service": "legal", "referred_on": "2025-03-01"}
    assert client.post(url, data).status_code == 200  # no reason given
    assert client.post(url, {**data, "override_reason": "Urgent legal defence"}).status_code == 302
    referral = Referral.objects.get()
    assert (
        referral.consent_override_by == admin_user
        and referral.consent_override_reason == "Urgent legal defence"
    )
    event = AuditEvent.objects.get(action="create", object_type="people.referral")
    # The reason stays on the (encrypted) referral; the audit log says there was one.
    assert event.changes["consent_override"] == [None, "•••"]


def test_referral_with_consent_and_status_update(
    client, signed_in, case_worker_mae_sot, person_mae_sot, partner
):
    Person.objects.filter(pk=person_mae_sot.pk).update(
        consent_sharing=True, consent_date="2025-01-01"
    )
    signed_in(case_worker_mae_sot)
    client.post(
        reverse("people:referral_add", args=[person_mae_sot.pk]),
        {"partner": partner.pk, "service": "legal", "referred_on": "2025-03-01"},
    )
    referral = Referral.objects.get()
    client.post(
        reverse("people:referral_update", args=[person_mae_sot.pk, referral.pk]),
        {"status": "completed", "outcome_note": "Case won", "version": 1},
    )
    referral.refresh_from_db()
    assert referral.status == "completed"
    assert AuditEvent.objects.get(action="update", object_type="people.referral").changes[
        "status"
    ] == ["requested", "completed"]


def test_feedback_is_recorded_and_closed(client, signed_in, case_worker_mae_sot, person_mae_sot):
    signed_in(case_worker_mae_sot)
    data = {
        "received_on": "2025-03-01",
        "channel": "phone",
        "category": "complaint",
        "text": "Food late",
        "status": "open",
    }
    client.post(reverse("people:feedback_add", args=[person_mae_sot.pk]), data)
    feedback = person_mae_sot.feedback.get()
    client.post(
        reverse("people:feedback_edit", args=[person_mae_sot.pk, feedback.pk]),
        {**data, "status": "closed", "response": "Apologised; schedule fixed", "version": 1},
    )
    feedback.refresh_from_db()
    assert feedback.status == "closed" and feedback.closed_on is not None


def test_exit_edit_records_changed_fields(client, signed_in, case_worker_mae_sot, person_mae_sot):
    signed_in(case_worker_mae_sot)
    base = {
        "exit_type": "defected",
        "affiliation": "soldier",
        "exit_date": "2025-08-14",
        "recruit_status": "new_recruit",
        "forcibly_conscripted": "yes",
    }
    client.post(reverse("people:exit_add", args=[person_mae_sot.pk]), base)
    exit = person_mae_sot.exits.get()
    client.post(
        reverse("people:exit_edit", args=[person_mae_sot.pk, exit.pk]),
        {**base, "affiliation": "police", "unit": "LIB 123", "version": 1},
    )
    event = AuditEvent.objects.get(action="update", object_type="people.exit")
    assert event.changes["affiliation"] == ["soldier", "police"]
    assert event.changes["unit"] == ["•••", "•••"]
