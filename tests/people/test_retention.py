"""Retention: closed cases are anonymised after RETENTION_CLOSED_CASE_DAYS by a scheduled
task (system action, idempotent), unless kept with a reason; admins see and are e-mailed
what comes next (case numbers and counts only)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from people import services, tasks
from people.models import Person, RetentionHold
from portal.models import AuditEvent
from tests.people.factories import ExitFactory, PersonFactory

DAYS = 365


@pytest.fixture(autouse=True)
def _retention(settings):
    settings.RETENTION_CLOSED_CASE_DAYS = DAYS


def closed(days_ago: int, **fields) -> Person:
    """A case closed (last changed) `days_ago` days ago."""
    person = PersonFactory(status="closed", phone="0812345678", **fields)
    Person.objects.filter(pk=person.pk).update(updated_at=timezone.now() - timedelta(days=days_ago))
    return Person.objects.get(pk=person.pk)


def test_task_anonymises_closed_cases_past_the_period_and_keeps_statistics_fields(db):
    due = closed(DAYS + 1, full_name="Kyaw Min Oo", sex="female", birth_year=1990)
    exit = ExitFactory(person=due, exit_type="pow", affiliation="police", unit="LIB 77")
    recent, active = closed(DAYS - 1), PersonFactory(status="active")
    Person.objects.filter(pk=active.pk).update(updated_at=timezone.now() - timedelta(days=900))

    assert tasks.anonymise_closed_cases() == {"due": 1, "anonymised": 1}

    due.refresh_from_db()
    assert due.anonymised_at and due.full_name == "Anonymised" and due.phone == ""
    assert (due.sex, due.birth_year, due.status) == ("female", 1990, "closed")
    exit.refresh_from_db()
    assert (exit.exit_type, exit.affiliation, exit.unit) == ("pow", "police", "")
    for other in (recent, active):
        other.refresh_from_db()
        assert other.anonymised_at is None and other.full_name != "Anonymised"
    event = AuditEvent.objects.get(person_id=due.pk, changes__has_key="anonymised")
    assert event.actor is None and event.changes["system"] == [None, True]
    assert f"{DAYS} days" in event.changes["anonymised"][1]


def test_task_is_idempotent(db):
    closed(DAYS + 10)
    assert tasks.anonymise_closed_cases()["anonymised"] == 1
    events = AuditEvent.objects.count()
    assert tasks.anonymise_closed_cases() == {"due": 0, "anonymised": 0}
    assert AuditEvent.objects.count() == events


def test_a_case_reopened_or_kept_after_being_listed_is_left_alone(db, case_worker_mae_sot):
    reopened, kept = closed(DAYS + 5), closed(DAYS + 5)
    due = services.retention_due_ids()
    assert set(due) == {reopened.pk, kept.pk}
    Person.objects.filter(pk=reopened.pk).update(status="active")
    services.place_retention_hold(by=case_worker_mae_sot, person=kept, reason="Court case")
    assert [services.anonymise_for_retention(pk) for pk in due] == [False, False]
    assert services.anonymise_for_retention(999999) is False  # gone: nothing to do
    assert not Person.objects.filter(anonymised_at__isnull=False).exists()


def test_retention_off_anonymises_nothing(db, settings):
    settings.RETENTION_CLOSED_CASE_DAYS = 0
    closed(5000)
    assert tasks.anonymise_closed_cases() == {"due": 0, "anonymised": 0}
    assert tasks.send_retention_notice() == 0


def test_case_worker_keeps_a_case_with_a_reason_shown_on_the_person_page(
    client, signed_in, case_worker_mae_sot
):
    person = closed(DAYS - 10)
    signed_in(case_worker_mae_sot)
    page = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    due_on = timezone.localdate(person.updated_at + timedelta(days=DAYS))
    assert f"anonymised on {due_on:%Y-%m-%d}" in page
    url = reverse("people:retention_hold", args=[person.pk])
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 200 and response.context["form"].errors
    assert not RetentionHold.objects.exists()
    response = client.post(url, {"reason": "Asylum appeal pending"})
    assert response.status_code == 302
    hold = RetentionHold.objects.get(person=person)
    assert hold.held_by == case_worker_mae_sot
    event = AuditEvent.objects.get(changes__has_key="retention_hold")
    assert event.actor == case_worker_mae_sot and event.person_id == person.pk
    assert event.changes["retention_hold"] == [None, "Asylum appeal pending"]
    page = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    assert "Kept from retention anonymisation" in page and "Asylum appeal pending" in page
    assert "Lift the hold" not in page  # admins only
    assert client.post(url, {"reason": "Again"}).context["form"].non_field_errors()


def test_admin_lifts_a_hold_and_the_case_is_anonymised_next(
    client, signed_in, admin_user, case_worker_mae_sot
):
    person = closed(DAYS + 3)
    services.place_retention_hold(by=case_worker_mae_sot, person=person, reason="Court case")
    assert tasks.anonymise_closed_cases()["anonymised"] == 0
    signed_in(admin_user)
    assert (
        "Lift the hold" in client.get(reverse("people:detail", args=[person.pk])).content.decode()
    )
    response = client.post(reverse("people:retention_lift", args=[person.pk]))
    assert response.status_code == 302 and not RetentionHold.objects.exists()
    lifted = AuditEvent.objects.filter(action="delete", changes__has_key="retention_hold").get()
    assert lifted.actor == admin_user and lifted.changes["retention_hold"] == ["Court case", None]
    assert tasks.anonymise_closed_cases()["anonymised"] == 1


def test_admin_anonymising_a_kept_case_ends_its_hold(admin_user, case_worker_mae_sot):
    person = closed(10)
    services.place_retention_hold(by=case_worker_mae_sot, person=person, reason="Keep")
    services.anonymise_person(by=admin_user, person=person, reason="Asked to be forgotten")
    assert not RetentionHold.objects.exists()


def test_retention_screen_lists_what_comes_next_and_the_kept_cases(
    client, signed_in, admin_user, case_worker_mae_sot
):
    soon = closed(DAYS - 20, full_name="Soon Name")
    later = closed(DAYS - 60, full_name="Later Name")
    kept = closed(DAYS + 1, full_name="Kept Name")
    services.place_retention_hold(by=case_worker_mae_sot, person=kept, reason="Court case")
    signed_in(admin_user)
    page = client.get(reverse("people:retention")).content.decode()
    assert "Anonymised within 31 days: 1 case" in page and soon.case_number in page
    assert later.case_number not in page
    assert "Kept: 1 case" in page and kept.case_number in page and "Court case" in page
    for name in ("Soon Name", "Later Name", "Kept Name"):
        assert name not in page


def test_monthly_notice_emails_admins_case_numbers_and_counts_only(db, admin_user, mae_sot):
    soon = closed(DAYS - 5, full_name="Soon Name")
    closed(DAYS - 200)
    assert tasks.send_retention_notice() == 1
    message = mail.outbox[-1]
    assert message.to == [admin_user.email]
    assert "1 closed case will be anonymised" in message.subject
    assert soon.case_number in message.body and "Soon Name" not in message.body
    assert reverse("people:retention") in message.body


def test_retention_tasks_are_on_the_beat_schedule(db):
    daily = PeriodicTask.objects.get(task="people.tasks.anonymise_closed_cases")
    monthly = PeriodicTask.objects.get(task="people.tasks.send_retention_notice")
    assert daily.expire_seconds and monthly.expire_seconds
    assert (daily.crontab.day_of_month, monthly.crontab.day_of_month) == ("*", "1")
