"""Journey 6: a case worker imports people from a CSV file. The upload is checked in the
background: the job page shows its progress (htmx polling), then the report; a file with an
error imports nothing, the corrected file imports everyone."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from people import tasks
from people.models import ImportJob, Person
from portal.roles import Role
from tests.conftest import make_user
from tests.e2e.helpers import hold_task

pytestmark = pytest.mark.e2e

HEADER = (
    "case_number,full_name,preferred_name,name_my,sex,birth_year,exit_type,affiliation,"
    "exit_date,recruit_status,rank,origin_region,location,notes\n"
)
KYAW = ",Kyaw Min Oo,Kyaw,ကျော်မင်းဦး,male,2003,defected,soldier,2025-08-14,new_recruit,Private,Magway,MAE-SOT,Crossed with two others\n"
THET = ",Thet Naing,Thet,သက်နိုင်,{sex},1998,pow,soldier,2025-07-02,veteran,Corporal,Sagaing,MAE-SOT,\n"


@pytest.fixture
def worker(monkeypatch):
    worker = hold_task(monkeypatch, tasks, "run_import")
    yield worker
    worker.finish()


def no_serious_accessibility_issue(page):
    results = Axe().run(page)
    blocking = [
        f"{v['id']}: {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert not blocking, blocking


def upload(page, content: str):
    page.get_by_label(re.compile(r"^File \(CSV or XLSX\)")).set_input_files(
        files=[{"name": "intake.csv", "mimeType": "text/csv", "buffer": content.encode()}]
    )
    page.get_by_role("button", name="Upload").click()


def test_case_worker_imports_a_file_after_correcting_it(page, url, shot, sign_in, worker, mae_sot):
    case_worker = make_user(
        Role.CASE_WORKER, [mae_sot], email="cw.maesot@example.org", full_name="Thida Case"
    )

    sign_in(page, case_worker)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    page.get_by_role("link", name="Import", exact=True).click()
    expect(page).to_have_url(url("/people/import/"))
    expect(page.get_by_role("heading", name="File format")).to_be_visible()

    # A file with an error: the job page shows the import waiting, then the report in place.
    upload(page, HEADER + KYAW + THET.format(sex="robot"))
    expect(page).to_have_url(re.compile(r"/people/import/[0-9a-f-]{36}/$"))
    job_page = page.url
    expect(page.get_by_role("status")).to_have_text("Waiting")
    expect(page.get_by_role("progressbar", name="Progress")).to_be_visible()
    no_serious_accessibility_issue(page)
    shot(page, "waiting")
    worker.pick_up()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was imported.", timeout=15_000)
    assert page.url == job_page  # updated in place by htmx, not by a reload
    expect(page.get_by_role("progressbar")).to_have_count(0)
    errors = page.get_by_role("table", name="Errors in the file")
    expect(errors.get_by_role("row", name=re.compile(r"^3 sex"))).to_contain_text("robot")
    no_serious_accessibility_issue(page)
    shot(page, "errors")
    assert Person.objects.count() == 0

    # The corrected file.
    page.get_by_role("link", name="Import another file").click()
    expect(page).to_have_url(url("/people/import/"))
    upload(page, HEADER + KYAW + THET.format(sex="male"))
    success = page.get_by_role("status").filter(has_text="The file was imported.")
    expect(success).to_contain_text("2 rows read: 2 people, 2 exits", timeout=15_000)
    shot(page, "imported")
    assert set(Person.objects.values_list("full_name", "created_by")) == {
        ("Kyaw Min Oo", case_worker.pk),
        ("Thet Naing", case_worker.pk),
    }
    assert list(ImportJob.objects.values_list("status", flat=True)) == ["done", "done"]
