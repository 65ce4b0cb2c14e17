"""A dashboard and PDF fit for a donor report: the headline names the month in the reader's
language, figures carry thousands separators, nouns take the right plural, a chart without
data is not drawn, and the PDF holds every section with human labels, its charts, the period,
the version and the protection note."""

import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from reportlab.graphics.shapes import Drawing
from reportlab.platypus import KeepTogether, Paragraph, Table

from programs.models import AssistanceType
from reports import disclosure, exporting, formatting, headline, selectors, services
from reports.changes import NOT_FIGURES
from reports.periods import parse
from reports.templatetags.report_tags import label
from reports.views import chart_data
from tests.programs.factories import AssistanceTypeFactory, DistributionFactory, PersonFactory
from tests.reports.conftest import release

DASHBOARD = reverse("reports:dashboard", args=("monthly", "2025-08"))


def test_the_headline_names_the_month_in_english(client, signed_in, admin_user, august_report):
    signed_in(admin_user)
    text = client.get(DASHBOARD).context["headline"]
    assert text.startswith("In August 2025, 12 soldiers and 2 police officers defected")
    assert "2025-08" not in text


def test_the_headline_names_the_month_in_burmese(client, signed_in, analyst, august_report):
    signed_in(analyst)
    client.cookies["django_language"] = "my"
    text = client.get(DASHBOARD).context["headline"]
    assert text.startswith("ဩဂုတ် 2025 တွင်") and "2025-08" not in text
    with translation.override("my"):
        assert formatting.period_phrase("monthly", "2025-01") == "ဇန်နဝါရီ 2025 တွင်"
        assert formatting.period_phrase("annual", "2025") == "2025 တွင်"


@pytest.mark.parametrize("language", ["en", "my"])
def test_figures_have_thousands_separators_in_both_languages(language):
    with translation.override(language):
        assert formatting.figure(53400.0) == "53,400"
        assert formatting.figure(1234567) == "1,234,567"
        assert formatting.figure(1500.5) == "1,500.50"
        assert formatting.figure("<5") == "<5" and formatting.figure(None) == "—"


def exits(soldiers: int, police: int = 0) -> dict:
    row = {"soldier": soldiers, "police": police, "militia": 0}
    empty = {"soldier": 0, "police": 0, "militia": 0}
    total = soldiers + police
    return {
        "exits": {
            "defected": row,
            "surrendered": empty,
            "pow": empty,
            "total": {**row, "total": total},
        }
    }


def test_the_headline_takes_the_right_plural_and_separators():
    assert headline.sentence(exits(1), "In 2025").startswith("In 2025, 1 soldier defected")
    text = headline.sentence(exits(1945, 30), "In 2025")
    assert text.startswith("In 2025, 1,945 soldiers and 30 police officers defected")
    assert "1,975 in all" in text


def test_programme_sentences_take_the_right_plural():
    one = headline.assistance_sentence({"distributions": 1, "people_reached": 1})
    many = headline.assistance_sentence({"distributions": 1200, "people_reached": "<5"})
    assert one == "1 distribution reached 1 person."
    assert many == "1,200 distributions reached <5 people."
    assert headline.safe_homes_sentence({"residents": 1}, "31 August 2025") == (
        "1 resident on 31 August 2025."
    )
    with translation.override("my"):  # Burmese has one plural form: the counter word says it
        assert headline.assistance_sentence({"distributions": 1200, "people_reached": 3}) == (
            "ဖြန့်ဝေမှု 1,200 ကြိမ် လူ 3 ဦးထံ ရောက်ရှိသည်။"
        )
        assert headline.assistance_sentence({"distributions": 1, "people_reached": 1}) == (
            "ဖြန့်ဝေမှု 1 ကြိမ် လူ 1 ဦးထံ ရောက်ရှိသည်။"
        )


def test_the_dashboard_shows_cash_and_counts_with_separators(
    client, signed_in, admin_user, august_exits, mae_sot
):
    cash = AssistanceTypeFactory(name="Cash grant", kind=AssistanceType.Kind.CASH, currency="THB")
    DistributionFactory(
        person=PersonFactory(location=mae_sot),
        assistance_type=cash,
        quantity=53400,
        distributed_on=date(2025, 8, 4),
    )
    release(services.build_report(parse("monthly", "2025-08")), by=admin_user)
    signed_in(admin_user)
    page = client.get(DASHBOARD).content.decode()
    assert "THB 53,400" in page
    assert "1 distribution reached 1 person." in page


def test_a_chart_without_data_is_not_drawn(client, signed_in, analyst, august_report):
    signed_in(analyst)
    response = client.get(DASHBOARD)
    page = response.content.decode()
    drawn = response.context["chart_data"]["drawn"]
    # Exits only in this report: no training, no assistance to draw.
    assert drawn["by_site"] and not drawn["attendance"] and not drawn["assistance"]
    assert 'data-chart="by_site"' in page
    assert 'data-chart="attendance"' not in page and 'data-chart="assistance"' not in page
    assert 'data-no-chart="attendance"' in page and "nothing to draw for this period" in page


def test_chart_labels_are_translated_and_months_named():
    shown = {
        "by_month": {"2025-08": {"defected": 1, "surrendered": 0, "pow": 0}, "total": {}},
        "recruits": {"by_recruit_status": {"new_recruit": 1}},
        "by_site": {},
    }
    with translation.override("my"):
        series = chart_data(shown)
    assert series["months"][0].endswith("2025") and "08" not in series["months"][0]
    assert series["labels"]["defected"] != "Defected"


# --- The PDF ---------------------------------------------------------------------------------


def story_texts(story) -> list[str]:
    """Every text of the PDF's story: paragraphs and table cells."""
    texts = []
    for flowable in story:
        if isinstance(flowable, KeepTogether):
            texts += story_texts(flowable._content)
        elif isinstance(flowable, Paragraph):
            texts.append(flowable.text)
        elif isinstance(flowable, Table):
            texts += [str(cell) for row in flowable._cellvalues for cell in row]
    return texts


def codes_of(data: dict) -> set[str]:
    """Every key of a report that has a human label different from itself."""
    codes = set()
    for key, value in data.items():
        if key in NOT_FIGURES:
            continue
        if str(label(key)) != key:
            codes.add(key)
        if isinstance(value, dict):
            codes |= codes_of(value)
    return codes


@pytest.fixture
def full_report(august_exits, mae_sot, admin_user):
    """August 2025 with exits and a programme section with data (assistance)."""
    food = AssistanceTypeFactory()
    DistributionFactory(
        person=PersonFactory(location=mae_sot),
        assistance_type=food,
        distributed_on=date(2025, 8, 3),
    )
    return release(services.build_report(parse("monthly", "2025-08")), by=admin_user)


def test_the_pdf_holds_every_section_with_human_labels_and_no_raw_codes(full_report, analyst):
    data, suppressed = selectors.shown_data(analyst, full_report, publication=True)
    story = exporting.pdf_story(
        data,
        "Statistics: August 2025",
        headline.sentence(data, "In August 2025"),
        disclosure.method_note() if suppressed else None,
        exporting.version_line(full_report, exact=False),
    )
    texts = story_texts(story)
    joined = "\n".join(texts)
    for section in data:
        if section not in NOT_FIGURES:
            assert str(label(section)) in texts, section
    for human in ("Prisoner of war", "45 and over", "Exits by sex and age at exit", "Training"):
        assert human in joined
    for code in codes_of(data):  # never a cell or heading that is a code
        assert code not in {text.strip() for text in texts}, code
        if "_" in code:  # nor anywhere in a text (a code with "_" is no English word)
            assert code not in joined, code
    assert "Version 1, released on" in joined
    assert "Statistics: August 2025" in joined and "In August 2025" in joined
    assert escape(disclosure.method_note()) in joined  # paragraphs hold escaped text
    # A withheld figure prints "—", never "None" ("None" is only the label of the livelihood
    # outcome `none`, and the start of "None in this period.").
    assert texts.count("None") <= 1
    assert exporting._value("attendance_rate", None) == exporting._value("people", None) == "—"
    charts = [flowable for flowable in story if isinstance(flowable, Drawing)]
    assert len(charts) == len(exporting.charts(data)) >= 2  # each after its section's table
    # Exact figures: exits per month, by site and assistance by type (no training to draw).
    assert set(exporting.charts(full_report.data)) == {"by_month", "by_site", "assistance"}


def test_the_pdf_download_is_a_pdf_with_the_version_in_its_name(
    client, signed_in, analyst, full_report
):
    signed_in(analyst)
    response = client.get(reverse("reports:download", args=("monthly", "2025-08", "pdf")))
    assert response.content.startswith(b"%PDF") and len(response.content) > 2000
    assert response["Content-Disposition"].endswith('report-monthly-2025-08-v1.pdf"')
    assert io.BytesIO(response.content).getbuffer().nbytes == len(response.content)
