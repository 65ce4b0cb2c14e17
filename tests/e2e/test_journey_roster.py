"""Journey 3: a trainer on a phone opens today's session and marks attendance for the roster."""

import re

import pytest
from playwright.sync_api import expect

from portal.roles import Role
from programs.models import Attendance, Enrolment
from tests.conftest import make_user
from tests.e2e.helpers import PHONE
from tests.programs.factories import CourseFactory, PersonFactory, TrainingSessionFactory

pytestmark = pytest.mark.e2e

# Apple's and Google's guidelines: at least 44 CSS pixels for a finger.
MIN_TAP = 44


@pytest.mark.browser_context_args(viewport=PHONE, is_mobile=True, has_touch=True)
def test_trainer_marks_attendance_on_a_phone(page, url, shot, sign_in, mae_sot):
    trainer = make_user(
        Role.TRAINER, [mae_sot], mfa=False, email="trainer@example.org", full_name="Tun Trainer"
    )
    session = TrainingSessionFactory(
        course=CourseFactory(name="Sewing basics"), trainer=trainer, location=mae_sot
    )
    people = [
        PersonFactory(location=mae_sot, preferred_name=name)
        for name in ("Ko Aung", "Ma Hla", "Ko Zaw", "Ma Khin")
    ]
    Enrolment.objects.bulk_create(
        [Enrolment(session=session, person=person, enrolled_by=trainer) for person in people]
    )
    marks = {people[0]: "present", people[1]: "absent", people[2]: "excused"}

    sign_in(page, trainer)
    expect(page.get_by_role("heading", level=1)).to_have_text("Training")
    shot(page, "home")

    # On a phone the menu is collapsed behind the toggler.
    page.get_by_role("button", name="Toggle navigation").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My sessions").click()
    expect(page).to_have_url(url("/programs/my-sessions/"))
    today = page.get_by_role("heading", name="Today").locator("xpath=following-sibling::*[1]")
    expect(today.get_by_role("link")).to_have_count(1)
    shot(page, "my-sessions")
    today.get_by_role("link", name=re.compile("Sewing basics")).click()
    expect(page).to_have_url(url(f"/programs/sessions/{session.pk}/roster/"))
    expect(page.locator("#roster-form fieldset")).to_have_count(len(people))

    for person, status in marks.items():
        row = page.get_by_role("group", name=re.compile(re.escape(person.preferred_name)))
        choice = row.get_by_text(status.capitalize(), exact=True)
        box = choice.bounding_box()
        assert box["height"] >= MIN_TAP and box["width"] >= MIN_TAP, (status, box)
        choice.tap()
        expect(row.get_by_role("radio", name=status.capitalize())).to_be_checked()
    expect(page.get_by_text("Marked: 3 of 4")).to_be_visible()
    shot(page, "marked")

    save = page.get_by_role("button", name="Save attendance")
    assert save.bounding_box()["height"] >= MIN_TAP
    save.tap()
    expect(page.get_by_role("alert")).to_contain_text("Attendance saved (3 changes).")
    for person, status in marks.items():
        row = page.get_by_role("group", name=re.compile(re.escape(person.preferred_name)))
        expect(row.get_by_role("radio", name=status.capitalize())).to_be_checked()
    shot(page, "saved")

    saved = dict(Attendance.objects.filter(session=session).values_list("person", "status"))
    assert saved == {person.pk: status for person, status in marks.items()}
    session.refresh_from_db()
    assert session.status == "held"

    # The page fits the phone: nothing to scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
