"""Both halves of issue #17 together: the versions an admin approved are what analysts and
publication get, and they get them only through the disclosure layer (cell-key method)."""

import csv
import io
import re

import pytest
from django.urls import reverse
from django.utils.html import escape
from reportlab import rl_config

from portal.models import AuditEvent
from reports import disclosure, exporting, services
from reports.disclosure import CELL_KEYS
from reports.models import ReportVersion
from reports.periods import parse
from tests.reports.conftest import late_registration, release
from tests.reports.test_presentation import story_texts

PERIOD = ("monthly", "2025-08")


def test_an_analyst_sees_the_approved_version_perturbed_never_exact(
    client, signed_in, analyst, august_report
):
    signed_in(analyst)
    response = client.get(reverse("reports:dashboard", args=PERIOD))
    shown = response.context["data"]
    assert response.context["version"] == august_report
    assert shown == disclosure.protect(august_report.data)
    # The exact figures hold 2 police and 1 militia prisoner: published as 0, never as such.
    assert august_report.data["exits"]["defected"]["police"] == 2
    assert shown["exits"]["defected"]["police"] == 0
    assert shown["exits"]["pow"]["militia"] == 0
    keys = august_report.data[CELL_KEYS]["exits"]
    assert shown["exits"]["total"]["total"] == disclosure.perturb(15, keys["total"]["total"])
    assert CELL_KEYS not in shown and CELL_KEYS not in response.content.decode()
    assert disclosure.method_note() == response.context["protection_note"]


def _counts(values) -> list[int]:
    return [int(value.replace(",", "")) for value in values if re.fullmatch(r"\d[\d,]*", value)]


@pytest.mark.parametrize("publication", [False, True])
def test_downloads_of_a_released_version_have_no_small_count_and_carry_the_method(
    client, signed_in, analyst, admin_user, august_report, mae_sot, monkeypatch, publication
):
    monkeypatch.setattr(rl_config, "pageCompression", 0)  # readable PDF text
    stories = []
    pdf_story = exporting.pdf_story

    def spy(*args, **kwargs):
        story = pdf_story(*args, **kwargs)
        stories.append(list(story))  # a copy: building the PDF consumes the story
        return story

    monkeypatch.setattr(exporting, "pdf_story", spy)
    late_registration(mae_sot)
    second = services.build_report(parse(*PERIOD))
    release(second, by=admin_user)
    reader = admin_user if publication else analyst
    signed_in(reader)
    suffix = "?publication=1" if publication else ""
    for number in (1, 2):  # the earlier release stays downloadable, as released
        version = ReportVersion.objects.get(report=second.report, number=number)
        url = reverse("reports:version_download", args=(*PERIOD, number, "csv")) + suffix
        rows = list(csv.reader(io.StringIO(client.get(url).content.decode("utf-8-sig"))))
        values = _counts(row[4] for row in rows[2:-1])
        assert values and not any(1 <= value <= 4 for value in values), number
        assert rows[-1][1] == "note" and rows[-1][4] == disclosure.method_note()
        published = disclosure.protect(version.data)["exits"]["total"]["total"]
        assert ["2025-08", "exits", "total", "total", str(published)] in rows

        # The PDF: every paragraph and table cell of what the download printed (the charts'
        # axes, whole numbers from 0, are not figures).
        stories.clear()
        url = reverse("reports:version_download", args=(*PERIOD, number, "pdf")) + suffix
        pdf = client.get(url).content
        assert pdf.startswith(b"%PDF") and b"cell-key method" in pdf
        texts = story_texts(stories[0])
        counts = _counts(texts)
        assert counts and not any(1 <= value <= 4 for value in counts), number
        assert "None" not in texts and "—" in texts  # withheld (a rate of no attendance)
        assert str(published) in texts and escape(disclosure.method_note()) in texts


def test_every_view_of_exact_figures_is_audited(client, signed_in, admin_user):
    services.build_report(parse("annual", "2025"))
    version = ReportVersion.objects.get()
    signed_in(admin_user)
    url = reverse("reports:version", args=["annual", "2025", version.number])
    assert client.get(url).status_code == 200
    (event,) = AuditEvent.objects.filter(action="view", object_type="reports.report")
    assert event.changes == {"version": [None, version.number], "exact": [None, True]}
    assert event.actor_id == admin_user.pk
