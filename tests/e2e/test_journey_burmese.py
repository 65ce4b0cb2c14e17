"""Journey 5: the main pages in Burmese. The language menu switches the portal to Burmese and
no English UI string is left on the pages.

An English UI string is a message of the Burmese catalogue (locale/my/LC_MESSAGES/django.po)
found verbatim in the page's text while the page is in Burmese. Data shown on the pages
(names, e-mail addresses, case numbers, site codes and names, course names, dates and
numbers) is left out before comparing. Text that is English but not in the catalogue (from
Django or allauth) is listed in var/e2e/burmese-report.txt for review without failing.
"""

import re
from functools import cache
from pathlib import Path

import polib
import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.e2e.helpers import SCREENSHOTS, sign_out

pytestmark = pytest.mark.e2e

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "my" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\([^)]+\)[sd]|%[sd]|%%")
SEPARATORS = re.compile(r"[·|—–:;,()\[\]¦/•→]")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")
DATA_PATTERNS = [
    re.compile(r"\b\d{4}-\d{2}(-\d{2})?\b"),  # dates and months
    re.compile(r"\b\d{1,2}:\d{2}\b"),  # times
    re.compile(r"[A-Z]{2,}-\d{2}-\d{5}"),  # case numbers
    re.compile(r"\b(CSV|XLSX|PDF|TOTP|QR)\b"),  # file formats and technical names
]

# Visible text nodes and the texts of attributes that are shown or read out, of elements
# not marked as being in another language; the language menu shows each language in itself.
COLLECT_TEXTS = """() => {
    const texts = [document.title];
    const inOtherLanguage = element => {
        const marked = element.closest("[lang]");
        return marked && marked.lang !== document.documentElement.lang;
    };
    const skipped = element =>
        element.closest("script, style, noscript, template, #language-select")
        || inOtherLanguage(element)
        || !element.checkVisibility({ visibilityProperty: true });
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode;
        if (node.textContent.trim() && !skipped(node.parentElement)) {
            texts.push(node.textContent);
        }
    }
    const attributes = ["placeholder", "aria-label", "title", "alt"];
    for (const element of document.body.querySelectorAll("*")) {
        if (skipped(element)) continue;
        for (const name of attributes) {
            if (element.getAttribute(name)) texts.push(element.getAttribute(name));
        }
        if (element.matches("input[type=submit], input[type=button]") && element.value) {
            texts.push(element.value);
        }
    }
    return texts.map(text => text.replace(/\\s+/g, " ").trim()).filter(Boolean);
}"""


@cache
def catalogue_patterns() -> tuple[tuple[str, re.Pattern], ...]:
    """(msgid, pattern finding it in a text) for every message of the Burmese catalogue."""
    patterns = {}
    for entry in polib.pofile(str(CATALOGUE)):
        if entry.obsolete:
            continue
        for msgid in filter(None, (entry.msgid, entry.msgid_plural)):
            text = " ".join(msgid.split())
            if "<" in text or not LATIN_WORD.search(PLACEHOLDER.sub("", text)):
                continue  # HTML help texts; messages without words of their own
            parts = PLACEHOLDER.split(text)
            markers = PLACEHOLDER.findall(text)
            regex = re.escape(parts[0])
            for marker, part in zip(markers, parts[1:], strict=True):
                regex += ("%" if marker == "%%" else ".+?") + re.escape(part)
            regex = regex.strip()
            patterns[text] = re.compile(rf"(?<![A-Za-z0-9]){regex}(?![A-Za-z0-9])")
    # Longest first: a message found is taken out of the text, so that the shorter ones it
    # contains ("Save" in "Save attendance") are not reported again.
    return tuple(sorted(patterns.items(), key=lambda item: -len(item[0])))


def without_data(text: str, data_texts) -> str:
    for data in data_texts:
        text = text.replace(data, " ¦ ")
    for pattern in DATA_PATTERNS:
        text = pattern.sub(" ¦ ", text)
    return text


def english_left(page, data_texts) -> tuple[list[str], list[str]]:
    """(catalogue messages found on the page, other Latin words left on it).

    A message is found when it appears verbatim in a text, or when a whole text, or a whole
    part of it between separators ("defected · soldier"), is the message in another case
    (codes shown instead of their labels)."""
    found, other = [], []
    for raw in page.evaluate(COLLECT_TEXTS):
        text = without_data(raw, data_texts)
        segments = {s.strip(" .").casefold() for s in SEPARATORS.split(text)}
        for msgid, pattern in catalogue_patterns():
            if pattern.search(text) or msgid.strip(" .").casefold() in segments:
                found.append(msgid)
                text = pattern.sub(" ¦ ", text)
        other += LATIN_WORD.findall(text)
    found = list(dict.fromkeys(found))
    return found, list(dict.fromkeys(other))


class Pages:
    """Visits pages in Burmese and records the English left on each."""

    def __init__(self, page, url, shot, data_texts):
        self.page, self.url, self.shot, self.data_texts = page, url, shot, data_texts
        self.results = {}

    def check(self, name, path=None):
        if path is not None:
            self.page.goto(self.url(path))
        self.page.wait_for_load_state("load")
        expect(self.page.locator("html")).to_have_attribute("lang", "my")
        self.results[name] = english_left(self.page, self.data_texts)
        self.shot(self.page, re.sub(r"\W+", "-", name).strip("-"))

    def report(self) -> str:
        lines = []
        for name, (found, other) in self.results.items():
            lines.append(f"{name}:")
            lines += [f"    untranslated: {m!r}" for m in found]
            if other:
                lines.append(f"    other Latin text (not in the catalogue): {', '.join(other)}")
        return "\n".join(lines) + "\n"

    def untranslated(self) -> dict:
        return {name: found for name, (found, _) in self.results.items() if found}


def test_main_pages_in_burmese(page, url, shot, sign_in, portal_data):
    pages = Pages(page, url, shot, portal_data.data_texts)

    # The language menu in the navigation bar, before signing in.
    page.goto(url("/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # The check finds the English messages of a page in English.
    assert {"Sign in", "Language"} <= set(english_left(page, portal_data.data_texts)[0])
    page.get_by_label("Language").select_option("my")
    page.get_by_role("navigation").get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "my")
    expect(page).to_have_url(url("/accounts/login/"))
    expect(page.locator("#language-select")).to_have_value("my")
    pages.check("login")

    # The language stays chosen after signing in, for every role.
    sign_in(page, portal_data.admin)
    pages.check("home (admin)")
    pages.check("users", "/users/")
    pages.check("invite a user", "/users/invite/")
    pages.check("people", "/people/")
    pages.check("person page", f"/people/{portal_data.person.pk}/")
    pages.check("registration form", "/people/new/")
    page.locator("main form").locator("button[type=submit]").last.click()  # empty: errors
    pages.check("registration form with errors")
    pages.check("transfer request", f"/people/{portal_data.person.pk}/transfer/")
    pages.check("transfers", "/people/transfers/")
    pages.check("possible duplicates", "/people/duplicates/")
    pages.check("training sessions", "/programs/sessions/")
    pages.check("session page", f"/programs/sessions/{portal_data.session.pk}/")
    pages.check("enrol page", f"/programs/sessions/{portal_data.session.pk}/enrol/")
    pages.check("assistance", "/programs/assistance/")
    pages.check("import people", "/people/import/")
    pages.check("audit log", "/audit/")
    pages.check("caseloads", f"/caseload/?worker={portal_data.case_worker.pk}")
    pages.check("statistics", "/reports/")
    pages.check("dashboard", portal_data.report_path)
    sign_out(page)

    sign_in(page, portal_data.case_worker)
    pages.check("home (case worker)")
    pages.check("my caseload", "/caseload/")
    sign_out(page)

    sign_in(page, portal_data.trainer)
    pages.check("home (trainer)")
    pages.check("my sessions", "/programs/my-sessions/")
    pages.check("roster", f"/programs/sessions/{portal_data.session.pk}/roster/")
    sign_out(page)

    sign_in(page, portal_data.analyst)
    pages.check("home (analyst)")
    pages.check("dashboard (analyst)", portal_data.report_path)

    # And back to English.
    page.locator("#language-select").select_option("en")
    page.locator("#language-select").locator("xpath=ancestor::form[1]//button").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Monthly")

    (SCREENSHOTS / "burmese-report.txt").write_text(pages.report())
    untranslated = pages.untranslated()
    assert not untranslated, "English UI strings left on Burmese pages:\n" + "\n".join(
        f"  {name}: {', '.join(map(repr, found))}" for name, found in untranslated.items()
    )
