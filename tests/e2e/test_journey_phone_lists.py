"""Lists on a phone (issue 22): the filters behind one "Filters" button with the number of
active filters, "Any …" instead of "---------", one card per result and no sideways scrolling;
on a desktop the filters stay open and the results are a table."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import PHONE, SCREENSHOTS
from tests.e2e.test_accessibility import AxeChecks
from tests.people.factories import PersonFactory
from tests.programs.factories import DistributionFactory, SafeHomeFactory, StayFactory

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def row_display(page) -> str:
    """How the first result row is laid out: "block" as a card, "table-row" in a table."""
    return page.evaluate(
        "getComputedStyle(document.querySelector('table.table-cards tbody tr')).display"
    )


def filters_button(page):
    return page.locator("details.list-filters > summary")


@pytest.fixture
def lists_data(portal_data, mae_sot):
    """Besides the portal data: people with statuses to filter, a distribution and a stay."""
    for n in range(3):
        PersonFactory(location=mae_sot, full_name=f"Closed Person {n}", status="closed")
    DistributionFactory(person=portal_data.person, location=mae_sot)
    StayFactory(person=portal_data.person, home=SafeHomeFactory(location=mae_sot, name="Home A"))
    return portal_data


@pytest.fixture
def axe(request):
    checks = AxeChecks()
    yield checks
    name = request.node.originalname.removeprefix("test_")
    (SCREENSHOTS / f"axe-{name}.txt").write_text(checks.report() or "no findings\n")


def test_people_list_filters_on_a_phone(page, url, shot, sign_in, lists_data, axe):
    page.set_viewport_size(PHONE)
    sign_in(page, lists_data.case_worker)
    page.goto(url("/people/"))

    # The filters are folded behind one button; the results come first, as cards.
    button = filters_button(page)
    expect(button).to_be_visible()
    expect(button).to_have_text(re.compile(r"^\s*Filters\s*$"))
    expect(page.get_by_label("Status", exact=True)).to_be_hidden()
    assert row_display(page) == "block"
    assert fits_the_screen(page)
    shot(page, "people-phone")
    axe(page, "people list, phone")

    button.click()
    status = page.get_by_label("Status", exact=True)
    expect(status).to_be_visible()
    # Empty choices say what they mean.
    expect(status.locator("option").first).to_have_text("Any status")
    expect(page.get_by_label("Site", exact=True).locator("option").first).to_have_text("Any site")
    assert "---------" not in page.content()
    status.select_option("closed")
    page.get_by_role("button", name="Apply").click()

    # The search is kept out of the address; the button counts the active filter.
    expect(page).to_have_url(re.compile(r"/people/\?f=[\w-]+$"))
    expect(filters_button(page)).to_contain_text("1 active")
    cards = page.locator("table.table-cards tbody tr")
    expect(cards).to_have_count(3)
    expect(cards.first).to_contain_text("Closed Person")
    # Each card names its values.
    label = page.evaluate(
        "getComputedStyle(document.querySelector('table.table-cards tbody td'), '::before').content"
    )
    assert label == '"Case number"'
    assert row_display(page) == "block"
    assert fits_the_screen(page)
    shot(page, "people-phone-filtered")
    filters_button(page).click()
    shot(page, "people-phone-filters-open")
    axe(page, "people list filtered, phone")
    axe.assert_no_blocking()


def test_every_list_fits_a_phone_as_cards(page, url, shot, sign_in, lists_data, axe):
    page.set_viewport_size(PHONE)
    sign_in(page, lists_data.case_worker)
    for path, name in (
        ("/programs/sessions/", "sessions"),
        ("/programs/assistance/", "assistance"),
        ("/programs/homes/", "homes"),
    ):
        page.goto(url(path))
        assert row_display(page) == "block", name
        assert fits_the_screen(page), name
        shot(page, f"{name}-phone")
        axe(page, f"{name}, phone")
    axe.assert_no_blocking()


def test_admin_lists_fit_a_phone(page, url, shot, sign_in, lists_data, axe):
    page.set_viewport_size(PHONE)
    sign_in(page, lists_data.admin)
    page.goto(url("/people/"))  # an audited list read: the audit log has rows to show
    for path, name in (
        ("/audit/", "audit"),
        ("/users/", "users"),
        ("/exports/", "exports"),
        ("/people/restricted-openings/", "restricted-openings"),
        ("/people/duplicates/", "duplicates"),
        (f"{lists_data.report_path}versions/", "report-versions"),
    ):
        page.goto(url(path))
        assert row_display(page) == "block", name
        assert fits_the_screen(page), name
        shot(page, f"{name}-phone")
        axe(page, f"{name}, phone")
    # The audit log's filters: folded, "Any …" for empty choices.
    page.goto(url("/audit/"))
    filters_button(page).click()
    expect(page.get_by_label("Action").locator("option").first).to_have_text("Any action")
    axe.assert_no_blocking()


def test_lists_are_tables_on_a_desktop(page, url, shot, sign_in, lists_data, axe):
    page.set_viewport_size(DESKTOP)
    sign_in(page, lists_data.case_worker)
    for path, name in (
        ("/people/", "people"),
        ("/programs/sessions/", "sessions"),
        ("/programs/assistance/", "assistance"),
        ("/programs/homes/", "homes"),
    ):
        page.goto(url(path))
        assert row_display(page) == "table-row", name
        expect(page.locator("table.table-cards thead").first).to_be_visible()
        if name != "homes":  # the homes list has no filters
            # Open on a desktop: the filters show without a click.
            expect(page.locator("details.list-filters")).to_have_attribute("open", "")
        assert fits_the_screen(page), name
        shot(page, f"{name}-desktop")
        axe(page, f"{name}, desktop")
    axe.assert_no_blocking()
