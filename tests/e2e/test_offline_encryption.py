"""Issue 20 point 3: the rosters and saves a trainer's phone keeps for offline attendance are
encrypted (a data key wrapped by the sign-in's key cookie, portal/offline_key.py), erased at
sign-out, and erased when kept too long without reaching the server.

The phone side: programs/static/programs/offline-store.js (check, dataKey, seal), offline-sw.js
(pages kept encrypted), offline-page.js (the messages, the sign-out)."""

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from portal import offline_key
from portal.roles import Role
from programs.models import Attendance
from tests.conftest import make_user
from tests.e2e.test_offline_attendance import (
    mark,
    open_roster_online,
    phone,
    phone_saves,
    recorded,
    reload_offline,
    roster_path,
    save,
    saves_in,
)

pytestmark = pytest.mark.e2e

# Importing the fixture makes it available here.
from tests.e2e.test_offline_attendance import roster  # noqa: E402, F401

# Everything the phone holds, as text: every IndexedDB row (bytes decoded as UTF-8, so that a
# name stored in clear, as a string or as bytes, would show) and every Cache Storage entry.
DUMP = """async () => {
  const text = (value) => {
    if (value instanceof ArrayBuffer) value = new Uint8Array(value);
    if (ArrayBuffer.isView(value)) return new TextDecoder("utf-8").decode(value);
    if (Array.isArray(value)) return value.map(text).join(" ");
    if (value && typeof value === "object") {
      return Object.entries(value).map(([key, item]) => key + "=" + text(item)).join(" ");
    }
    return String(value);
  };
  const out = {database: "", caches: ""};
  const known = await indexedDB.databases();
  if (known.some((db) => db.name === "offline-attendance")) {
    out.database = await new Promise((resolve, reject) => {
      const request = indexedDB.open("offline-attendance");
      request.onerror = () => reject(request.error);
      request.onsuccess = () => {
        const db = request.result;
        const names = Array.from(db.objectStoreNames);
        if (!names.length) { db.close(); resolve(""); return; }
        const transaction = db.transaction(names, "readonly");
        const parts = [];
        names.forEach((name) => {
          transaction.objectStore(name).getAll().onsuccess = (event) => {
            parts.push(name + ": " + text(event.target.result));
          };
        });
        transaction.oncomplete = () => { db.close(); resolve(parts.join("\\n")); };
      };
    });
  }
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      const entry = name + " " + request.url + " " + text(await response.arrayBuffer()) + "\\n";
      out.caches += entry;
      if (name.includes("pages")) out.pages += entry;
    }
  }
  return out;
}"""
DATABASES = "async () => (await indexedDB.databases()).map((db) => db.name)"


def secrets_of(people):
    """What must never be on the phone in clear: names and case numbers."""
    return [person.preferred_name for person in people] + [person.case_number for person in people]


def key_cookies(page):
    names = {offline_key.KEY_COOKIE, offline_key.PREVIOUS_COOKIE}
    return [cookie["name"] for cookie in page.context.cookies() if cookie["name"] in names]


@phone
def test_no_name_or_case_number_is_kept_in_clear_and_the_roster_still_opens_offline(
    page,
    url,
    shot,
    sign_in,
    roster,  # noqa: F811 - the fixture imported above
):
    trainer, session, people = roster
    open_roster_online(page, url, sign_in, trainer, session)
    page.context.set_offline(True)
    reload_offline(page, people)  # the copy is decrypted by the worker within the sign-in
    expect(page.get_by_text(people[0].preferred_name)).to_be_visible()
    mark(page, people[0], "present")
    save(page)
    expect(saves_in(page, "pending")).to_have_count(1)
    shot(page, "offline-roster-from-the-encrypted-copy")

    held = page.evaluate(DUMP)
    # Something is there (the roster's page, the sessions, the save) ...
    assert roster_path(session) in held["caches"]
    assert "sessions: " in held["database"] and "box=" in held["database"]
    assert "datakey" in held["database"]
    # ... but no name, no case number and no mark in clear.
    for secret in secrets_of(people):
        assert secret not in held["database"], secret
        assert secret not in held["caches"], secret
    assert "present" not in held["database"]  # the mark (the static files may say "present")
    assert "Sewing basics" not in held["pages"]  # the page itself is encrypted
    # The key-encryption key is not stored beside the data: only in the cookie.
    kek = page.evaluate("() => OfflineStore.pageKek()")
    assert kek and kek.split(":")[0] not in held["database"] + held["caches"]
    # Through the store, which holds the key, the same data reads back.
    (stored,) = page.evaluate("() => OfflineStore.sessions()")
    assert {row["preferred_name"] for row in stored["roster"]} == {p.preferred_name for p in people}
    assert phone_saves(page)[0]["marks"] == {str(people[0].pk): "present"}


@phone
def test_without_the_sign_ins_key_the_phone_cannot_read_what_it_keeps(
    page,
    url,
    sign_in,
    roster,  # noqa: F811
):
    """A phone whose key cookie is gone (sign-in expired): nothing can be read or served."""
    trainer, session, people = roster
    open_roster_online(page, url, sign_in, trainer, session)
    page.context.clear_cookies(name=offline_key.KEY_COOKIE)
    assert page.evaluate("() => OfflineStore.sessions()") == []
    page.context.set_offline(True)
    # A new tab asks for the roster without a connection: the worker has no key to open its
    # copy with, so the browser shows its own "no connection" page.
    other = page.context.new_page()
    with pytest.raises(PlaywrightError, match="ERR_FAILED"):
        other.goto(url(roster_path(session)))
    for person in people:
        expect(other.get_by_text(person.preferred_name)).to_have_count(0)


@phone
def test_signing_out_erases_the_database_the_caches_and_the_key_even_without_the_server(
    page,
    url,
    sign_in,
    roster,  # noqa: F811
):
    """The page erases what it kept before it posts the sign-out, in case the browser ignores
    Clear-Site-Data: here the sign-out never reaches the server at all."""
    trainer, session, people = roster
    open_roster_online(page, url, sign_in, trainer, session)
    assert "offline-attendance" in page.evaluate(DATABASES)
    assert key_cookies(page) == [offline_key.KEY_COOKIE]

    page.route(
        re.compile(r"/accounts/logout/$"),
        lambda route: route.fulfill(status=200, content_type="text/html", body="<p>Not sent</p>"),
    )
    page.get_by_role("button", name="Toggle navigation").click()
    page.get_by_role("button", name="Sign out").click()
    # The page erases first and posts the sign-out after; reading the browser's storage while
    # the post navigates would race the navigation, so wait for the answer the route gave.
    expect(page.get_by_text("Not sent")).to_be_visible()
    assert "offline-attendance" not in page.evaluate(DATABASES)
    assert page.evaluate("async () => await caches.keys()") == []
    assert key_cookies(page) == []


@phone
def test_signing_out_through_the_server_clears_the_site_data(
    page,
    url,
    sign_in,
    roster,  # noqa: F811
):
    trainer, session, people = roster
    open_roster_online(page, url, sign_in, trainer, session)
    page.get_by_role("button", name="Toggle navigation").click()
    with page.expect_response(lambda answer: answer.url.endswith("/accounts/logout/")) as info:
        page.get_by_role("button", name="Sign out").click()
    assert info.value.header_value("clear-site-data") == '"cache", "storage"'
    page.wait_for_url(re.compile(r"/accounts/login/"))
    assert "offline-attendance" not in page.evaluate(DATABASES)
    assert page.evaluate("async () => await caches.keys()") == []
    assert key_cookies(page) == []


@phone
def test_data_kept_too_long_is_erased_after_the_saves_waiting_are_sent(
    page,
    url,
    shot,
    sign_in,
    roster,  # noqa: F811
    settings,
):
    trainer, session, people = roster
    open_roster_online(page, url, sign_in, trainer, session)
    page.context.set_offline(True)
    reload_offline(page, people)
    mark(page, people[1], "absent")
    save(page)
    expect(saves_in(page, "pending")).to_have_count(1)
    page.close()

    # The phone's clock says 8 days later (OFFLINE_DATA_MAX_DAYS is 7) when the trainer opens
    # the portal again, with a connection.
    later = page.context.new_page()
    later.clock.install(time=timezone.now() + timedelta(days=settings.OFFLINE_DATA_MAX_DAYS + 1))
    later.context.set_offline(False)
    later.goto(url("/programs/my-sessions/"))
    expect(later.locator("html[data-offline-erased=expired]")).to_have_count(1, timeout=20_000)
    alert = later.locator("[data-offline-alert]")
    expect(alert).to_contain_text("Offline data older than 7 days without reaching the server")
    shot(later, "erased-after-sending")
    # Sent first: the server has the mark, nothing was lost.
    assert recorded(session) == {people[1].pk: "absent"}
    assert Attendance.objects.filter(session=session).count() == 1
    expect(alert).not_to_contain_text("could not be sent")
    assert phone_saves(later) == []


@phone
def test_data_kept_too_long_offline_is_erased_and_the_lost_saves_are_counted(
    page,
    url,
    shot,
    sign_in,
    roster,  # noqa: F811
    settings,
):
    trainer, session, people = roster
    open_roster_online(page, url, sign_in, trainer, session)
    page.context.set_offline(True)
    reload_offline(page, people)
    mark(page, people[1], "absent")
    save(page)
    expect(saves_in(page, "pending")).to_have_count(1)
    # The last successful sync was 8 days ago; still no connection at the next opening.
    eight_days = (settings.OFFLINE_DATA_MAX_DAYS + 1) * 24 * 3600 * 1000
    page.evaluate(f"() => OfflineStore.setMeta('synced', Date.now() - {eight_days})")
    page.reload()
    expect(page.locator("html[data-offline-erased=expired]")).to_have_count(1, timeout=20_000)
    expect(page.locator("[data-offline-alert]")).to_contain_text("1 save could not be sent")
    for person in people:  # the copy on screen is gone too
        expect(page.get_by_text(person.preferred_name)).to_have_count(0)
    shot(page, "erased-offline")
    assert phone_saves(page) == []
    assert recorded(session) == {}


@phone
def test_another_sign_in_cannot_read_the_old_data_and_the_lost_saves_are_reported(
    page,
    url,
    shot,
    sign_in,
    roster,  # noqa: F811
    mae_sot,
):
    """Another trainer signs in on the phone: the data key was wrapped by the first trainer's
    key, which this sign-in does not get; the old data is discarded, not silently."""
    trainer, session, people = roster
    open_roster_online(page, url, sign_in, trainer, session)
    page.context.set_offline(True)
    reload_offline(page, people)
    mark(page, people[2], "excused")
    save(page)
    expect(saves_in(page, "pending")).to_have_count(1)
    # The trainer's sign-in ended on the server: the save cannot be sent without signing in.
    Session.objects.all().delete()
    page.context.set_offline(False)
    expect(page.locator("[data-offline-sign-in]")).to_be_visible()

    colleague = make_user(Role.TRAINER, [mae_sot], mfa=False, email="colleague@example.org")
    sign_in(page, colleague)  # the first page after sign-in finds the old data
    expect(page.locator("html[data-offline-erased=stale]")).to_have_count(1, timeout=20_000)
    expect(page.locator("[data-offline-alert]")).to_contain_text("1 save not yet sent was lost")
    shot(page, "old-sign-in-data-discarded")
    assert phone_saves(page) == []
    held = page.evaluate(DUMP)
    for secret in secrets_of(people):
        assert secret not in held["database"] + held["caches"]
    assert recorded(session) == {}


# What a phone kept before encryption (database version 1, a page cache in clear).
LEGACY = """async ({session, user, person, caseNumber, name, markedAt, rosterUrl}) => {
  await new Promise((resolve, reject) => {
    const request = indexedDB.open("offline-attendance", 1);
    request.onupgradeneeded = () => {
      const db = request.result;
      db.createObjectStore("saves", {keyPath: "seq", autoIncrement: true})
        .createIndex("key", "key", {unique: true});
      db.createObjectStore("sessions", {keyPath: "id"});
      db.createObjectStore("meta", {keyPath: "name"});
    };
    request.onerror = () => reject(request.error);
    request.onsuccess = () => {
      const db = request.result;
      const transaction = db.transaction(["saves", "sessions", "meta"], "readwrite");
      transaction.objectStore("sessions").put({id: session, roster: [
        {person: person, case_number: caseNumber, preferred_name: name, status: ""}]});
      transaction.objectStore("saves").add({
        key: crypto.randomUUID(), user: user, session: session, label: "Sewing basics",
        marks: {[person]: "present"}, marked_at: markedAt, created: Date.now(),
        state: "pending"});
      transaction.objectStore("meta").put({name: "user", value: user});
      transaction.oncomplete = () => { db.close(); resolve(); };
      transaction.onerror = () => reject(transaction.error);
    };
  });
  const cache = await caches.open("offline-attendance-pages-v1");
  await cache.put(rosterUrl, new Response("<p>" + name + " " + caseNumber + "</p>"));
}"""


@phone
def test_data_kept_in_clear_before_the_change_is_encrypted_or_deleted_and_the_save_sent(
    page,
    url,
    sign_in,
    roster,  # noqa: F811
):
    trainer, session, people = roster
    page.goto(url("/accounts/login/"))  # no offline script on the sign-in page
    page.evaluate(
        LEGACY,
        {
            "session": session.pk,
            "user": str(trainer.pk),
            "person": str(people[0].pk),
            "caseNumber": people[0].case_number,
            "name": people[0].preferred_name,
            "markedAt": timezone.localtime().isoformat(timespec="seconds"),
            "rosterUrl": url(roster_path(session)),
        },
    )
    assert people[0].preferred_name in page.evaluate(DUMP)["database"]

    sign_in(page, trainer)  # the first page opens the old store: migrated, then sent
    page.goto(url(roster_path(session)))
    expect(saves_in(page, "sent")).to_have_count(1, timeout=20_000)
    assert recorded(session) == {people[0].pk: "present"}
    held = page.evaluate(DUMP)
    assert "offline-attendance-pages-v1" not in held["caches"]
    for secret in secrets_of(people):
        assert secret not in held["database"] + held["caches"], secret
