"""Issue 20, passkeys (WebAuthn) in Chromium with a virtual authenticator (Chrome DevTools
Protocol): an admin registers a passkey, signs in with it without a password, uses it as the
second factor after the password; and signs in with a recovery code. The pages use allauth's
WebAuthn scripts under the portal's content security policy (the `page` fixture fails the
test on any script error or CSP violation)."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from playwright.sync_api import expect

from portal.models import AuditEvent
from portal.roles import Role
from tests.conftest import make_user
from tests.e2e.helpers import sign_out
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


def virtual_authenticator(page) -> None:
    """A platform authenticator that holds passkeys and verifies its user (PIN/fingerprint)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def password_step(page, url, user) -> None:
    page.goto(url("/accounts/login/"))
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form").locator("button[type=submit]").first.click()
    page.wait_for_url(lambda address: "/accounts/2fa/authenticate/" in address)


def add_passkey(page, url, name="Phone passkey") -> None:
    page.goto(url("/accounts/2fa/webauthn/add/"))
    if "/accounts/reauthenticate/" in page.url:
        # Adding a second factor asks for the password again (allauth).
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("main form").locator("button[type=submit]").first.click()
        page.wait_for_url(lambda address: "/webauthn/add/" in address)
    page.locator("input[name=name]").fill(name)
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(lambda address: "/webauthn/add/" not in address)


@pytest.fixture
def admin(mae_sot):
    return make_user(Role.ADMIN, [mae_sot], email="admin.passkey@example.org")


def test_an_admin_signs_in_with_a_passkey_without_a_password(page, url, shot, sign_in, admin):
    virtual_authenticator(page)
    sign_in(page, admin)
    add_passkey(page, url)
    (passkey,) = Authenticator.objects.filter(user=admin, type=Authenticator.Type.WEBAUTHN)
    assert passkey.wrap().is_passwordless
    assert AuditEvent.objects.filter(
        actor=admin, action="mfa_change", changes__authenticator=[None, "webauthn"]
    ).exists()
    shot(page, "passkey-added")
    sign_out(page)

    page.goto(url("/accounts/login/"))
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url(url("/"))
    expect(page.get_by_role("heading", name="Administration")).to_be_visible()
    shot(page, "signed-in-with-the-passkey")
    assert AuditEvent.objects.filter(actor=admin, action="login").count() == 2


def test_a_passkey_is_a_second_factor_after_the_password(page, url, sign_in, admin):
    virtual_authenticator(page)
    sign_in(page, admin)
    add_passkey(page, url)
    sign_out(page)

    password_step(page, url, admin)
    page.get_by_role("button", name="Use a security key").click()
    page.wait_for_url(url("/"))
    expect(page.get_by_role("heading", name="Administration")).to_be_visible()


def test_an_admin_signs_in_with_a_recovery_code(page, url, shot, admin):
    codes = RecoveryCodes.activate(admin)
    code = codes.get_unused_codes()[0]
    password_step(page, url, admin)
    page.locator("input[name=code]").fill(code)
    page.locator("main").locator("button[type=submit]").first.click()
    page.wait_for_url(url("/"))
    expect(page.get_by_role("heading", name="Administration")).to_be_visible()
    shot(page, "signed-in-with-a-recovery-code")
    used = Authenticator.objects.get(pk=codes.instance.pk)
    assert code not in RecoveryCodes(used).get_unused_codes()


def test_admins_may_be_required_to_register_a_passkey(page, url, settings, sign_in, admin):
    settings.ADMIN_PASSKEY_REQUIRED = True
    virtual_authenticator(page)
    sign_in(page, admin)
    page.goto(url("/people/"))
    # Sent to add a passkey (allauth first asks for the password again).
    page.wait_for_url(lambda address: "webauthn" in address)
    add_passkey(page, url)
    page.goto(url("/people/"))
    expect(page.get_by_role("heading", name="People")).to_be_visible()
