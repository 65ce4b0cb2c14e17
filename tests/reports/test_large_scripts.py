"""Large scripts only on the pages that use them (issue 23: weak signal on a phone).

On 400 kbit/s each large library costs the reader seconds: Chart.js (210 kB) only on the
statistics dashboard, htmx (52 kB) only on the pages that poll a background job. Here in
tests/reports because the dashboard's fixtures are here; `make bench-phone` measures the same
rule in Chromium (devtools/bench/phone.py)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from devtools.bench.phone import LARGE_SCRIPT_BYTES, LARGE_SCRIPT_MARKERS
from programs.models import Enrolment
from reports.models import ReportBuild
from tests.programs.factories import PersonFactory, TrainingSessionFactory

CHART = "vendor/chartjs-4.6.1/chart.umd.min.js"
HTMX = "vendor/htmx-2.0.11/htmx.min.js"
SCRIPT = re.compile(r'<script[^>]*\ssrc="/static/([^"]+)"')


def scripts_of(response) -> set[str]:
    assert response.status_code == 200
    return set(SCRIPT.findall(response.content.decode()))


@pytest.fixture
def roster_url(trainer, mae_sot):
    session = TrainingSessionFactory(trainer=trainer, location=mae_sot)
    Enrolment.objects.create(
        session=session, person=PersonFactory(location=mae_sot), enrolled_by=trainer
    )
    return reverse("programs:roster", args=[session.pk])


def test_the_sign_in_page_loads_no_large_library(client, db):
    scripts = scripts_of(client.get(reverse("account_login")))
    assert CHART not in scripts and HTMX not in scripts


@pytest.mark.parametrize("role", ["case_worker_mae_sot", "trainer", "analyst"])
def test_home_pages_load_no_large_library(client, signed_in, request, role):
    signed_in(request.getfixturevalue(role))
    scripts = scripts_of(client.get(reverse("home")))
    assert CHART not in scripts and HTMX not in scripts


def test_the_people_list_loads_no_large_library(client, signed_in, case_worker_mae_sot):
    signed_in(case_worker_mae_sot)
    scripts = scripts_of(client.get(reverse("people:list")))
    assert CHART not in scripts and HTMX not in scripts


def test_the_roster_loads_no_large_library(client, signed_in, trainer, roster_url):
    signed_in(trainer)
    scripts = scripts_of(client.get(roster_url))
    assert CHART not in scripts and HTMX not in scripts


def test_the_dashboard_loads_chart_js_and_no_htmx(client, signed_in, analyst, august_report):
    signed_in(analyst)
    scripts = scripts_of(client.get(reverse("reports:dashboard", args=["monthly", "2025-08"])))
    assert CHART in scripts and HTMX not in scripts


def test_a_running_build_polls_with_htmx_and_draws_no_chart(client, signed_in, admin_user):
    build = ReportBuild.objects.create(kind="monthly", period="2025-08", requested_by=admin_user)
    signed_in(admin_user)
    response = client.get(reverse("reports:build", args=[build.pk]))
    assert "hx-get" in response.content.decode()
    scripts = scripts_of(response)
    assert HTMX in scripts and CHART not in scripts


def test_every_large_script_says_what_a_page_holds_when_it_uses_it():
    """A new large library needs an entry in LARGE_SCRIPT_MARKERS, or `make bench-phone`
    counts it as unused on every page that loads it."""
    roots = [Path(settings.BASE_DIR) / "static", *Path(settings.BASE_DIR).glob("*/static")]
    large = {
        path.name
        for root in roots
        for path in root.rglob("*.js")
        if path.stat().st_size > LARGE_SCRIPT_BYTES
    }
    assert large, "the vendored libraries are large scripts"
    unknown = {name for name in large if not any(key in name for key in LARGE_SCRIPT_MARKERS)}
    assert not unknown


def test_the_sign_in_page_shows_no_template_comment(client, db):
    """A `{# #}` comment spanning two lines is printed, not hidden (Django's are one line)."""
    page = client.get(reverse("account_login")).content.decode()
    assert "{#" not in page and 'name="login"' in page
