import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse

from people import services
from people.models import Person
from portal.models import AuditEvent
from tests.people.factories import ExitFactory


def test_admin_anonymises_a_person_and_statistics_fields_stay(
    client, signed_in, admin_user, person_mae_sot
):
    exit = ExitFactory(person=person_mae_sot, unit="LIB 77", exit_type="pow")
    services.add_note(by=admin_user, person=person_mae_sot, text="Lives near the market")
    services.change_status(
        by=admin_user, person=person_mae_sot, to_status="closed", closing_reason="other",
        note="Moved in with his uncle in Mae Sot", expected_version=1,
    )  # fmt: skip
    signed_in(admin_user)
    url = reverse("people:anonymise", args=[person_mae_sot.pk])
    assert client.post(url, {"reason": "Asked to be forgotten"}).status_code == 200  # not confirmed
    response = client.post(url, {"reason": "Asked to be forgotten", "confirm": "on"})
    assert response.status_code == 302
    person = Person.objects.get(pk=person_mae_sot.pk)
    assert person.full_name == "Anonymised" and person.name_my == "" and person.phone == ""
    assert person.anonymised_at and person.birth_year == person_mae_sot.birth_year
    exit.refresh_from_db()
    assert exit.unit == "" and exit.exit_type == "pow"
    assert person.notes.get().text == "[removed]"
    closing = person.status_changes.get()
    assert closing.note == "[removed]" and closing.closing_reason == "other"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name_my_key, phone_hash FROM people_person WHERE id = %s", [person.pk]
        )
        assert cursor.fetchone() == ("", "")
    event = AuditEvent.objects.get(changes__has_key="anonymised")
    assert event.actor == admin_user and event.person_id == person.pk


def test_case_worker_cannot_anonymise(case_worker_mae_sot, person_mae_sot):
    with pytest.raises(PermissionDenied):
        services.anonymise_person(by=case_worker_mae_sot, person=person_mae_sot, reason="x")
