import csv
import io
from datetime import timedelta

import pytest
import pyzipper
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from people.exporting import people_table
from portal import exports
from portal.models import AuditEvent, ExportJob
from portal.roles import Role
from portal.tasks import build_export, delete_expired_exports
from tests.conftest import make_user
from tests.people.factories import ExitFactory, PersonFactory


@pytest.fixture(autouse=True)
def _exports_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def run_export(client, kind="people", query="", file_format="csv"):
    if kind == "people" and query:
        key, value = query.split("=")
        query = client.post(reverse("people:list"), {key: value}).url.split("?")[1]
    response = client.post(
        f"{reverse('portal:export_new', args=[kind])}?{query}", {"file_format": file_format}
    )
    assert response.status_code == 302
    job = ExportJob.objects.get()
    build_export(str(job.pk))  # what the worker runs after the commit
    return job


def read_zip(path, password):
    with pyzipper.AESZipFile(path) as archive:
        archive.setpassword(password.encode())
        name = archive.namelist()[0]
        return name, archive.read(name)


def password_from_page(client, job):
    page = client.get(reverse("portal:export_detail", args=[job.pk]))
    return page.context["password"]


def test_people_export_is_an_encrypted_zip_whose_password_is_shown_once(
    client, signed_in, admin_user
):
    ExitFactory(
        person=PersonFactory(
            full_name='=HYPERLINK("http://evil")', preferred_name="+Zaw", name_my="ကျော်"
        )
    )
    signed_in(admin_user)
    job = run_export(client)
    password = password_from_page(client, job)
    assert len(password) >= 16
    assert password_from_page(client, job) == ""  # shown once
    job.refresh_from_db()
    assert job.password == "" and job.status == "done" and job.rows_done == 1
    response = client.get(reverse("portal:export_download", args=[job.pk]))
    archive = b"".join(response.streaming_content)
    path = exports.export_dir() / "downloaded.zip"
    path.write_bytes(archive)
    with pytest.raises(RuntimeError):
        pyzipper.AESZipFile(path).read(pyzipper.AESZipFile(path).namelist()[0])
    name, content = read_zip(path, password)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["case_number", "reference"]
    assert rows[1][2] == '\'=HYPERLINK("http://evil")'
    assert rows[1][3] == "'+Zaw"
    assert rows[1][4] == "ကျော်"


def test_export_follows_the_list_filters(client, signed_in, admin_user):
    ExitFactory(exit_type="pow", person=PersonFactory(full_name="Prisoner One"))
    ExitFactory(exit_type="defected", person=PersonFactory(full_name="Defector Two"))
    signed_in(admin_user)
    job = run_export(client, query="exit_type=pow")
    _, content = read_zip(exports.file_path(job), password_from_page(client, job))
    assert "Prisoner One" in content.decode() and "Defector Two" not in content.decode()


def test_xlsx_export_neutralises_formulas(client, signed_in, admin_user):
    PersonFactory(full_name="@SUM(A1)")
    signed_in(admin_user)
    job = run_export(client, file_format="xlsx")
    name, content = read_zip(exports.file_path(job), password_from_page(client, job))
    assert name.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.cell(row=2, column=3).value == "'@SUM(A1)"  # after case number, reference


def test_export_request_and_download_are_audited(client, signed_in, admin_user):
    PersonFactory()
    signed_in(admin_user)
    job = run_export(client)
    password_from_page(client, job)
    client.get(reverse("portal:export_download", args=[job.pk]))
    events = AuditEvent.objects.filter(action="export", object_type="export.people")
    assert events.count() == 2
    assert events.filter(changes__has_key="downloaded").count() == 1


def test_only_the_requester_may_follow_or_download(client, signed_in, admin_user):
    signed_in(admin_user)
    job = run_export(client)
    signed_in(make_user(Role.ADMIN))
    assert client.get(reverse("portal:export_detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("portal:export_download", args=[job.pk])).status_code == 404


def test_case_workers_cannot_export(client, signed_in, case_worker_mae_sot):
    signed_in(case_worker_mae_sot)
    assert client.post(reverse("portal:export_new", args=["people"])).status_code == 403
    assert not ExportJob.objects.exists()


def test_files_are_deleted_after_24_hours(client, signed_in, admin_user):
    PersonFactory()
    signed_in(admin_user)
    job = run_export(client)
    assert exports.file_path(job).exists()
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert delete_expired_exports() == 1
    assert not exports.file_path(job).exists()
    job.refresh_from_db()
    assert job.status == "expired"
    assert client.get(reverse("portal:export_download", args=[job.pk])).status_code == 404


def test_the_export_task_claims_a_job_once(client, signed_in, admin_user):
    PersonFactory()
    signed_in(admin_user)
    job = run_export(client)
    finished_at = ExportJob.objects.get().finished_at
    build_export(str(job.pk))  # a second worker gets the same message: nothing happens
    assert ExportJob.objects.get().finished_at == finished_at


def test_audit_log_export_and_filters(client, signed_in, admin_user):
    signed_in(admin_user)
    page = client.get(reverse("portal:audit_list"), {"action": "export"})
    assert page.status_code == 200
    job = run_export(client, kind="audit", query="action=login")
    _, content = read_zip(exports.file_path(job), password_from_page(client, job))
    assert content.decode("utf-8-sig").splitlines()[0].startswith("occurred_at_utc")


def test_export_is_memory_bounded_streaming(monkeypatch, admin_user):
    """The table's rows come from a queryset iterator, never a list of all rows."""

    PersonFactory()
    table = people_table(admin_user, {})
    assert not isinstance(table.rows, list | tuple)
    assert table.total == 1


@pytest.mark.parametrize(
    "name", ["portal:export_detail", "portal:export_progress", "portal:export_download"]
)
def test_job_pages_by_role(
    client, signed_in, admin_user, case_worker_mae_sot, trainer, analyst, name
):
    PersonFactory()
    signed_in(admin_user)
    job = run_export(client)
    assert client.get(reverse(name, args=[job.pk])).status_code == 200
    for other in (case_worker_mae_sot, trainer, analyst):
        signed_in(other)
        assert client.get(reverse(name, args=[job.pk])).status_code == 403


def test_the_people_in_an_export_are_in_the_audit_log(client, signed_in, admin_user):
    exported = [ExitFactory().person, ExitFactory().person]
    signed_in(admin_user)
    run_export(client)
    (event,) = AuditEvent.objects.filter(action="view", object_type="export:people")
    assert event.changes == {"people": [None, sorted(person.pk for person in exported)]}
    assert event.actor_id == admin_user.pk


def test_a_large_export_lists_its_people_in_parts(client, signed_in, admin_user, monkeypatch):
    """One audit row per part (10,000 people in production): a million ids never sit in one
    row, nor in the worker's memory as Python ints."""
    monkeypatch.setattr(exports, "AUDIT_PART", 2)
    exported = sorted(ExitFactory().person.pk for _ in range(5))
    signed_in(admin_user)
    run_export(client)
    events = AuditEvent.objects.filter(action="view", object_type="export:people").order_by("pk")
    parts = [event.changes["people"][1] for event in events]
    assert parts == [exported[0:2], exported[2:4], exported[4:5]]
