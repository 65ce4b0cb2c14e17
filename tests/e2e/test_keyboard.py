"""Keyboard only: the skip link, signing in and the roster, with a visible focus indicator."""

import re

import pytest
from playwright.sync_api import expect

from programs.models import Attendance
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


def tab_to(page, locator, limit=40):
    """Press Tab until `locator` has the focus; fail if it is never reached."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("element => element === document.activeElement"):
            return
    pytest.fail(f"{locator} cannot be reached with the Tab key")


def focus_indicator(page, selector="document.activeElement") -> str:
    """The outline (or, failing that, the box shadow) drawn around an element."""
    return page.evaluate(
        f"""() => {{
            const style = getComputedStyle({selector});
            if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2) {{
                return "outline " + style.outlineWidth + " " + style.outlineColor;
            }}
            return style.boxShadow === "none" ? "" : "shadow " + style.boxShadow;
        }}"""
    )


def test_trainer_signs_in_and_marks_attendance_with_the_keyboard(page, url, shot, portal_data):
    page.goto(url("/accounts/login/"))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))

    email = page.locator("input[name=login]")
    tab_to(page, email)
    assert focus_indicator(page).startswith("outline")
    page.keyboard.type(portal_data.trainer.email)
    page.keyboard.press("Tab")
    expect(page.locator("input[name=password]")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(url("/"))

    roster = url(f"/programs/sessions/{portal_data.session.pk}/roster/")
    page.goto(roster)
    groups = page.locator("#roster-form fieldset")
    expect(groups).to_have_count(3)
    for index, key in enumerate(["Space", "ArrowRight", "ArrowRight"]):
        # Tab reaches each participant's choices; the arrow keys move between them.
        first_choice = groups.nth(index).get_by_role("radio").first
        tab_to(page, first_choice)
        page.keyboard.press(key)
        label = "document.querySelector('label[for=\"' + document.activeElement.id + '\"]')"
        assert focus_indicator(page, label), "the focused choice shows no focus indicator"
        if index == 0:
            shot(page, "focus-on-a-choice")
    expect(groups.nth(0).get_by_role("radio", name="Present")).to_be_checked()
    expect(groups.nth(1).get_by_role("radio", name="Absent")).to_be_checked()
    expect(groups.nth(2).get_by_role("radio", name="Absent")).to_be_checked()

    save = page.get_by_role("button", name="Save attendance")
    tab_to(page, save)
    assert focus_indicator(page).startswith("outline")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Attendance saved (3 changes).")
    statuses = sorted(
        Attendance.objects.filter(session=portal_data.session).values_list("status", flat=True)
    )
    assert statuses == ["absent", "absent", "present"]
