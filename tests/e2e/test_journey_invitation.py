"""Journey 1: an admin invites a case worker, who sets a password, sets up TOTP and signs in."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from portal.models import PledgeAcceptance, User
from portal.roles import Role
from tests.conftest import make_user
from tests.e2e.helpers import fresh_totp_code

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "a-fresh-and-long-passphrase-42"


def test_admin_invites_a_case_worker_who_sets_up_mfa_and_reaches_home(
    page, url, shot, sign_in, mae_sot
):
    admin = make_user(Role.ADMIN, email="admin@example.org", full_name="Alice Admin")

    # The admin passes the second factor and invites a case worker.
    assert sign_in(page, admin), "the admin was not asked for a TOTP code"
    expect(page).to_have_url(url("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    page.get_by_role("link", name="Invite a user").click()
    expect(page).to_have_url(url("/users/invite/"))
    page.get_by_label("E-mail address").fill("new.worker@example.org")
    page.get_by_label("Full name").fill("Naw Case Worker")
    page.get_by_label("Role").select_option("case_worker")
    page.get_by_label(re.compile(r"^MAE-SOT")).check()
    shot(page, "invite-form")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Invitation sent")
    row = page.get_by_role("row", name=re.compile("new.worker@example.org"))
    expect(row).to_contain_text("Invited")
    shot(page, "invitation-sent")

    # The e-mail holds the one-time set-password link.
    assert [message.to for message in mail.outbox] == [["new.worker@example.org"]]
    link = re.search(r"https?://\S+/invitation/\S+/", mail.outbox[0].body).group(0)
    assert link.startswith(url("/invitation/"))

    # The case worker opens it in their own browser.
    page.context.clear_cookies()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose your password")
    page.get_by_label(re.compile(r"^New password\W*$")).fill(NEW_PASSWORD)
    page.get_by_label("New password (again)").fill(NEW_PASSWORD)
    shot(page, "set-password")
    page.get_by_role("button", name="Set password").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("alert")).to_contain_text("Your password is set")

    # Signing in leads to the TOTP set-up, after the password is asked again.
    page.locator("input[name=login]").fill("new.worker@example.org")
    page.locator("input[name=password]").fill(NEW_PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    shot(page, "reauthenticate")
    page.locator("input[name=password]").fill(NEW_PASSWORD)
    page.locator("main").locator("button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret)
    expect(page.get_by_role("img", name=secret)).to_be_visible()  # the QR code
    page.locator("input[name=code]").fill(fresh_totp_code(secret))
    shot(page, "activate-totp")
    page.locator("main").get_by_role("button", name="Activate").click()

    # Recovery codes are shown once the authenticator is active.
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    codes = page.locator("#recovery_codes").input_value().split()
    assert len(codes) >= 5
    shot(page, "recovery-codes")

    # Any other page first asks for the data-protection pledge, then the home page opens.
    page.goto(url("/"))
    expect(page).to_have_url(re.compile(r"/pledge/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Data-protection pledge")
    page.get_by_label("I have read the pledge and will keep to it.").check()
    shot(page, "pledge")
    page.get_by_role("button", name="Accept").click()
    expect(page).to_have_url(url("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Case work")
    expect(page.get_by_role("region", name="Your sites")).to_contain_text("MAE-SOT")
    shot(page, "home")

    worker = User.objects.get(email="new.worker@example.org")
    assert worker.is_active and worker.role == Role.CASE_WORKER
    assert worker.authenticator_set.filter(type="totp").exists()
    assert PledgeAcceptance.objects.filter(user=worker).exists()
