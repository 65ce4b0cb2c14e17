"""Registration in steps at phone and desktop sizes (issue 22): a failed save shows an error
summary at the top, focused, whose links focus each field; a possible duplicate is decided
at the top, next to the candidates, and saving without deciding is an error, not a reload."""

import re

import pytest
from playwright.sync_api import expect

from people.models import Person
from portal.roles import Role
from tests.conftest import make_user
from tests.e2e.helpers import PHONE, SCREENSHOTS
from tests.e2e.test_accessibility import AxeChecks
from tests.programs.factories import PersonFactory

pytestmark = pytest.mark.e2e

SIZES = {"phone": PHONE, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture
def axe(request):
    checks = AxeChecks()
    yield checks
    name = request.node.name.removeprefix("test_").replace("[", "-").rstrip("]")
    (SCREENSHOTS / f"axe-{name}.txt").write_text(checks.report() or "no findings\n")


def focused_id(page) -> str:
    return page.evaluate("document.activeElement.id")


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def above(page, first: str, second: str) -> bool:
    """Whether the element `first` starts higher on the page than `second` (CSS selectors)."""
    return page.locator(first).bounding_box()["y"] < page.locator(second).bounding_box()["y"]


@pytest.mark.parametrize("size", SIZES)
def test_registration_with_errors_and_a_duplicate(page, url, shot, sign_in, mae_sot, axe, size):
    page.set_viewport_size(SIZES[size])
    worker = make_user(Role.CASE_WORKER, [mae_sot], full_name="Thida Case")
    existing = PersonFactory(location=mae_sot, full_name="Kyaw Min Oo", birth_year=1998)
    sign_in(page, worker)
    page.goto(url("/people/new/"))

    # Four steps, each a section that folds; the choices are large enough to tap.
    for title in ("Person", "How the person left", "Consent", "Contact"):
        expect(page.get_by_role("group", name=re.compile(title))).to_be_visible()
    box = page.locator("#id_vulnerabilities_0").locator("xpath=..").bounding_box()
    assert box["height"] >= 44
    # On a phone the later steps are folded; "Next" opens the following one.
    consent = page.locator("#step-consent")
    if size == "phone":
        expect(consent).not_to_have_attribute("open", "")
        expect(page.locator("#step-exit")).not_to_have_attribute("open", "")
        page.locator("#step-person").get_by_role("link", name=re.compile("^Next: How")).click()
        expect(page.locator("#step-exit")).to_have_attribute("open", "")
        page.locator("#step-exit").get_by_role("link", name="Next: Consent").click()
        expect(consent.get_by_label(re.compile("storing"))).to_be_in_viewport()
    expect(consent).to_have_attribute("open", "")
    assert fits_the_screen(page)
    shot(page, f"{size}-steps")
    axe(page, f"registration, {size}")

    # A failed save: nothing shown before, now a summary at the top, focused.
    person = page.get_by_role("group", name=re.compile(r"Person$"))
    person.get_by_label(re.compile(r"^Sex")).select_option("male")
    consent.get_by_label(re.compile("storing")).check()
    page.get_by_role("button", name="Save").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert above(page, "[data-error-summary]", "#step-person")
    expect(summary.get_by_role("link")).to_have_count(3)  # name, site, consent date
    shot(page, f"{size}-error-summary")
    axe(page, f"registration with errors, {size}")

    # Each link focuses its field, even in a folded section.
    page.locator("#step-consent > summary").click()
    expect(page.locator("#step-consent")).not_to_have_attribute("open", "")
    summary.get_by_role("link", name=re.compile("Give the date consent was given")).click()
    assert focused_id(page) == "id_consent_date"
    expect(page.locator("#step-consent")).to_have_attribute("open", "")
    summary.get_by_role("link", name=re.compile("^Full name")).click()
    assert focused_id(page) == "id_full_name"
    expect(page.locator("#id_full_name")).to_be_in_viewport()

    # Corrected, with the name of someone already registered: the candidates and the
    # decision at the top.
    page.locator("#id_full_name").fill("Kyaw Min Oo")
    page.locator("#id_birth_year").fill("1998")
    page.locator("#id_location").select_option(str(mae_sot.pk))
    page.locator("#id_consent_date").fill("2025-08-20")
    page.get_by_role("button", name="Save").click()
    candidates = page.get_by_role("region", name="Possible duplicates")
    expect(candidates).to_contain_text(existing.case_number)
    decision = candidates.get_by_label(re.compile("none of these is the same person"))
    expect(decision).to_be_visible()
    assert above(page, "#duplicate-decision", "#step-person")
    # Not decided yet: said in the summary, which links to the decision.
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name=re.compile("may already be registered")).click()
    assert focused_id(page) == "id_not_a_duplicate"
    assert fits_the_screen(page)
    shot(page, f"{size}-duplicate")
    axe(page, f"registration with a duplicate, {size}")
    assert Person.objects.count() == 1

    decision.check()
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/people/\d+/$"))
    expect(page.get_by_role("alert").filter(has_text="Registered with case number")).to_be_visible()
    assert Person.objects.filter(full_name="Kyaw Min Oo").count() == 2
    axe.assert_no_blocking()


@pytest.mark.parametrize("size", SIZES)
def test_editing_shows_the_same_steps_and_summary(page, url, shot, sign_in, mae_sot, axe, size):
    page.set_viewport_size(SIZES[size])
    worker = make_user(Role.CASE_WORKER, [mae_sot], full_name="Thida Case")
    person = PersonFactory(location=mae_sot, full_name="Aye Aye", case_worker=worker)
    sign_in(page, worker)
    page.goto(url(f"/people/{person.pk}/edit/"))
    for title in ("Person", "Consent", "Contact"):
        expect(page.get_by_role("group", name=re.compile(f"of 3: {title}"))).to_be_visible()
    page.locator("#id_full_name").fill("")
    page.get_by_role("button", name="Save").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    summary.get_by_role("link").first.click()
    assert focused_id(page) == "id_full_name"
    assert fits_the_screen(page)
    shot(page, f"{size}-edit-error")
    axe(page, f"edit with an error, {size}")
    axe.assert_no_blocking()
