"""Issue 22: a session at New Delhi is shown in New Delhi time, on a phone and on a desktop.

The browser runs on Asia/Yangon (the old server-wide zone, an hour ahead of New Delhi): the
trainer's home, the roster, the phone's "sent at" and the attendance history all show New
Delhi's clock with its label, and the "sent at" and the history agree.
"""

import re
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from portal.roles import Role
from portal.timezones import site_today
from programs.models import Attendance, Enrolment
from tests.conftest import make_user
from tests.e2e.helpers import PHONE
from tests.programs.factories import CourseFactory, PersonFactory, TrainingSessionFactory

pytestmark = pytest.mark.e2e

KOLKATA = ZoneInfo("Asia/Kolkata")
# Chromium's short name of India's zone in en-GB, or its offset.
INDIA_LABEL = r"(IST|GMT\+5:30|UTC\+5:30)"


@pytest.fixture
def delhi_session(mae_sot, new_delhi):
    """A trainer of Mae Sot and New Delhi with today's session at New Delhi, 18:00–20:00."""
    trainer = make_user(
        Role.TRAINER,
        [mae_sot, new_delhi],
        mfa=False,
        email="trainer@example.org",
        full_name="Tun Trainer",
    )
    session = TrainingSessionFactory(
        course=CourseFactory(name="Computer basics"),
        trainer=trainer,
        location=new_delhi,
        date=site_today(new_delhi),
        start_time=time(18, 0),
        end_time=time(20, 0),
    )
    people = [PersonFactory(location=new_delhi, preferred_name=n) for n in ("Ko Aung", "Ma Hla")]
    Enrolment.objects.bulk_create(
        [Enrolment(session=session, person=person, enrolled_by=trainer) for person in people]
    )
    return trainer, session, people


def delhi_minutes_now() -> set[str]:
    """New Delhi's "HH:MM" now and a minute either side (the page and the test may straddle
    a minute)."""
    now = timezone.now().astimezone(KOLKATA)
    return {(now + timedelta(minutes=m)).strftime("%H:%M") for m in (-1, 0, 1)}


def journey(page, url, shot, sign_in, delhi_session, width):
    trainer, session, people = delhi_session
    sign_in(page, trainer)
    item = page.locator(f"a[href='/programs/sessions/{session.pk}/roster/']")
    expect(item).to_contain_text("18:00–20:00 IST")
    expect(item).to_contain_text("New Delhi")
    shot(page, "home")

    page.goto(url(f"/programs/sessions/{session.pk}/roster/"))
    expect(page.locator("main p").first).to_contain_text("18:00–20:00 IST")
    expect(page.locator("html[data-offline-ready]")).to_have_count(1, timeout=15_000)

    # Saved on the phone without a connection, sent when it returns.
    page.context.set_offline(True)
    page.reload()
    expect(page.locator("html[data-offline-copy]")).to_have_count(1)
    for person in people:
        row = page.get_by_role("group", name=re.compile(re.escape(person.preferred_name)))
        row.get_by_text("Present", exact=True).click()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_role("alert")).to_contain_text("Saved on this phone, not yet sent.")
    page.context.set_offline(False)
    sent = page.locator("[data-offline-status] [data-offline-save][data-state=sent]")
    expect(sent).to_contain_text("Sent to the server")
    shot(page, "roster-sent")
    sent_text = sent.inner_text()
    match = re.search(r"(\d\d:\d\d)\s*" + INDIA_LABEL, sent_text)
    assert match, sent_text
    assert match[1] in delhi_minutes_now(), (sent_text, delhi_minutes_now())
    assert Attendance.objects.filter(session=session).count() == len(people)

    page.goto(url(f"/programs/sessions/{session.pk}/history/"))
    first = page.locator("tbody tr td").first
    history = first.inner_text()
    assert history.endswith(" IST"), history
    history_time = history.split()[1]
    # The roster's "sent at" and the history agree (the server received what the phone sent).
    assert (
        history_time in delhi_minutes_now()
        and abs(_minutes(history_time) - _minutes(match[1])) <= 1
    ), (history, sent_text)
    shot(page, "history")
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


@pytest.mark.browser_context_args(viewport=PHONE, is_mobile=True, has_touch=True)
def test_a_new_delhi_session_in_new_delhi_time_on_a_phone(page, url, shot, sign_in, delhi_session):
    journey(page, url, shot, sign_in, delhi_session, PHONE["width"])


def test_a_new_delhi_session_in_new_delhi_time_on_a_desktop(
    page, url, shot, sign_in, delhi_session
):
    journey(page, url, shot, sign_in, delhi_session, 1280)
    # The browser's own zone is Yangon's: the pages did not follow it.
    browser_zone = page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
    assert browser_zone in {"Asia/Yangon", "Asia/Rangoon"}  # ICU's older name
