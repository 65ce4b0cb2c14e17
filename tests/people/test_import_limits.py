"""People import against hostile files: each is small on disk (or made small by lowering a
limit through the `settings` fixture) and would be huge once unpacked or read. Every one ends
with a clear report, nothing imported and a report whose size does not grow with the file,
through the import function, the upload page's job and the command alike."""

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from people.import_report import ImportReport, quote
from people.import_rows import COLUMNS
from people.models import ImportJob, Person
from tests.people.test_import import (
    people_audit_rows,
    row,
    run,
    someone,
    to_csv,
    to_xlsx,
    where,
)

REPORT_BYTES = 2_000  # a report of one error, whatever the size of the value it is about


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def zip_bomb(unpacked_bytes: int) -> bytes:
    """A "workbook" whose sheet unpacks to `unpacked_bytes` spaces, written a chunk at a time:
    a few kilobytes on disk, never whole in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b" " * (1024 * 1024)
            for _ in range(unpacked_bytes // len(chunk)):
                sheet.write(chunk)
    return buffer.getvalue()


def report_size(report: ImportReport) -> int:
    return len(json.dumps(report.to_dict()))


def assert_refused(report: ImportReport) -> None:
    """Nothing imported, no audit row, and a report of bounded size."""
    assert not report.ok and not report.saved
    assert report_size(report) < REPORT_BYTES * max(len(report.errors), 1)
    assert Person.objects.count() == 0 and not people_audit_rows().exists()


# --- XLSX: the archive -----------------------------------------------------------------------


def test_zip_bomb_is_refused_before_it_is_unpacked(admin_user):
    data = zip_bomb(64 * 1024 * 1024)
    assert len(data) < 200_000  # small on disk

    report = run(data, admin_user, filename="people.xlsx")

    assert where(report) == [(1, "")] and "compressed far more" in report.errors[0].reason
    assert_refused(report)


def test_workbook_unpacking_to_more_than_the_limit_is_refused(admin_user, settings):
    settings.IMPORT_XLSX_MAX_UNPACKED_BYTES = 5_000
    data = to_xlsx([row()])

    report = run(data, admin_user, filename="people.xlsx")

    assert where(report) == [(1, "")] and "unpacks to" in report.errors[0].reason
    assert_refused(report)


def test_workbook_with_too_many_parts_is_refused(admin_user, settings):
    settings.IMPORT_XLSX_MAX_ENTRIES = 3
    data = to_xlsx([row()])

    report = run(data, admin_user, filename="people.xlsx")

    assert where(report) == [(1, "")] and "more than 3 parts" in report.errors[0].reason
    assert_refused(report)


def test_damaged_archive_is_unreadable(admin_user):
    data = to_xlsx([row()])[:-200]  # the archive's directory cut off

    report = run(data, admin_user, filename="people.xlsx")

    assert where(report) == [(1, "")] and "could not be read" in report.errors[0].reason
    assert_refused(report)


# --- Cells -----------------------------------------------------------------------------------


def test_huge_cell_in_a_sheet_is_refused_with_its_line_and_column(admin_user, settings):
    settings.IMPORT_MAX_CELL_CHARS = 1_000
    data = to_xlsx([row(), row(notes="x" * 20_000)])

    report = run(data, admin_user, filename="people.xlsx")

    assert where(report) == [(3, "notes")]
    assert report.errors[0].reason == "At most 1000 characters; this value has 20000."
    assert_refused(report)


def test_huge_csv_cell_is_refused_with_its_line_and_column(admin_user, settings):
    settings.IMPORT_MAX_CELL_CHARS = 1_000
    data = to_csv([row(full_name="Kyaw " * 10_000)])

    report = run(data, admin_user)

    assert where(report) == [(2, "full_name")]
    assert_refused(report)


def test_case_number_and_site_code_have_their_fields_limits(admin_user):
    data = to_csv([row(case_number="MS-" * 10, location="X" * 60)])

    report = run(data, admin_user)

    assert where(report) == [(2, "case_number"), (2, "location")]
    assert "At most 20 characters" in report.errors[0].reason


def test_refused_value_is_quoted_at_most_eighty_characters(admin_user):
    report = run(to_csv([row(origin_region="Sagaing" * 1_000)]), admin_user)

    assert where(report) == [(2, "origin_region")]
    assert "Sagaing" in report.errors[0].reason and len(report.errors[0].reason) < 400
    assert_refused(report)


def test_huge_header_cell_is_quoted_short(admin_user):
    header = ["case_number", "z" * 100_000, *row()[2:]]
    data = to_csv([], header=header)

    report = run(data, admin_user)

    assert where(report) == [(1, "")] and quote("z" * 100_000, 40) in report.errors[0].reason
    assert_refused(report)


def test_header_with_thousands_of_unexpected_columns_names_the_first_few(admin_user):
    header = [*COLUMNS, *(f"extra{number}" for number in range(5_000))]
    report = run(to_csv([], header=header), admin_user)

    assert "extra4 and 4995 more" in report.errors[0].reason
    assert_refused(report)


def test_quote_cuts_long_values_and_replaces_control_characters():
    assert quote("a" * 200) == "a" * 79 + "…"
    assert quote("Kyaw\x00Min") == "Kyaw\ufffdMin"


# --- Control characters ----------------------------------------------------------------------


def test_nul_byte_in_a_csv_cell_is_refused_with_its_line_and_column(admin_user):
    report = run(to_csv([row(), row(full_name="Kyaw\x00Min")]), admin_user)

    assert where(report) == [(3, "full_name")]
    assert "U+0000" in report.errors[0].reason and "\x00" not in report.errors[0].reason
    assert_refused(report)


def test_nul_byte_in_notes_is_refused(admin_user):
    report = run(to_csv([row(notes="Crossed\x00 with two")]), admin_user)

    assert where(report) == [(2, "notes")]


def test_tab_in_a_name_is_refused(admin_user):
    report = run(to_csv([row(full_name="Kyaw\tMin")]), admin_user)

    assert where(report) == [(2, "full_name")] and "U+0009" in report.errors[0].reason


def test_line_breaks_and_tabs_in_notes_are_kept(admin_user):
    report = run(to_csv([row(notes="Crossed\twith two others\nat night")]), admin_user)

    assert report.saved, report.errors
    assert Person.objects.get().notes.get().text == "Crossed\twith two others\nat night"


# --- Rows, lines, time ---------------------------------------------------------------------


def test_csv_over_the_row_limit_is_refused_at_the_first_row_too_many(admin_user, settings):
    settings.IMPORT_MAX_ROWS = 3
    report = run(to_csv([row()] * 4), admin_user)

    assert where(report) == [(5, "")] and "more than 3 rows" in report.errors[0].reason
    assert_refused(report)


def test_rows_at_the_row_limit_are_imported(admin_user, settings):
    settings.IMPORT_MAX_ROWS = 3
    report = run(to_csv([row(**someone(n)) for n in range(3)]), admin_user)

    assert report.saved and Person.objects.count() == 3


def test_very_long_line_is_refused_with_its_line(admin_user, settings):
    settings.IMPORT_MAX_LINE_CHARS = 1_000
    data = to_csv([row()]) + b"," * 100_000 + b"\n"

    report = run(data, admin_user)

    assert where(report) == [(3, "")] and "longer than 1000 characters" in report.errors[0].reason
    assert_refused(report)


def test_quoted_value_spanning_lines_is_bounded_like_a_line(admin_user, settings):
    settings.IMPORT_MAX_LINE_CHARS = 1_000
    data = to_csv([row(notes="short line\n" * 500)])

    report = run(data, admin_user)

    assert where(report) == [(2, "")] and "A value on this line" in report.errors[0].reason
    assert_refused(report)


def test_checking_beyond_the_time_budget_is_refused(admin_user, settings):
    settings.IMPORT_CHECK_SECONDS = 0
    report = run(to_csv([row()] * 3), admin_user)

    assert where(report) == [(2, "")] and "took more than 0 seconds" in report.errors[0].reason
    assert_refused(report)


def test_file_over_the_size_limit_is_refused_unread(admin_user, settings):
    settings.IMPORT_MAX_FILE_BYTES = 100
    report = run(to_csv([row()]), admin_user)

    assert where(report) == [(1, "")] and "the limit is 100" in report.errors[0].reason


def test_report_keeps_the_first_errors_and_counts_the_others(admin_user, settings):
    settings.IMPORT_MAX_ERRORS = 5
    report = run(to_csv([row(sex="robot")] * 20), admin_user)

    assert [error.line for error in report.errors] == [2, 3, 4, 5, 6]
    assert report.errors_left_out == 15 and report.error_count == 20
    assert_refused(report)


# --- Through the upload page's job and the command ----------------------------------------------


@pytest.fixture
def upload(client, signed_in, case_worker_mae_sot, django_capture_on_commit_callbacks):
    """Post a file as the case worker and run its job as the worker would."""
    signed_in(case_worker_mae_sot)

    def post(data: bytes, name: str) -> ImportJob:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("people:import"), {"file": SimpleUploadedFile(name, data)}
            )
        assert response.status_code == 302
        return ImportJob.objects.get()

    return post


def test_job_of_a_zip_bomb_ends_with_the_refusal(upload, client):
    job = upload(zip_bomb(64 * 1024 * 1024), "people.xlsx")

    assert job.status == ImportJob.Status.DONE
    assert len(job.report_data) < REPORT_BYTES
    report = ImportReport.from_dict(json.loads(job.report_data))
    assert "compressed far more" in report.errors[0].reason
    page = client.get(reverse("people:import_job", args=[job.pk]))
    assert "compressed far more" in page.text and len(page.content) < 100_000
    assert Person.objects.count() == 0


def test_job_of_a_sheet_with_a_huge_cell_names_it(upload, settings):
    settings.IMPORT_MAX_CELL_CHARS = 1_000
    job = upload(to_xlsx([row(notes="x" * 20_000)]), "people.xlsx")

    report = ImportReport.from_dict(json.loads(job.report_data))
    assert job.status == ImportJob.Status.DONE and where(report) == [(2, "notes")]
    assert len(job.report_data) < REPORT_BYTES and Person.objects.count() == 0


def test_job_of_a_csv_with_a_nul_byte_names_its_line_and_column(upload):
    job = upload(to_csv([row(full_name="Kyaw\x00Min")]), "people.csv")

    report = ImportReport.from_dict(json.loads(job.report_data))
    assert job.status == ImportJob.Status.DONE and where(report) == [(2, "full_name")]
    assert Person.objects.count() == 0


def test_command_refuses_a_nul_byte_with_the_report(admin_user, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(to_csv([row(), row(full_name="Kyaw\x00Min")]))

    with pytest.raises(CommandError) as failure:
        call_command("import_people", str(path), "--user", admin_user.email)

    assert "Nothing was imported: 1 error(s) in 2 row(s)." in str(failure.value)
    assert "line 3, column full_name: The value holds a control character" in str(failure.value)
    assert Person.objects.count() == 0


def test_command_refuses_a_zip_bomb_with_the_report(admin_user, tmp_path):
    path = tmp_path / "people.xlsx"
    path.write_bytes(zip_bomb(64 * 1024 * 1024))

    with pytest.raises(CommandError, match="line 1: The workbook is compressed far more"):
        call_command("import_people", str(path), "--user", admin_user.email)


def test_command_counts_the_errors_it_does_not_list(admin_user, tmp_path, settings):
    settings.IMPORT_MAX_ERRORS = 2
    path = tmp_path / "people.csv"
    path.write_bytes(to_csv([row(sex="robot")] * 5))

    with pytest.raises(CommandError) as failure:
        call_command("import_people", str(path), "--user", admin_user.email)

    assert "Nothing was imported: 5 error(s) in 5 row(s)." in str(failure.value)
    assert "… and 3 more error(s), not listed." in str(failure.value)


def test_command_refuses_a_file_over_the_size_limit_unread(admin_user, tmp_path, settings):
    settings.IMPORT_MAX_FILE_BYTES = 100
    path = tmp_path / "people.csv"
    path.write_bytes(to_csv([row()] * 5))

    with pytest.raises(CommandError, match="larger than the limit of 100 bytes"):
        call_command("import_people", str(path), "--user", admin_user.email)
