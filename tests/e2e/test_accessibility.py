"""axe-core on the main pages of each role: no serious or critical violation.

Every finding (of any impact) is written to var/e2e/axe-<test>.txt for review."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from playwright.sync_api import expect

from portal import services
from portal.roles import Role
from tests.conftest import make_user
from tests.e2e.helpers import PHONE, SCREENSHOTS, fresh_totp_code
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.e2e

BLOCKING = {"serious", "critical"}
AXE = Axe()


class AxeChecks:
    """axe(page, "name") checks a page; axe.assert_no_blocking() fails on any serious or
    critical finding, after all the pages of the test were checked."""

    def __init__(self):
        self.findings = []

    def __call__(self, page, name):
        page.wait_for_load_state("load")
        results = AXE.run(page)
        for violation in results.response["violations"]:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
            self.findings.append(
                (name, violation["impact"], violation["id"], violation["help"], targets)
            )

    def report(self) -> str:
        return "".join(f"{n} [{i}] {v}: {h}\n    {t}\n" for n, i, v, h, t in self.findings)

    def assert_no_blocking(self):
        blocking = [f for f in self.findings if f[1] in BLOCKING]
        assert not blocking, "\n".join(f"{n} [{i}] {v}: {h} — {t}" for n, i, v, h, t in blocking)


@pytest.fixture
def axe(request):
    checks = AxeChecks()
    yield checks
    name = request.node.originalname.removeprefix("test_")
    (SCREENSHOTS / f"axe-{name}.txt").write_text(checks.report() or "no findings\n")


def test_signed_out_pages(page, url, axe, mae_sot):
    page.goto(url("/accounts/login/"))
    axe(page, "login")
    # A wrong password: the error must be announced and the form still labelled.
    page.locator("input[name=login]").fill("nobody@example.org")
    page.locator("input[name=password]").fill("wrong-password-here")
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    axe(page, "login with an error")

    admin = make_user(Role.ADMIN)
    services.invite_user(
        email="new.worker@example.org",
        full_name="Naw Case Worker",
        role=Role.CASE_WORKER,
        sites=[mae_sot],
        ends_on=None,
        invited_by=admin,
        base_url=url(""),
    )
    link = re.search(r"https?://\S+/invitation/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    axe(page, "set password")
    page.get_by_role("button", name="Set password").click()  # empty: errors shown
    axe(page, "set password with errors")
    axe.assert_no_blocking()


def test_first_sign_in_pages(page, url, axe, mae_sot):
    """Reauthentication, TOTP set-up, recovery codes and the pledge."""
    # A new user: no authenticator, the pledge not accepted yet.
    worker = UserFactory(role_and_sites__role=Role.CASE_WORKER, role_and_sites__sites=[mae_sot])
    page.goto(url("/accounts/login/"))
    page.locator("input[name=login]").fill(worker.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    axe(page, "reauthenticate")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main").locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    axe(page, "activate TOTP")
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("input[name=code]").fill(fresh_totp_code(secret))
    page.locator("main").get_by_role("button", name="Activate").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    axe(page, "recovery codes")
    page.goto(url("/"))
    expect(page).to_have_url(re.compile(r"/pledge/"))
    axe(page, "pledge")
    axe.assert_no_blocking()


def test_admin_pages(page, url, axe, sign_in, portal_data):
    sign_in(page, portal_data.admin)
    expect(page).to_have_url(url("/"))
    axe(page, "home (admin)")
    page.goto(url("/users/"))
    axe(page, "users list")
    page.goto(url("/users/invite/"))
    axe(page, "invite a user")
    page.get_by_role("button", name="Save").click()  # empty: errors shown
    axe(page, "invite a user with errors")
    page.goto(url("/reports/"))
    axe(page, "statistics")
    page.goto(url(portal_data.report_path))
    expect(page.locator("canvas[data-chart]").first).to_have_attribute("data-drawn", "1")
    axe(page, "dashboard (admin)")
    axe.assert_no_blocking()


def test_mfa_sign_in_page(page, url, axe, portal_data):
    page.goto(url("/accounts/login/"))
    page.locator("input[name=login]").fill(portal_data.case_worker.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    axe(page, "two-factor sign-in")
    axe.assert_no_blocking()


def test_case_worker_pages(page, url, axe, sign_in, portal_data):
    sign_in(page, portal_data.case_worker)
    expect(page).to_have_url(url("/"))
    axe(page, "home (case worker)")
    page.goto(url("/people/"))
    axe(page, "people list")
    page.goto(url(f"/people/{portal_data.person.pk}/"))
    axe(page, "person page")
    page.goto(url("/people/new/"))
    axe(page, "registration form")
    page.get_by_role("button", name="Save").click()  # empty: errors shown
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    axe(page, "registration form with errors")
    page.goto(url(f"/people/{portal_data.person.pk}/notes/new/"))
    axe(page, "add a case note")
    page.goto(url(f"/programs/sessions/{portal_data.session.pk}/"))
    axe(page, "session page")
    page.goto(url(f"/programs/sessions/{portal_data.session.pk}/enrol/"))
    axe(page, "enrol people")
    axe.assert_no_blocking()


@pytest.mark.browser_context_args(viewport=PHONE, is_mobile=True, has_touch=True)
def test_trainer_pages_on_a_phone(page, url, axe, sign_in, portal_data):
    sign_in(page, portal_data.trainer)
    expect(page).to_have_url(url("/"))
    axe(page, "home (trainer)")
    page.goto(url("/programs/my-sessions/"))
    axe(page, "my sessions")
    page.goto(url(f"/programs/sessions/{portal_data.session.pk}/roster/"))
    axe(page, "roster")
    page.get_by_role("button", name="Toggle navigation").click()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link").first).to_be_visible()
    axe(page, "roster with the menu open")
    axe.assert_no_blocking()


def test_analyst_pages(page, url, axe, sign_in, portal_data):
    sign_in(page, portal_data.analyst)
    expect(page).to_have_url(url("/"))
    axe(page, "home (analyst)")
    page.goto(url(portal_data.report_path))
    expect(page.locator("canvas[data-chart]").first).to_have_attribute("data-drawn", "1")
    axe(page, "dashboard (analyst)")
    axe.assert_no_blocking()
