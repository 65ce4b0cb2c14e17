"""Journey 2: a case worker registers a person (Burmese name typed in Zawgyi), with the exit,
adds a case note and enrols the person in a training session."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from myanmar.converter import convert
from playwright.sync_api import expect

from people.models import CaseNote, Exit, Person
from portal.roles import Role
from programs.models import Enrolment
from tests.conftest import make_user
from tests.programs.factories import CourseFactory, TrainingSessionFactory

pytestmark = pytest.mark.e2e

NAME_MY = "ကျော်မင်းဦး"


def test_case_worker_registers_a_person_adds_a_note_and_enrols_them(
    page, url, shot, sign_in, mae_sot
):
    worker = make_user(
        Role.CASE_WORKER, [mae_sot], email="cw.maesot@example.org", full_name="Thida Case"
    )
    trainer = make_user(Role.TRAINER, [mae_sot], mfa=False, full_name="Tun Trainer")
    session = TrainingSessionFactory(
        course=CourseFactory(name="Motorbike repair"),
        trainer=trainer,
        location=mae_sot,
        date=timezone.localdate() + timedelta(days=7),
        capacity=12,
    )
    zawgyi = convert(NAME_MY, "unicode", "zawgyi")
    assert zawgyi != NAME_MY
    exit_date = date(2025, 8, 14)

    sign_in(page, worker)
    expect(page.get_by_role("heading", level=1)).to_have_text("Case work")
    page.get_by_role("link", name="Register a person").first.click()
    expect(page).to_have_url(url("/people/new/"))

    person_part = page.get_by_role("group", name=re.compile(r"Person$"))
    person_part.get_by_label(re.compile(r"^Full name")).fill("Kyaw Min Oo")
    person_part.get_by_label(re.compile(r"^Preferred name")).fill("Ko Kyaw")
    person_part.get_by_label(re.compile(r"^Name in Burmese")).fill(zawgyi)
    person_part.get_by_label(re.compile(r"^Sex")).select_option("male")
    person_part.get_by_label(re.compile(r"^Birth year\W*$")).fill("1998")
    person_part.get_by_label(re.compile(r"^Site")).select_option(str(mae_sot.pk))

    exit_part = page.get_by_role("group", name=re.compile("How the person left"))
    exit_part.get_by_label(re.compile(r"^Exit type")).select_option("defected")
    exit_part.get_by_label(re.compile(r"^Affiliation")).select_option("soldier")
    exit_part.get_by_label(re.compile(r"^Exit date")).fill(exit_date.isoformat())
    exit_part.get_by_label(re.compile(r"^Township")).fill("Myawaddy")
    shot(page, "registration-form")
    page.get_by_role("button", name="Save").click()

    # The person page: a case number, the name converted to Unicode and the user told so.
    expect(page).to_have_url(re.compile(r"/people/\d+/$"))
    alerts = page.get_by_role("alert")
    expect(alerts.filter(has_text="Zawgyi")).to_have_count(1)
    expect(alerts.filter(has_text="Registered with case number")).to_have_count(1)
    shot(page, "registered")

    person = Person.objects.get(full_name="Kyaw Min Oo")
    assert person.name_my == NAME_MY  # stored as Unicode, not as typed
    assert person.location == mae_sot and person.created_by == worker
    assert re.fullmatch(rf"{mae_sot.case_prefix}-\d\d-\d{{5}}", person.case_number)
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(person.case_number)
    expect(heading).to_contain_text(NAME_MY)
    exit_ = Exit.objects.get(person=person)
    assert (exit_.exit_type, exit_.affiliation, exit_.exit_date) == (
        "defected",
        "soldier",
        exit_date,
    )
    expect(page.locator("main")).to_contain_text("2025-08-14")

    # A case note.
    page.get_by_role("link", name="Add a note").click()
    page.get_by_label(re.compile(r"^Note")).fill("First meeting at the office; needs a phone.")
    shot(page, "case-note")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(url(f"/people/{person.pk}/"))
    notes = page.get_by_role("region", name="Case notes")
    expect(notes).to_contain_text("First meeting at the office; needs a phone.")
    assert CaseNote.objects.filter(person=person, author=worker).count() == 1

    # Enrolment in a session, found under Training.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Training").click()
    expect(page).to_have_url(re.compile(r"/programs/sessions/"))
    page.get_by_role("row", name=re.compile("Motorbike repair")).get_by_role("link").click()
    expect(page).to_have_url(url(f"/programs/sessions/{session.pk}/"))
    page.get_by_role("link", name="Enrol people").click()
    page.get_by_role("searchbox", name="Find people").fill(person.case_number)
    page.get_by_role("button", name="Find", exact=True).click()
    # The search was posted: the address carries only its key (issue 19).
    expect(page).to_have_url(re.compile(rf"/programs/sessions/{session.pk}/enrol/\?f=[\w-]+$"))
    assert person.case_number not in page.url
    page.get_by_label(re.compile(re.escape(person.case_number))).check()
    shot(page, "enrol")
    page.get_by_role("button", name="Enrol", exact=True).click()
    expect(page).to_have_url(url(f"/programs/sessions/{session.pk}/"))
    expect(page.get_by_role("alert")).to_contain_text("1 person enrolled.")
    expect(page.get_by_role("row", name=re.compile(person.case_number))).to_contain_text("Enrolled")
    shot(page, "enrolled")
    assert Enrolment.objects.filter(session=session, person=person).count() == 1

    # The person page lists the training.
    page.goto(url(f"/people/{person.pk}/"))
    expect(page.get_by_role("region", name="Training")).to_contain_text("Motorbike repair")
