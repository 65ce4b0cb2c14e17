"""People import: the file format, every kind of bad row, all-or-nothing, the command and
the upload page."""

import csv
import hashlib
import io
import re
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from myanmar.converter import convert

from people import importing
from people.import_rows import COLUMNS
from people.importing import import_people
from people.models import CaseNote, CaseNumberSequence, Exit, ImportJob, Person
from people.services import create_person
from portal.models import AuditEvent, Location

# The content of ../shared/samples/intake_sample.csv, copied so the tests stay in the repo.
SAMPLE_CSV = """\
case_number,full_name,preferred_name,name_my,sex,birth_year,exit_type,affiliation,exit_date,recruit_status,rank,origin_region,location,notes
,Kyaw Min Oo,Kyaw,ကျော်မင်းဦး,male,2003,defected,soldier,2025-08-14,new_recruit,Private,Magway,MAE-SOT,Crossed with two others
,Thet Naing,Thet,သက်နိုင်,male,1998,pow,soldier,2025-07-02,veteran,Corporal,Sagaing,MAE-SOT,
,Hla Hla Win,Hla Hla,လှလှဝင်း,female,1995,defected,police,2025-06-21,veteran,,Yangon,NEW-DELHI,Arrived via Mizoram
,Zaw Lin Htet,Zaw,ဇော်လင်းထက်,male,2005,surrendered,soldier,2025-12-03,new_recruit,Private,Bago,MAE-SARIANG,
,Sai Hom,Sai,စိုင်းဟုမ်,male,1990,pow,militia,2025-03-30,unknown,,Shan,MAE-SOT,
"""  # noqa: E501

GOOD = {
    "case_number": "",
    "full_name": "Kyaw Min Oo",
    "preferred_name": "Kyaw",
    "name_my": "ကျော်မင်းဦး",
    "sex": "male",
    "birth_year": "2003",
    "exit_type": "defected",
    "affiliation": "soldier",
    "exit_date": "2025-08-14",
    "recruit_status": "new_recruit",
    "rank": "Private",
    "origin_region": "Magway",
    "location": "MAE-SOT",
    "notes": "",
}
NO_EXIT = {"exit_type": "", "affiliation": "", "exit_date": "", "recruit_status": "", "rank": ""}
NAMES = (
    "Thet Naing", "Hla Hla Win", "Zaw Lin Htet", "Sai Hom", "Nang Seng", "Ye Yint", "Bo Bo",
    "Pyae Sone", "Chit Ko", "Nilar Aye", "Saw Eh Doh", "Lal Thang",
)  # fmt: skip


def someone(n: int) -> dict[str, str]:
    """A person other than GOOD's and than someone(m): born three years apart, so that no
    two rows are likely duplicates of each other (`people.import_duplicates`)."""
    return {"full_name": NAMES[n % len(NAMES)], "name_my": "", "birth_year": str(1950 + 3 * n)}


def row(**overrides) -> list[str]:
    values = {**GOOD, **overrides}
    return [values[column] for column in COLUMNS]


def to_csv(rows, header=COLUMNS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def to_xlsx(rows, header=COLUMNS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for values in rows:
        sheet.append(list(values))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(data: bytes, user, filename="people.csv", **options) -> importing.ImportReport:
    return import_people(data, filename=filename, user=user, **options)


def all_new(data: bytes, lines: int) -> dict:
    """Options deciding that each of the file's first `lines` rows is a new person."""
    return {
        "decisions": {line: "new" for line in range(2, lines + 2)},
        "decided_for": hashlib.sha256(data).hexdigest(),
    }


def where(report) -> list[tuple[int, str]]:
    return [(error.line, error.column) for error in report.errors]


def people_audit_rows():
    return AuditEvent.objects.filter(object_type__startswith="people.")


# --- Good files ----------------------------------------------------------------------------


def test_sample_file_imports_everything(admin_user, mae_sot):
    report = run(SAMPLE_CSV.encode(), admin_user)

    assert report.ok, report.errors
    assert (report.rows_read, report.people_created, report.exits_created) == (5, 5, 5)
    assert (report.notes_created, report.zawgyi_conversions, report.dry_run) == (2, 0, False)
    assert Person.objects.count() == 5 and Exit.objects.count() == 5
    kyaw = Person.objects.get(full_name="Kyaw Min Oo")
    assert kyaw.location == mae_sot and kyaw.created_by == admin_user
    assert (kyaw.sex, kyaw.birth_year, kyaw.origin_region) == ("male", 2003, "magway")
    assert kyaw.name_key == "kyaw min oo" and kyaw.name_my_key == "ကျော်မင်းဦး"
    exit = kyaw.exits.get()
    assert (exit.exit_type, exit.affiliation, exit.exit_date) == (
        "defected",
        "soldier",
        date(2025, 8, 14),
    )
    assert (exit.recruit_status, exit.rank) == ("new_recruit", "Private")
    assert Person.objects.get(full_name="Sai Hom").origin_region == "shan"
    assert Person.objects.get(full_name="Thet Naing").exits.get().exit_type == "pow"


def test_case_numbers_are_generated_per_site(admin_user):
    run(SAMPLE_CSV.encode(), admin_user)

    year = timezone.localdate().year % 100
    numbers = dict(Person.objects.values_list("full_name", "case_number"))
    assert numbers["Kyaw Min Oo"] == f"MS-{year:02d}-00001"
    assert numbers["Thet Naing"] == f"MS-{year:02d}-00002"
    assert numbers["Sai Hom"] == f"MS-{year:02d}-00003"
    assert numbers["Hla Hla Win"] == f"ND-{year:02d}-00001"
    assert numbers["Zaw Lin Htet"] == f"MSR-{year:02d}-00001"


def test_given_case_numbers_are_kept_and_later_numbers_skip_them(admin_user, mae_sot):
    year = timezone.localdate().year % 100
    given = f"MS-{year:02d}-00007"
    report = run(to_csv([row(case_number=given.lower()), row(**someone(0))]), admin_user)

    assert report.ok, report.errors
    numbers = set(Person.objects.values_list("case_number", flat=True))
    assert numbers == {given, f"MS-{year:02d}-00008"}
    later = create_person(by=admin_user, person_data={"full_name": "Later", "location": mae_sot})
    assert later.obj.case_number == f"MS-{year:02d}-00009"


def test_notes_become_case_notes_by_the_importing_user(case_worker_mae_sot):
    report = run(to_csv([row(notes="Crossed at night"), row(**someone(0))]), case_worker_mae_sot)

    assert report.ok and report.notes_created == 1
    note = CaseNote.objects.get()
    assert note.author == case_worker_mae_sot and note.text == "Crossed at night"


def test_a_row_without_exit_fields_creates_just_the_person(admin_user):
    report = run(to_csv([row(**NO_EXIT)]), admin_user)

    assert report.ok and (report.people_created, report.exits_created) == (1, 0)
    assert Person.objects.count() == 1 and Exit.objects.count() == 0


def test_byte_order_mark_is_accepted(admin_user):
    report = run("\ufeff".encode() + SAMPLE_CSV.encode(), admin_user)

    assert report.ok, report.errors
    assert Person.objects.count() == 5


def test_windows_line_endings_and_blank_lines_are_accepted(admin_user):
    data = SAMPLE_CSV.replace("\n", "\r\n").encode() + b"\r\n,,,,,,,,,,,,,\r\n"

    report = run(data, admin_user)

    assert report.ok, report.errors
    assert report.rows_read == 5


def test_xlsx_with_typed_cells(admin_user):
    rows = [
        row(birth_year=2003, exit_date=date(2025, 8, 14)),
        row(full_name="Thet Naing", name_my="", birth_year=1998.0, exit_date=datetime(2025, 7, 2)),
        [None] * len(COLUMNS),  # an empty row in the sheet
        row(full_name="Sai Hom", name_my="", birth_year=1990, **NO_EXIT),
    ]

    report = run(to_xlsx(rows), admin_user, filename="people.xlsx")

    assert report.ok, report.errors
    assert (report.rows_read, report.people_created, report.exits_created) == (3, 3, 2)
    thet = Person.objects.get(full_name="Thet Naing")
    assert thet.birth_year == 1998 and thet.exits.get().exit_date == date(2025, 7, 2)


def test_xlsx_errors_give_the_spreadsheet_row(admin_user):
    data = to_xlsx([row(), row(), row(sex="robot")])

    report = run(data, admin_user, filename="people.xlsx")

    assert where(report) == [(4, "sex")]


def test_columns_may_come_in_any_order(admin_user):
    header = list(reversed(COLUMNS))
    report = run(to_csv([list(reversed(row()))], header=header), admin_user)

    assert report.ok, report.errors
    assert Person.objects.get().full_name == "Kyaw Min Oo"


@pytest.mark.parametrize(
    ("column", "text", "stored"),
    [
        ("sex", "F", "female"),
        ("sex", "Male", "male"),
        ("exit_type", "POW", "pow"),
        ("exit_type", "Prisoner of war", "pow"),
        ("affiliation", "POLICE", "police"),
        ("recruit_status", "new recruit", "new_recruit"),
        ("origin_region", "Magway Region", "magway"),
        ("origin_region", "Kayin State", "kayin"),
        ("origin_region", "kayin", "kayin"),
        ("origin_region", "Naypyidaw Union Territory", "naypyidaw"),
    ],
)
def test_enumerations_are_forgiving(admin_user, column, text, stored):
    report = run(to_csv([row(**{column: text})]), admin_user)

    assert report.ok, report.errors
    person = Person.objects.get()
    holder = person if hasattr(person, column) else person.exits.get()
    assert getattr(holder, column) == stored


def test_site_codes_are_case_insensitive(case_worker_mae_sot, mae_sot):
    report = run(to_csv([row(location="mae-sot")]), case_worker_mae_sot)

    assert report.ok, report.errors
    assert Person.objects.get().location == mae_sot


def test_zawgyi_names_are_converted_to_unicode(admin_user):
    zawgyi = convert("ကျော်မင်းဦး", "unicode", "zawgyi")
    report = run(to_csv([row(name_my=zawgyi, preferred_name=zawgyi)]), admin_user)

    assert report.ok and report.zawgyi_conversions == 2
    person = Person.objects.get()
    assert person.name_my == person.preferred_name == "ကျော်မင်းဦး"
    assert person.name_my_key == "ကျော်မင်းဦး"


# --- Audit and dry run ---------------------------------------------------------------------


def test_exactly_one_import_audit_row_without_names(admin_user):
    data = SAMPLE_CSV.encode()

    run(data, admin_user)

    event = people_audit_rows().get()
    assert event.action == AuditEvent.Action.IMPORT and event.actor == admin_user
    assert event.object_type == "people.person"
    assert event.changes == {"rows": [None, 5], "file": [None, hashlib.sha256(data).hexdigest()]}
    assert "Kyaw" not in str(event.changes)


def test_audit_row_names_the_site_when_there_is_only_one(case_worker_mae_sot, mae_sot):
    run(to_csv([row(), row(**someone(0))]), case_worker_mae_sot)

    assert people_audit_rows().get().site == mae_sot


def test_dry_run_changes_nothing(admin_user):
    report = run(SAMPLE_CSV.encode(), admin_user, dry_run=True)

    assert report.ok and report.dry_run
    assert (report.rows_read, report.people_created, report.notes_created) == (5, 5, 2)
    assert Person.objects.count() == 0 and CaseNote.objects.count() == 0
    assert CaseNumberSequence.objects.count() == 0
    assert not people_audit_rows().exists()


# --- Bad rows ------------------------------------------------------------------------------

# Read when the tests are collected, on the real clock: a month ahead is still ahead on the
# clock a test may run on (tests/conftest.py moves it past the sites' midnights).
FUTURE = (timezone.localdate() + timedelta(days=30)).isoformat()
TOO_YOUNG = str(timezone.localdate().year - 9)


@pytest.mark.parametrize(
    ("column", "text", "reason"),
    [
        ("sex", "robot", "is not one of: female, male, other, unknown"),
        ("exit_type", "deserted", "is not one of"),
        ("affiliation", "navy", "is not one of"),
        ("recruit_status", "old", "is not one of"),
        ("origin_region", "Atlantis", "is not one of"),
        ("exit_date", "14/08/2025", "YYYY-MM-DD"),
        ("exit_date", "2025-02-30", "YYYY-MM-DD"),
        ("exit_date", FUTURE, "in the future"),
        ("exit_date", "1987-12-31", "before 1988-01-01"),
        ("birth_year", "nineteen", "is not a birth year"),
        ("birth_year", "1920", "is not a birth year between 1930"),
        ("birth_year", TOO_YOUNG, "is not a birth year"),
        ("full_name", "", "A full name is required"),
        ("full_name", "x" * 151, "At most 150 characters"),
        ("rank", "x" * 61, "At most 60 characters"),
        ("location", "", "A site code is required"),
        ("location", "ATLANTIS", "There is no site with the code 'ATLANTIS'"),
        ("case_number", "MS-1", "is not a case number"),
        ("case_number", "MAESOT-25-00001", "is not a case number"),
        ("exit_type", "", "Required when affiliation, exit_date is given"),
        ("affiliation", "", "Required when exit_type, exit_date is given"),
        ("exit_date", "", "Required when exit_type, affiliation is given"),
    ],
)
def test_bad_value_is_reported_with_line_and_column(admin_user, column, text, reason):
    data = to_csv([row(), row(), row(**{column: text}), row()])

    report = run(data, admin_user)

    assert where(report) == [(4, column)]
    assert reason in report.errors[0].reason
    assert Person.objects.count() == 0


def test_exit_details_without_an_exit_are_refused(admin_user):
    report = run(to_csv([row(**{**NO_EXIT, "rank": "Private"})]), admin_user)

    assert where(report) == [(2, "rank")]


def test_site_outside_the_case_workers_sites_is_refused(case_worker_mae_sot):
    report = run(to_csv([row(), row(location="NEW-DELHI")]), case_worker_mae_sot)

    assert where(report) == [(3, "location")]
    assert "not one of your sites" in report.errors[0].reason


def test_closed_site_is_refused(admin_user, new_delhi):
    Location.objects.filter(pk=new_delhi.pk).update(active=False)

    report = run(to_csv([row(location="NEW-DELHI")]), admin_user)

    assert where(report) == [(2, "location")]
    assert "closed" in report.errors[0].reason


def test_case_number_repeated_in_the_file_is_refused(admin_user):
    data = to_csv([row(case_number="MS-25-00001"), row(), row(case_number="ms-25-00001")])

    report = run(data, admin_user)

    assert where(report) == [(4, "case_number")]
    assert "also on line 2" in report.errors[0].reason


def test_reimporting_existing_case_numbers_is_refused(admin_user, mae_sot):
    Person.objects.create(case_number="MS-25-00001", full_name="Existing", location=mae_sot)

    report = run(to_csv([row(), row(case_number="MS-25-00001")]), admin_user)

    assert where(report) == [(3, "case_number")]
    assert "already exists" in report.errors[0].reason
    assert Person.objects.count() == 1


def test_the_same_file_cannot_be_imported_twice(admin_user):
    data = to_csv([row(case_number="MS-25-00001"), row(case_number="MS-25-00002", **someone(0))])
    assert run(data, admin_user).ok

    report = run(data, admin_user)

    assert where(report) == [(2, "case_number"), (3, "case_number")]
    assert Person.objects.count() == 2


def test_every_error_of_every_row_is_listed_in_line_order(admin_user, mae_sot):
    Person.objects.create(case_number="MS-25-00009", full_name="Existing", location=mae_sot)
    data = to_csv(
        [
            row(case_number="MS-25-00009"),
            row(),
            row(sex="robot", birth_year="1800", location="ATLANTIS"),
            row(full_name=""),
        ]
    )

    report = run(data, admin_user)

    assert where(report) == [
        (2, "case_number"),
        (4, "sex"),
        (4, "birth_year"),
        (4, "location"),
        (5, "full_name"),
    ]
    assert str(report.errors[1]).startswith("line 4, column sex: ")


def test_one_bad_row_among_good_ones_imports_nothing(admin_user):
    data = SAMPLE_CSV.encode() + to_csv([row(exit_date="1980-01-01")]).split(b"\n", 1)[1]

    report = run(data, admin_user)

    assert where(report) == [(7, "exit_date")]
    assert (report.people_created, report.exits_created, report.notes_created) == (0, 0, 0)
    assert Person.objects.count() == Exit.objects.count() == CaseNote.objects.count() == 0
    assert CaseNumberSequence.objects.count() == 0
    assert not people_audit_rows().exists()


def test_line_numbers_count_the_lines_of_multi_line_values(admin_user):
    data = to_csv([row(notes="first line\nsecond line"), row(sex="robot")])

    report = run(data, admin_user)

    assert where(report) == [(4, "sex")]


def test_row_with_the_wrong_number_of_values(admin_user):
    data = to_csv([row()]) + b"only,three,values\n"

    report = run(data, admin_user)

    assert where(report) == [(3, "")]
    assert "3 values; the header has 14" in report.errors[0].reason


# --- Bad files -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        (COLUMNS[:-1], "missing: notes"),
        ((*COLUMNS, "phone"), "unexpected: phone"),
        (("case_no", *COLUMNS[1:]), "missing: case_number; unexpected: case_no"),
        ((*COLUMNS, "notes"), "repeated: notes"),
    ],
)
def test_wrong_header_is_one_error_on_line_1(admin_user, header, problem):
    data = to_csv([row()[: len(header)]], header=header)

    report = run(data, admin_user)

    assert where(report) == [(1, "")]
    assert problem in report.errors[0].reason
    assert "case_number,full_name," in report.errors[0].reason


def test_semicolon_separated_file_gets_a_hint(admin_user):
    report = run(";".join(COLUMNS).encode() + b"\n", admin_user)

    assert where(report) == [(1, "")]
    assert "commas, not semicolons" in report.errors[0].reason


@pytest.mark.parametrize(
    ("data", "filename", "reason"),
    [
        (b"", "people.csv", "The file is empty."),
        (b"\xef\xbb\xbf\n", "people.csv", "it is empty"),
        (",".join(COLUMNS).encode() + b"\n", "people.csv", "no rows"),
        (b"PK\x03\x04 not really a zip", "people.xlsx", "could not be read as an Excel"),
        (b"plain text", "people.xlsx", "could not be read as an Excel"),
        (b"\xd0\xcf\x11\xe0", "people.xls", "Old Excel files (.xls)"),
    ],
)
def test_unusable_file_is_one_clear_error(admin_user, data, filename, reason):
    report = run(data, admin_user, filename=filename)

    assert where(report) == [(1, "")]
    assert reason in report.errors[0].reason


def test_blank_workbook_is_one_clear_error(admin_user):
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)

    report = run(buffer.getvalue(), admin_user, filename="people.xlsx")

    assert where(report) == [(1, "")] and "empty" in report.errors[0].reason


def test_overlong_csv_line_is_one_clear_error(admin_user):
    data = to_csv([row(), row(notes="x" * 200_000)])

    report = run(data, admin_user)

    assert where(report) == [(3, "")] and "longer than" in report.errors[0].reason


def test_case_number_taken_during_the_import_imports_nothing(admin_user, mae_sot, monkeypatch):
    # Another user saves the same case number between the checks and the inserts.
    monkeypatch.setattr(importing, "_taken_case_numbers", lambda given: [])
    Person.objects.create(case_number="MS-25-00001", full_name="Existing", location=mae_sot)

    report = run(
        to_csv([row(notes="A note"), row(case_number="MS-25-00001", **someone(0))]), admin_user
    )

    assert where(report) == [(1, "case_number")] and report.people_created == 0
    assert Person.objects.count() == 1 and CaseNote.objects.count() == 0
    assert not people_audit_rows().exists()


def test_non_utf8_csv_is_refused_with_its_line(admin_user):
    data = to_csv([row(), row(full_name="José")]).replace("é".encode(), "é".encode("cp1252"))

    report = run(data, admin_user)

    assert len(report.errors) == 1 and report.errors[0].line == 3
    assert "not UTF-8" in report.errors[0].reason


def test_trainers_and_analysts_cannot_import(trainer, analyst):
    for user in (trainer, analyst):
        with pytest.raises(PermissionDenied):
            run(SAMPLE_CSV.encode(), user)


# --- Progress ------------------------------------------------------------------------------


def progress_calls(data: bytes, user, monkeypatch, filename="people.csv", **options):
    monkeypatch.setattr(importing, "PROGRESS_EVERY", 2)
    calls = []

    def progress(rows_done, rows_total, *, saving=False):
        calls.append((rows_done, rows_total, saving))

    run(data, user, filename=filename, progress=progress, **options)
    return calls


def test_progress_counts_rows_checked_of_the_total_then_saving(admin_user, monkeypatch):
    # Blank lines and a value over two lines do not count as rows.
    people = [row(), row(notes="two\nlines", **someone(0))] + [row(**someone(n)) for n in (1, 2, 3)]
    data = to_csv(people) + b",,,,,,,,,,,,,\n"

    calls = progress_calls(data, admin_user, monkeypatch)

    assert calls == [(2, 5, False), (4, 5, False), (5, 5, False), (5, 5, True)]


def test_progress_of_a_dry_run_or_a_file_with_errors_ends_without_saving(admin_user, monkeypatch):
    assert progress_calls(to_csv([row()] * 3), admin_user, monkeypatch, dry_run=True) == [
        (2, 3, False),
        (3, 3, False),
    ]
    calls = progress_calls(to_csv([row(), row(sex="robot"), row()]), admin_user, monkeypatch)
    assert calls == [(2, 3, False), (3, 3, False)]


def test_progress_of_a_workbook_takes_the_total_from_the_sheet(admin_user, monkeypatch):
    data = to_xlsx([row(**someone(n)) for n in range(4)])
    calls = progress_calls(data, admin_user, monkeypatch, filename="p.xlsx")

    assert calls == [(2, 4, False), (4, 4, False), (4, 4, False), (4, 4, True)]


def test_report_keeps_its_first_errors_when_stored(admin_user):
    report = run(to_csv([row(sex="robot")] * 5), admin_user)

    stored = importing.ImportReport.from_dict(report.to_dict(max_errors=3))

    assert where(stored) == [(2, "sex"), (3, "sex"), (4, "sex")]
    assert (stored.error_count, stored.errors_left_out, stored.ok) == (5, 2, False)
    assert importing.ImportReport.from_dict(report.to_dict()) == report


# --- Scale ---------------------------------------------------------------------------------


def test_no_per_row_queries(admin_user, django_assert_max_num_queries):
    sites = ["MAE-SOT", "NEW-DELHI", "MAE-SARIANG"]
    rows = [
        row(location=sites[n % 3], notes=f"note {n}", case_number=f"MS-24-{n:05d}" if n % 2 else "")
        for n in range(200)
    ]
    data = to_csv(rows)
    # The same person 200 times: every line a likely duplicate of the others, imported as
    # new by decision (the lines are found without a query per row either).
    decided = all_new(data, lines=200)

    # About 25 queries whatever the size, plus the bulk inserts, which SQLite splits into
    # batches of a few dozen rows (its limit on query parameters): far fewer than 200. The
    # likely duplicates among the people registered: one query per key field (canonical syllables
    # of the Latin and of the Burmese name, Burmese name as written) and batch of 900 keys.
    with django_assert_max_num_queries(48):
        report = run(data, admin_user, **decided)

    assert report.ok, report.errors[:3]
    assert Person.objects.count() == 200 and CaseNote.objects.count() == 200


# --- Command -------------------------------------------------------------------------------


@pytest.fixture
def sample_file(tmp_path):
    path = tmp_path / "intake.csv"
    path.write_text(SAMPLE_CSV, encoding="utf-8")
    return path


def test_command_imports_the_file(admin_user, sample_file, capsys):
    call_command("import_people", str(sample_file), "--user", "ADMIN@example.org")

    out = capsys.readouterr().out
    assert "5 row(s) checked" in out and "Imported 5 people, 5 exit(s) and 2 case note(s)" in out
    assert Person.objects.count() == 5


def test_command_dry_run_saves_nothing(admin_user, sample_file, capsys):
    call_command("import_people", str(sample_file), "--user", admin_user.email, "--dry-run")

    assert "Dry run: nothing was saved" in capsys.readouterr().out
    assert Person.objects.count() == 0


def test_command_lists_every_error_and_fails(admin_user, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(to_csv([row(sex="robot"), row(), row(exit_date="2025-13-01")]))

    with pytest.raises(CommandError) as failure:
        call_command("import_people", str(path), "--user", admin_user.email)

    message = str(failure.value)
    assert "Nothing was imported: 2 error(s) in 3 row(s)." in message
    assert "line 2, column sex: 'robot' is not one of" in message
    assert "line 4, column exit_date:" in message
    assert Person.objects.count() == 0


def test_command_reports_progress_on_stderr(admin_user, tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "PROGRESS_EVERY", 2)
    path = tmp_path / "people.csv"
    path.write_bytes(to_csv([row(**someone(n)) for n in range(5)]))
    err = io.StringIO()

    call_command("import_people", str(path), "--user", admin_user.email, stderr=err)

    assert "2 of 5 rows checked" in err.getvalue() and "4 of 5 rows checked" in err.getvalue()
    assert "Saving 5 people" in err.getvalue()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--user", "nobody@example.org"], "No active user"),
        (["--user", "analyst@example.org"], "Only admins and case workers"),
    ],
)
def test_command_refusals(analyst, sample_file, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_people", str(sample_file), *arguments)


def test_command_missing_file(admin_user, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_people", str(tmp_path / "nope.csv"), "--user", admin_user.email)


# --- Upload page ---------------------------------------------------------------------------
# The upload queues a job and redirects to its page (tests/people/test_import_jobs.py tests
# the job itself). Here the task runs when the request's transaction commits, in-process as
# Celery is eager in the tests, so the job page that follows shows the report.


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("user_fixture", "status"),
    [("admin_user", 200), ("case_worker_mae_sot", 200), ("trainer", 403), ("analyst", 403)],
)
def test_upload_page_access(request, client, signed_in, user_fixture, status):
    signed_in(request.getfixturevalue(user_fixture))

    response = client.get(reverse("people:import"))

    assert response.status_code == status
    if status == 200:
        assert b'enctype="multipart/form-data"' in response.content
        assert "File format" in response.text and ",".join(COLUMNS) in response.text


@pytest.fixture
def upload(client, django_capture_on_commit_callbacks):
    """Post a file to the upload page, let the task run as the request commits, and follow
    the redirect to the job page."""

    def post(data: bytes, name="people.csv", dry_run=False):
        fields = {"file": SimpleUploadedFile(name, data)}
        if dry_run:
            fields["dry_run"] = "on"
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("people:import"), fields)
        if response.status_code != 302:
            return response
        job = ImportJob.objects.get()
        assert response["Location"] == reverse("people:import_job", args=[job.pk])
        return client.get(response["Location"])

    return post


def test_upload_imports_the_file(signed_in, upload, case_worker_mae_sot):
    signed_in(case_worker_mae_sot)

    response = upload(to_csv([row(notes="A note"), row(**someone(0))]))

    assert response.status_code == 200
    assert "The file was imported." in response.text
    assert "2 rows read: 2 people, 2 exits and 1 case notes created." in response.text
    assert Person.objects.count() == 2 and CaseNote.objects.count() == 1
    assert people_audit_rows().get().path == reverse("people:import")


def test_upload_redirects_to_a_job_page_without_the_file_name(
    client, signed_in, case_worker_mae_sot, django_capture_on_commit_callbacks
):
    signed_in(case_worker_mae_sot)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("people:import"), {"file": SimpleUploadedFile("kyaw-min-oo.csv", b"x")}
        )

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("people:import_job", args=[job.pk])
    assert (job.requested_by, job.file_name, job.dry_run) == (
        case_worker_mae_sot,
        "kyaw-min-oo.csv",
        False,
    )
    assert "kyaw" not in response["Location"]
    page = client.get(response["Location"])
    assert "kyaw-min-oo.csv" in page.text and "Import another file" in page.text


def test_upload_dry_run(signed_in, upload, admin_user):
    signed_in(admin_user)

    response = upload(SAMPLE_CSV.encode(), dry_run=True)

    assert "Nothing was saved (dry run)" in response.text
    assert "5 rows checked. Importing it would create 5 people" in response.text
    assert Person.objects.count() == 0 and not people_audit_rows().exists()
    assert ImportJob.objects.get().dry_run


def test_upload_with_errors_lists_them_and_imports_nothing(signed_in, upload, case_worker_mae_sot):
    signed_in(case_worker_mae_sot)

    response = upload(SAMPLE_CSV.encode())

    assert "Nothing was imported." in response.text
    assert "The file has 2 errors" in response.text
    assert "<td>4</td><td><code>location</code></td>" in response.text
    assert "<td>5</td><td><code>location</code></td>" in response.text
    assert "not one of your sites" in response.text
    assert Person.objects.count() == 0 and not people_audit_rows().exists()


def test_upload_of_a_bad_header_shows_the_error_on_line_1(signed_in, upload, admin_user):
    signed_in(admin_user)

    response = upload(to_csv([row()[:-1]], header=COLUMNS[:-1]))

    assert "<td>1</td><td>—</td>" in response.text and "missing: notes" in response.text


def test_upload_of_xlsx(signed_in, upload, admin_user):
    signed_in(admin_user)

    response = upload(to_xlsx([row()]), name="people.xlsx")

    assert "The file was imported." in response.text
    assert Person.objects.count() == 1


def test_upload_refuses_other_file_types_and_big_files(signed_in, upload, admin_user, settings):
    signed_in(admin_user)
    refused = upload(b"x", name="people.pdf", dry_run=True)
    assert "Choose a .csv or .xlsx file." in refused.text
    assert re.search(r'<input[^>]+name="dry_run"[^>]+checked', refused.text)  # data kept
    settings.IMPORT_MAX_FILE_BYTES = 10
    assert "the limit is 10\xa0bytes" in upload(SAMPLE_CSV.encode()).text
    assert Person.objects.count() == 0 and not ImportJob.objects.exists()


def test_upload_checks_the_csrf_token(case_worker_mae_sot):
    client = Client(enforce_csrf_checks=True)
    client.force_login(case_worker_mae_sot, backend="django.contrib.auth.backends.ModelBackend")

    response = client.post(reverse("people:import"), {"file": SimpleUploadedFile("p.csv", b"x")})

    assert response.status_code == 403 and not ImportJob.objects.exists()


def test_large_upload_is_never_written_to_a_plain_temporary_file(
    signed_in, upload, admin_user, settings, monkeypatch
):
    def refuse(*args, **kwargs):
        raise AssertionError("the upload was spooled to a temporary file")

    # Django keeps uploads up to this size in memory and writes bigger ones to a file.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100
    monkeypatch.setattr(TemporaryFileUploadHandler, "new_file", refuse)
    signed_in(admin_user)

    response = upload(SAMPLE_CSV.encode())

    assert len(SAMPLE_CSV.encode()) > 100
    assert "The file was imported." in response.text


def test_upload_page_marks_column_names_as_english_code(client, signed_in, case_worker_mae_sot):
    """Column names are typed in English whatever the language: marked so on the page (screen
    readers, browser translation), also inside translated sentences."""

    signed_in(case_worker_mae_sot)
    with translation.override("my"):
        page = client.get(reverse("people:import"), HTTP_ACCEPT_LANGUAGE="my").content.decode()
    for name in ("full_name", "location", "case_number", "exit_type", "notes"):
        assert f'<code lang="en" translate="no">{name}</code>' in page
    assert '<code class="text-break" lang="en" translate="no">case_number,full_name' in page
