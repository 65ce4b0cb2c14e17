"""Issue 20, lockdown: a trainer's phone keeps a roster and a save not yet sent; an admin
locks the trainer's site on the lockdown screen; when the phone reaches the portal again,
what it stored is gone and the trainer cannot sign in."""

import pytest
from playwright.sync_api import expect

from portal.models import User
from portal.roles import Role
from tests.conftest import make_user
from tests.e2e.test_offline_attendance import (
    READ_CACHES,
    READ_DATABASE,
    mark,
    open_roster_online,
    phone,
    phone_saves,
    reload_offline,
    save,
)
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

# Importing the fixture makes it available here.
from tests.e2e.test_offline_attendance import roster  # noqa: E402, F401


def lock_site_on_screen(browser, url, sign_in, location):
    admin = make_user(Role.ADMIN, [location], email="admin.lockdown@example.org")
    context = browser.new_context(locale="en-GB")
    admin_page = context.new_page()
    sign_in(admin_page, admin)
    admin_page.goto(url("/lockdown/"))
    admin_page.get_by_label(f"Why lock {location.code}").fill("Office raided")
    admin_page.get_by_role("button", name=f"Lock {location.code} now").click()
    expect(admin_page.get_by_role("alert").first).to_contain_text("is locked")
    context.close()


@phone
def test_a_locked_trainers_phone_erases_its_roster_when_it_reconnects(
    page,
    browser,
    url,
    shot,
    sign_in,
    roster,  # noqa: F811 - the fixture imported above
    mae_sot,
):
    trainer, session, people = roster
    open_roster_online(page, url, sign_in, trainer, session)
    page.context.set_offline(True)
    reload_offline(page, people)
    mark(page, people[0], "present")
    save(page)
    expect(page.get_by_role("alert")).to_contain_text("Saved on this phone, not yet sent.")
    assert len(phone_saves(page)) == 1
    assert page.evaluate(READ_DATABASE).get("sessions")
    shot(page, "offline-with-a-save")

    lock_site_on_screen(browser, url, sign_in, mae_sot)
    trainer.refresh_from_db()
    assert trainer.locked_at is not None

    page.context.set_offline(False)
    page.goto(url("/programs/my-sessions/"))
    page.wait_for_url(lambda address: "/accounts/login/" in address)
    stored = page.evaluate(READ_DATABASE)
    assert not stored.get("sessions") and not stored.get("saves"), stored
    assert not [name for name in page.evaluate(READ_CACHES) if name.startswith("offline-")]
    shot(page, "erased")

    page.locator("input[name=login]").fill(trainer.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form").locator("button[type=submit]").first.click()
    expect(page.get_by_text("This account is locked")).to_be_visible()
    assert User.objects.get(pk=trainer.pk).locked_at is not None
