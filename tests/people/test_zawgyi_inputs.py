"""Burmese text typed in Zawgyi is stored in Unicode wherever it is typed: the screens' forms
(and the user is told), the API (the `Zawgyi-Converted` header says which fields), the
services (admin, commands, tasks) and the import.

The Zawgyi strings are written out as a Zawgyi keyboard produces them (not generated here);
each is checked against its Unicode spelling."""

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from people import services
from people.burmese import is_zawgyi
from people.import_rows import COLUMNS
from people.importing import import_people
from people.models import CaseNote, Feedback, Flag, FollowUp, Partner, Referral, TransferRequest
from tests.people.factories import PersonFactory

# "call his mother" / "seen by an informer" / "found a lawyer" / "tea shop"
ZAWGYI_CALL_MOTHER = "သူ႔အေမကို ဖုန္းဆက္ရန္"
UNICODE_CALL_MOTHER = "သူ့အမေကို ဖုန်းဆက်ရန်"
ZAWGYI_INFORMER = "သတင္းေပးက ေတြ႕ခဲ့သည္"
UNICODE_INFORMER = "သတင်းပေးက တွေ့ခဲ့သည်"
ZAWGYI_LAWYER = "ေရွ႕ေန ရွာေတြ႕ၿပီ"
UNICODE_LAWYER = "ရှေ့နေ ရှာတွေ့ပြီ"


def test_the_samples_are_zawgyi_and_their_unicode_spellings_are_not():
    for zawgyi, unicode in [
        (ZAWGYI_CALL_MOTHER, UNICODE_CALL_MOTHER),
        (ZAWGYI_INFORMER, UNICODE_INFORMER),
        (ZAWGYI_LAWYER, UNICODE_LAWYER),
    ]:
        assert zawgyi != unicode and is_zawgyi(zawgyi) and not is_zawgyi(unicode)


@pytest.fixture
def person(mae_sot):
    return PersonFactory(location=mae_sot, consent_sharing=True)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_case_note_typed_in_zawgyi_is_saved_in_unicode_and_the_user_told(
    client, signed_in, case_worker_mae_sot, person
):
    signed_in(case_worker_mae_sot)
    response = client.post(reverse("people:note_add", args=[person.pk]), {"text": ZAWGYI_INFORMER})
    assert response.status_code == 302
    assert CaseNote.objects.get(person=person).text == UNICODE_INFORMER
    assert "Note was typed in Zawgyi and has been converted to Unicode." in _messages(response)


def test_unicode_text_is_kept_and_nothing_is_said(client, signed_in, case_worker_mae_sot, person):
    signed_in(case_worker_mae_sot)
    response = client.post(reverse("people:note_add", args=[person.pk]), {"text": UNICODE_INFORMER})
    assert response.status_code == 302
    assert CaseNote.objects.get(person=person).text == UNICODE_INFORMER
    assert not [m for m in _messages(response) if "Zawgyi" in m]


@pytest.mark.parametrize(
    ("url_name", "data", "model", "field"),
    [
        ("people:flag_add", {"reason": "security_risk", "note": ZAWGYI_INFORMER}, Flag, "note"),
        ("people:transfer", {"confirmed": "1", "reason": ZAWGYI_INFORMER},
         TransferRequest, "reason"),
        ("people:feedback_add", {"received_on": "2025-05-01", "channel": "in_person",
         "category": "complaint", "text": ZAWGYI_INFORMER, "status": "open"}, Feedback, "text"),
    ],
)  # fmt: skip
def test_every_case_form_converts_zawgyi(
    client, signed_in, admin_user, person, new_delhi, url_name, data, model, field
):
    if url_name == "people:transfer":
        data = {**data, "to_location": new_delhi.pk}
    signed_in(admin_user)
    response = client.post(reverse(url_name, args=[person.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert getattr(model.objects.get(person=person), field) == UNICODE_INFORMER
    assert any("converted to Unicode" in m for m in _messages(response))


def test_a_follow_up_and_a_referral_outcome_in_zawgyi(
    client, signed_in, case_worker_mae_sot, person
):
    signed_in(case_worker_mae_sot)
    response = client.post(
        reverse("people:follow_up_add", args=[person.pk]),
        {"due_on": "2030-01-01", "assignee": case_worker_mae_sot.pk,
         "description": ZAWGYI_CALL_MOTHER},
    )  # fmt: skip
    assert response.status_code == 302
    assert FollowUp.objects.get(person=person).description == UNICODE_CALL_MOTHER
    assert "What to do was typed in Zawgyi and has been converted to Unicode." in _messages(
        response
    )
    referral = services.create_referral(
        by=case_worker_mae_sot,
        person=person,
        values={"partner": Partner.objects.create(name="Legal aid"), "service": "legal",
                "referred_on": date(2025, 3, 1)},
    )  # fmt: skip
    response = client.post(
        reverse("people:referral_update", args=[person.pk, referral.pk]),
        {"status": "completed", "outcome_note": ZAWGYI_LAWYER, "version": referral.version},
    )
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).outcome_note == UNICODE_LAWYER
    assert "Outcome was typed in Zawgyi and has been converted to Unicode." in _messages(response)


def test_the_services_convert_what_the_admin_commands_and_tasks_send(admin_user, person):
    note = services.add_note(by=admin_user, person=person, text=ZAWGYI_INFORMER)
    flag = services.raise_flag(
        by=admin_user, person=person, reason="security_risk", note=ZAWGYI_LAWYER
    )
    flag = services.resolve_flag(
        by=admin_user, flag=flag, resolution_note=ZAWGYI_CALL_MOTHER, expected_version=flag.version
    )
    assert CaseNote.objects.get(pk=note.pk).text == UNICODE_INFORMER
    saved = Flag.objects.get(pk=flag.pk)
    assert (saved.note, saved.resolution_note) == (UNICODE_LAWYER, UNICODE_CALL_MOTHER)


def _api(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_the_api_converts_zawgyi_and_names_the_fields_in_a_header(case_worker_mae_sot, person):
    response = _api(case_worker_mae_sot).post(
        reverse("api:note-list"), {"person": person.pk, "text": ZAWGYI_INFORMER}, format="json"
    )
    assert response.status_code == 201
    assert response["Zawgyi-Converted"] == "text"
    assert response.json()["text"] == UNICODE_INFORMER
    assert CaseNote.objects.get(person=person).text == UNICODE_INFORMER


def test_the_api_says_nothing_for_unicode(case_worker_mae_sot, person):
    response = _api(case_worker_mae_sot).post(
        reverse("api:follow-up-list"),
        {"person": person.pk, "due_on": "2030-01-01", "assignee": case_worker_mae_sot.pk,
         "description": UNICODE_CALL_MOTHER},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    assert "Zawgyi-Converted" not in response


def test_the_schema_documents_the_header(admin_user):
    response = _api(admin_user).get("/api/schema/?format=json")
    assert "Zawgyi-Converted" in response.content.decode()


def test_an_import_converts_notes_and_rank(admin_user, mae_sot):
    values = {
        "case_number": "", "full_name": "Kyaw Min Oo", "preferred_name": "Kyaw", "name_my": "",
        "sex": "male", "birth_year": "2003", "exit_type": "defected", "affiliation": "soldier",
        "exit_date": "2025-08-14", "recruit_status": "new_recruit", "rank": ZAWGYI_LAWYER,
        "origin_region": "Magway", "location": "MAE-SOT", "notes": ZAWGYI_INFORMER,
    }  # fmt: skip
    data = (",".join(COLUMNS) + "\n" + ",".join(values[c] for c in COLUMNS) + "\n").encode()
    report = import_people(data, filename="people.csv", user=admin_user)
    assert report.ok, report.errors
    assert report.zawgyi_conversions == 2
    note = CaseNote.objects.get()
    assert note.text == UNICODE_INFORMER
    assert note.person.exits.get().rank == UNICODE_LAWYER
