"""Issue 10: a trainer marks attendance on a phone without a connection; every save reaches the
server exactly once when the connection returns.

The phone side: programs/static/programs/offline-sw.js (service worker at /programs/sw.js), offline-store.js
(IndexedDB queue), offline-page.js (the pages). The server side: docs/offline-attendance-api.md.
"""

import re
from datetime import datetime, time, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from playwright.sync_api import expect

from portal.roles import Role
from portal.timezones import site_today, site_zone
from programs.models import Attendance, AttendanceChange, Enrolment, IdempotentRequest
from tests.conftest import make_user
from tests.e2e.helpers import PHONE
from tests.programs.factories import CourseFactory, PersonFactory, TrainingSessionFactory

pytestmark = pytest.mark.e2e

phone = pytest.mark.browser_context_args(viewport=PHONE, is_mobile=True, has_touch=True)

NAMES = ("Ko Aung", "Ma Hla", "Ko Zaw")

# What the phone holds: IndexedDB "offline-attendance" and the Cache Storage caches.
READ_DATABASE = """async () => {
  const known = indexedDB.databases ? await indexedDB.databases() : [{name: "offline-attendance"}];
  if (!known.some((db) => db.name === "offline-attendance")) return {};
  return await new Promise((resolve, reject) => {
    const request = indexedDB.open("offline-attendance");
    request.onerror = () => reject(request.error);
    request.onsuccess = () => {
      const db = request.result;
      const names = Array.from(db.objectStoreNames);
      if (!names.length) { db.close(); resolve({}); return; }
      const transaction = db.transaction(names, "readonly");
      const out = {};
      names.forEach((name) => {
        transaction.objectStore(name).getAll().onsuccess = (event) => { out[name] = event.target.result; };
      });
      transaction.oncomplete = () => { db.close(); resolve(out); };
    };
  });
}"""
READ_CACHES = """async () => {
  const out = {};
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    out[name] = (await cache.keys()).map((request) => new URL(request.url).pathname);
  }
  return out;
}"""


@pytest.fixture
def roster(mae_sot):
    """Today's session of a trainer with three participants."""
    trainer = make_user(
        Role.TRAINER, [mae_sot], mfa=False, email="trainer@example.org", full_name="Tun Trainer"
    )
    session = TrainingSessionFactory(
        course=CourseFactory(name="Sewing basics"), trainer=trainer, location=mae_sot
    )
    people = [PersonFactory(location=mae_sot, preferred_name=name) for name in NAMES]
    Enrolment.objects.bulk_create(
        [Enrolment(session=session, person=person, enrolled_by=trainer) for person in people]
    )
    return trainer, session, people


def roster_path(session):
    return f"/programs/sessions/{session.pk}/roster/"


def open_roster_online(page, url, sign_in, trainer, session):
    """Sign in, open the roster and wait until the phone keeps a copy of it."""
    sign_in(page, trainer)
    page.goto(url(roster_path(session)))
    # The phone asks for its copies once the page has been open a moment.
    expect(page.locator("html[data-offline-ready]")).to_have_count(1, timeout=15_000)
    expect(page.get_by_text("kept on this phone for use without a connection")).to_be_visible()
    kept = page.evaluate(READ_CACHES)
    assert any(roster_path(session) in paths for paths in kept.values()), kept


def mark(page, person, status):
    row = page.get_by_role("group", name=re.compile(re.escape(person.preferred_name)))
    row.get_by_text(status.capitalize(), exact=True).click()
    expect(row.get_by_role("radio", name=status.capitalize())).to_be_checked()


def save(page):
    page.get_by_role("button", name="Save attendance").click()


def saves_in(page, state):
    return page.locator(f"[data-offline-status] [data-offline-save][data-state={state}]")


def phone_saves(page):
    """The saves on the phone, decrypted by the page's store (issue 20: marks are encrypted)."""
    if page.evaluate("() => typeof OfflineStore === 'undefined'"):
        return page.evaluate(READ_DATABASE).get("saves", [])
    return page.evaluate("() => OfflineStore.saves()")


def recorded(session):
    return dict(Attendance.objects.filter(session=session).values_list("person", "status"))


def reload_offline(page, people):
    """Reload without a connection: the roster still shows, from the copy on the phone."""
    page.reload()
    expect(page.locator("html[data-offline-copy]")).to_have_count(1)
    expect(page.locator("#roster-form fieldset")).to_have_count(len(people))


def errors_of(page):
    errors = []
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    page.on(
        "console",
        lambda message: message.type == "error"
        and "favicon.ico" not in (message.location or {}).get("url", "")
        and errors.append(f"{page.url}: {message.text}"),
    )
    return errors


@phone
def test_a_roster_saved_offline_is_sent_once_when_the_connection_returns(
    page, url, shot, sign_in, roster
):
    trainer, session, people = roster
    marks = {people[0]: "present", people[1]: "absent", people[2]: "excused"}
    open_roster_online(page, url, sign_in, trainer, session)

    page.context.set_offline(True)
    reload_offline(page, people)
    expect(page.get_by_text("No connection")).to_be_visible()
    shot(page, "offline-roster")
    for person, status in marks.items():
        mark(page, person, status)
    save(page)
    expect(page.get_by_role("alert")).to_contain_text("Saved on this phone, not yet sent.")
    expect(saves_in(page, "pending")).to_have_count(1)
    expect(saves_in(page, "pending")).to_contain_text("not yet sent")
    shot(page, "saved-on-the-phone")
    (kept,) = phone_saves(page)
    assert kept["state"] == "pending" and kept["session"] == session.pk
    assert re.fullmatch(r"[0-9a-f-]{36}", kept["key"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", kept["marked_at"])
    assert kept["marks"] == {str(person.pk): status for person, status in marks.items()}
    assert recorded(session) == {}

    page.context.set_offline(False)
    expect(saves_in(page, "sent")).to_have_count(1)
    expect(saves_in(page, "sent")).to_contain_text("Sent to the server")
    expect(page.get_by_role("alert")).to_have_text("Attendance saved (3 changes).")
    expect(saves_in(page, "pending")).to_have_count(0)
    shot(page, "sent")
    assert recorded(session) == {person.pk: status for person, status in marks.items()}
    # Exactly once: one attendance row and one history row per participant.
    assert Attendance.objects.filter(session=session).count() == len(people)
    assert AttendanceChange.objects.filter(session=session).count() == len(people)
    assert [s["state"] for s in phone_saves(page)] == ["sent"]
    (request,) = IdempotentRequest.objects.filter(user=trainer)
    assert (request.key, request.status_code) == (kept["key"], 200)

    # Back online the page is the server's again, with the marks it holds.
    page.reload()
    expect(page.locator("html[data-offline-copy]")).to_have_count(0)
    for person, status in marks.items():
        row = page.get_by_role("group", name=re.compile(re.escape(person.preferred_name)))
        expect(row.get_by_role("radio", name=status.capitalize())).to_be_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@phone
def test_two_saves_made_offline_are_sent_in_order_and_the_later_wins(
    page, url, shot, sign_in, roster
):
    trainer, session, people = roster
    open_roster_online(page, url, sign_in, trainer, session)

    page.context.set_offline(True)
    reload_offline(page, people)
    for person in people:
        mark(page, person, "absent")
    save(page)
    expect(saves_in(page, "pending")).to_have_count(1)
    mark(page, people[0], "present")
    mark(page, people[2], "excused")
    save(page)
    expect(saves_in(page, "pending")).to_have_count(2)
    shot(page, "two-saves-on-the-phone")
    first, second = phone_saves(page)
    assert first["key"] != second["key"] and first["seq"] < second["seq"]
    assert first["marks"] == {str(person.pk): "absent" for person in people}

    page.context.set_offline(False)
    expect(saves_in(page, "pending")).to_have_count(0)
    expect(saves_in(page, "sent")).to_have_count(1)  # the latest sent save of the session
    assert recorded(session) == {
        people[0].pk: "present",
        people[1].pk: "absent",
        people[2].pk: "excused",
    }
    assert Attendance.objects.filter(session=session).count() == len(people)
    assert set(IdempotentRequest.objects.values_list("key", flat=True)) == {
        first["key"],
        second["key"],
    }
    # Both were applied, in the order they were made: absent first, then the corrections.
    history = list(
        AttendanceChange.objects.filter(session=session)
        .order_by("pk")
        .values_list("person", "old_status", "new_status")
    )
    assert sorted(history[: len(people)]) == sorted((p.pk, "", "absent") for p in people)
    assert sorted(history[len(people) :]) == sorted(
        [(people[0].pk, "absent", "present"), (people[2].pk, "absent", "excused")]
    )


@phone
def test_a_save_made_offline_is_sent_after_the_page_was_closed_and_opened_again(
    page, url, shot, sign_in, roster
):
    trainer, session, people = roster
    context = page.context
    open_roster_online(page, url, sign_in, trainer, session)

    context.set_offline(True)
    reload_offline(page, people)
    for person in people:
        mark(page, person, "present")
    save(page)
    expect(saves_in(page, "pending")).to_have_count(1)
    page.close()

    again = context.new_page()
    errors = errors_of(again)
    again.goto(url(roster_path(session)))
    expect(again.locator("html[data-offline-copy]")).to_have_count(1)
    # The marks kept on the phone are shown on the copy of the roster.
    expect(saves_in(again, "pending")).to_have_count(1)
    for person in people:
        row = again.get_by_role("group", name=re.compile(re.escape(person.preferred_name)))
        expect(row.get_by_role("radio", name="Present")).to_be_checked()
    expect(again.get_by_text("Marked: 3 of 3")).to_be_visible()
    shot(again, "reopened-offline")
    assert recorded(session) == {}

    # "My sessions" is kept too, and says which session has a save waiting.
    again.goto(url("/programs/my-sessions/"))
    expect(again.locator("html[data-offline-copy]")).to_have_count(1)
    summary = again.locator("[data-offline-summary]")
    expect(summary.get_by_role("heading", name="Saves on this phone")).to_be_visible()
    expect(summary.locator("[data-offline-save][data-state=pending]")).to_contain_text(
        "Sewing basics"
    )
    shot(again, "my-sessions-offline")

    context.set_offline(False)
    expect(summary.locator("[data-offline-save]")).to_have_count(0)
    assert recorded(session) == {person.pk: "present" for person in people}
    assert Attendance.objects.filter(session=session).count() == len(people)
    assert AttendanceChange.objects.filter(session=session).count() == len(people)
    assert not errors, "errors in the browser:\n" + "\n".join(errors)


@phone
def test_a_save_refused_after_the_window_closed_is_kept_and_shown(page, url, shot, sign_in, roster):
    trainer, session, people = roster
    open_roster_online(page, url, sign_in, trainer, session)

    page.context.set_offline(True)
    reload_offline(page, people)
    mark(page, people[0], "present")
    save(page)
    expect(saves_in(page, "pending")).to_have_count(1)
    # Meanwhile the correction window closes (the session was three days ago).
    type(session).objects.filter(pk=session.pk).update(
        date=timezone.localdate() - timedelta(days=3)
    )

    page.context.set_offline(False)
    refused = saves_in(page, "refused")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("refused by the server")
    shot(page, "refused")
    assert recorded(session) == {}
    (kept,) = phone_saves(page)
    assert kept["state"] == "refused" and kept["status"] == 409
    assert kept["detail"]

    # Kept until the trainer dismisses it.
    page.reload()
    expect(saves_in(page, "refused")).to_have_count(1)
    saves_in(page, "refused").get_by_role("button", name="Dismiss").click()
    expect(saves_in(page, "refused")).to_have_count(0)
    assert phone_saves(page) == []


@phone
def test_a_trainer_signed_out_while_offline_signs_in_again_and_the_save_is_sent(
    page, url, shot, sign_in, roster
):
    trainer, session, people = roster
    open_roster_online(page, url, sign_in, trainer, session)

    page.context.set_offline(True)
    reload_offline(page, people)
    for person in people:
        mark(page, person, "absent")
    save(page)
    expect(saves_in(page, "pending")).to_have_count(1)
    Session.objects.all().delete()  # the sign-in ended on the server

    page.context.set_offline(False)
    notice = page.locator("[data-offline-sign-in]")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Sign in again")
    expect(saves_in(page, "pending")).to_have_count(1)
    shot(page, "sign-in-again")
    assert recorded(session) == {}

    sign_in(page, trainer)
    page.goto(url(roster_path(session)))
    expect(saves_in(page, "sent")).to_have_count(1)
    expect(saves_in(page, "pending")).to_have_count(0)
    assert recorded(session) == {person.pk: "absent" for person in people}
    assert AttendanceChange.objects.filter(session=session).count() == len(people)


@phone
def test_signing_out_clears_the_rosters_kept_on_the_phone(page, url, sign_in, roster):
    trainer, session, people = roster
    open_roster_online(page, url, sign_in, trainer, session)
    # Encrypted on the phone (issue 20): read through the page's store, which holds the key.
    held = {"sessions": page.evaluate("() => OfflineStore.sessions()")}
    assert [s["id"] for s in held["sessions"]] == [session.pk]
    roster_data = held["sessions"][0]["roster"]
    # Case number and preferred name only, nothing else about a person.
    assert {key for row in roster_data for key in row} <= {
        "person",
        "case_number",
        "preferred_name",
        "status",
    }

    page.get_by_role("button", name="Toggle navigation").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    assert page.evaluate(READ_CACHES) == {}
    held = page.evaluate(READ_DATABASE)
    assert not held.get("sessions") and not held.get("saves") and not held.get("meta")


@phone
def test_signing_out_with_a_save_not_sent_warns_and_keeps_it_unless_confirmed(
    page, url, shot, sign_in, roster
):
    trainer, session, people = roster
    open_roster_online(page, url, sign_in, trainer, session)
    page.context.set_offline(True)
    reload_offline(page, people)
    mark(page, people[0], "present")
    save(page)
    expect(saves_in(page, "pending")).to_have_count(1)

    # The trainer cancels: nothing is lost.
    dialogs = []

    def cancel(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", cancel)
    page.get_by_role("button", name="Toggle navigation").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_enabled()
    assert dialogs == ["1 save has not reached the server and would be lost. Sign out anyway?"]
    assert page.url == url(roster_path(session))
    assert [s["state"] for s in phone_saves(page)] == ["pending"]
    assert page.evaluate(READ_CACHES)

    # The trainer confirms: the phone keeps nothing.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("alert")).to_contain_text("removed from this phone")
    shot(page, "signed-out-offline")
    assert phone_saves(page) == []
    assert page.evaluate(READ_CACHES) == {}
    expect(page.locator("#roster-form")).to_have_count(0)

    # The sign-out reaches the server when the connection returns; nothing was sent.
    page.context.set_offline(False)
    page.wait_for_url(re.compile(r"/accounts/login/"))
    assert recorded(session) == {}


@phone
def test_signing_out_from_a_page_outside_the_programs_also_clears_the_phone(
    page, url, sign_in, roster
):
    """Every page of a trainer carries templates/programs/_offline.html (base.html includes it
    for trainers); here it is put on the home page by hand when the layout does not have it."""
    trainer, session, people = roster
    open_roster_online(page, url, sign_in, trainer, session)
    include = page.locator("[data-offline-attendance]").first.evaluate("node => node.outerHTML")
    page.context.set_offline(True)
    reload_offline(page, people)
    mark(page, people[0], "present")
    save(page)
    expect(saves_in(page, "pending")).to_have_count(1)
    page.context.set_offline(False)
    expect(saves_in(page, "sent")).to_have_count(1)

    page.goto(url("/"))
    if not page.locator("[data-offline-attendance]").count():
        page.evaluate("html => document.body.insertAdjacentHTML('beforeend', html)", include)
        page.add_script_tag(url="/static/programs/offline-store.js")
        page.add_script_tag(url="/static/programs/offline-page.js")
    assert page.evaluate(READ_CACHES)
    page.get_by_role("button", name="Toggle navigation").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    assert page.evaluate(READ_CACHES) == {}
    assert not page.evaluate(READ_DATABASE).get("saves")
    assert recorded(session) == {people[0].pk: "present"}


@phone
def test_a_roster_kept_on_the_phone_opens_for_marking_on_the_session_day(
    page, url, shot, sign_in, roster
):
    """Kept the day before, with no signal on the day: the copy opens for marking then.

    "Tomorrow" is the site's (Mae Sot, UTC+7): between 17:00 and 17:30 UTC, Yangon's tomorrow
    (UTC+6:30) is already today at Mae Sot, and the roster would be open."""
    trainer, session, people = roster
    tomorrow = site_today(session.location) + timedelta(days=1)
    type(session).objects.filter(pk=session.pk).update(date=tomorrow)
    open_roster_online(page, url, sign_in, trainer, session)
    save_button = page.get_by_role("button", name="Save attendance")
    expect(save_button).to_be_hidden()
    expect(page.get_by_text("Attendance can be taken from the day of the session.")).to_be_visible()
    expect(page.get_by_role("radio", name="Present").first).to_be_disabled()

    page.context.set_offline(True)
    morning = datetime.combine(tomorrow, time(9, 30), site_zone(session.location))
    page.clock.set_system_time(morning)
    reload_offline(page, people)
    expect(save_button).to_be_visible()
    expect(page.get_by_text("Attendance can be taken from the day of the session.")).to_be_hidden()
    for person in people:
        mark(page, person, "present")
    save(page)
    expect(saves_in(page, "pending")).to_have_count(1)
    shot(page, "marked-on-the-day")
    (kept,) = phone_saves(page)
    # The phone writes the instant on its own clock's offset (the browser's zone is Yangon's).
    assert (
        timedelta(0) <= datetime.fromisoformat(kept["marked_at"]) - morning < timedelta(minutes=10)
    )


@phone
def test_a_roster_saved_online_shows_its_marks_when_reopened_offline(page, url, sign_in, roster):
    trainer, session, people = roster
    open_roster_online(page, url, sign_in, trainer, session)
    for person in people:
        mark(page, person, "excused")
    save(page)
    # Online, the save goes straight to the server (through the phone's queue, with a key).
    expect(page.get_by_role("alert")).to_have_text("Attendance saved (3 changes).")
    expect(saves_in(page, "sent")).to_have_count(1)
    assert recorded(session) == {person.pk: "excused" for person in people}
    assert IdempotentRequest.objects.filter(user=trainer).count() == 1

    page.context.set_offline(True)
    reload_offline(page, people)
    for person in people:
        row = page.get_by_role("group", name=re.compile(re.escape(person.preferred_name)))
        expect(row.get_by_role("radio", name="Excused")).to_be_checked()


REFRESH_NOW = """async () => {
  const registration = await navigator.serviceWorker.getRegistration("/programs/");
  return await new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => resolve(event.data);
    registration.active.postMessage({type: "refresh", force: true}, [channel.port2]);
  });
}"""


@phone
def test_a_roster_leaves_the_phone_when_the_session_is_no_longer_the_trainers(
    page, url, sign_in, roster, mae_sot
):
    trainer, session, people = roster
    later = TrainingSessionFactory(
        trainer=trainer, location=mae_sot, date=timezone.localdate() + timedelta(days=2)
    )
    open_roster_online(page, url, sign_in, trainer, session)
    kept = [path for paths in page.evaluate(READ_CACHES).values() for path in paths]
    assert roster_path(session) in kept and roster_path(later) in kept

    colleague = make_user(Role.TRAINER, [mae_sot], mfa=False, email="colleague@example.org")
    type(later).objects.filter(pk=later.pk).update(trainer=colleague)
    answer = page.evaluate(REFRESH_NOW)
    assert answer["ok"] and roster_path(later) not in answer["pages"]
    kept = [path for paths in page.evaluate(READ_CACHES).values() for path in paths]
    assert roster_path(session) in kept and roster_path(later) not in kept
    assert [s["id"] for s in page.evaluate(READ_DATABASE)["sessions"]] == [session.pk]
