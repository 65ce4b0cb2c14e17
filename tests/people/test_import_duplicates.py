"""Likely duplicates in an import (issue 21): listed per line, in the file and against the
people registered, before anything is saved; the importer decides per line (skip, or import
as a new person); across sites only "a possible match exists at another site"."""

import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from people.import_report import ImportReport
from people.import_rows import COLUMNS
from people.models import DuplicateSuspicion, ImportJob, Person
from portal.models import AuditEvent
from tests.people.factories import PersonFactory
from tests.people.test_import import row, run, someone, to_csv, where


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_same_person_twice_in_the_file_stops_the_import_with_both_lines(admin_user, mae_sot):
    data = to_csv([row(), row(**someone(0)), row(full_name="Kyaw  Min-Oo")])

    report = run(data, admin_user)

    assert report.ok and not report.saved
    assert [(entry.line, entry.in_file) for entry in report.duplicates] == [(2, [4]), (4, [2])]
    assert report.undecided_lines == [2, 4]
    assert not Person.objects.exists()


def test_the_dry_run_lists_the_same(admin_user, mae_sot):
    data = to_csv([row(), row()])
    report = run(data, admin_user, dry_run=True)
    assert report.undecided_lines == [2, 3] and not Person.objects.exists()


@pytest.mark.parametrize(
    ("decisions", "saved_lines"),
    [({2: "new", 3: "skip"}, 1), ({2: "new", 3: "new"}, 2), ({2: "skip", 3: "skip"}, 0)],
)
def test_decisions_skip_or_import_each_line(admin_user, mae_sot, decisions, saved_lines):
    data = to_csv([row(), row(notes="second")])

    report = run(data, admin_user, decisions=decisions, decided_for=digest(data))

    assert report.saved, (report.errors, report.undecided_lines)
    assert Person.objects.count() == report.people_created == saved_lines
    assert report.skipped == 2 - saved_lines


def test_decisions_made_for_another_file_are_refused(admin_user, mae_sot):
    data = to_csv([row(), row()])
    report = run(data, admin_user, decisions={2: "new", 3: "new"}, decided_for="0" * 64)
    assert where(report) == [(1, "")] and "another file" in report.errors[0].reason
    assert not Person.objects.exists()


def test_someone_registered_at_the_importers_site_is_shown_with_case_number_and_reasons(
    case_worker_mae_sot, mae_sot
):
    registered = PersonFactory(full_name="Kyaw Min Oo", birth_year=2003, location=mae_sot)
    data = to_csv([row(name_my=""), row(**someone(0))])

    report = run(data, case_worker_mae_sot)

    (entry,) = report.duplicates
    assert entry.line == 2 and entry.other_sites == 0 and entry.in_file == []
    (candidate,) = entry.candidates
    assert candidate["case_number"] == registered.case_number
    assert candidate["reasons"] == ["same name", "same birth year"] and not candidate["restricted"]
    assert not Person.objects.exclude(pk=registered.pk).exists()
    # Shown to the importer: audited as a list read (ids only).
    (read,) = AuditEvent.objects.filter(object_type="people.import_duplicates")
    assert read.changes["people"] == [None, [registered.pk]]


def test_someone_at_another_site_is_told_without_who_and_queued_once_saved(
    case_worker_mae_sot, mae_sot, new_delhi, django_capture_on_commit_callbacks
):
    elsewhere = PersonFactory(full_name="Kyaw Min Oo", birth_year=2003, location=new_delhi)
    data = to_csv([row(name_my="")])

    report = run(data, case_worker_mae_sot)

    (entry,) = report.duplicates
    assert entry.candidates == [] and entry.other_sites == 1
    assert elsewhere.case_number not in str(report.to_dict())

    with django_capture_on_commit_callbacks(execute=True):
        report = run(data, case_worker_mae_sot, decisions={2: "new"}, decided_for=digest(data))
    assert report.saved
    imported = Person.objects.get(location=mae_sot)
    pair = DuplicateSuspicion.objects.get()
    assert {pair.first_id, pair.second_id} == {imported.pk, elsewhere.pk}
    assert pair.status == "open"


def test_a_new_person_with_a_reference_already_held_is_refused(admin_user, mae_sot):
    PersonFactory(full_name="Someone Else", reference="PG-1")
    data = to_csv([[*row(), "PG-1"]], header=[*COLUMNS, "reference"])

    report = run(data, admin_user)
    (entry,) = report.duplicates
    assert entry.candidates[0]["reasons"][0] == "same reference"

    report = run(data, admin_user, decisions={2: "new"}, decided_for=digest(data))
    assert where(report) == [(2, "reference")] and Person.objects.count() == 1

    report = run(data, admin_user, decisions={2: "skip"}, decided_for=digest(data))
    assert report.saved and report.people_created == 0 and Person.objects.count() == 1


def test_the_report_keeps_its_duplicates_when_stored(admin_user, mae_sot):
    report = run(to_csv([row(), row()]), admin_user)
    again = ImportReport.from_dict(report.to_dict())
    assert again.duplicates == report.duplicates and again.undecided_lines == [2, 3]
    # A report stored before duplicates were checked still reads.
    old = {key: value for key, value in report.to_dict().items() if key != "duplicates"}
    assert ImportReport.from_dict(old).duplicates == []


def test_the_upload_page_offers_the_choice_and_the_same_file_imports_with_it(
    client, signed_in, case_worker_mae_sot, mae_sot, django_capture_on_commit_callbacks
):
    signed_in(case_worker_mae_sot)
    data = to_csv([row(), row()])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("people:import"), {"file": SimpleUploadedFile("p.csv", data)})
    job = ImportJob.objects.get()

    page = client.get(reverse("people:import_job", args=[job.pk])).content.decode()

    assert "Nothing was imported yet." in page
    assert 'name="decision_2"' in page and 'name="decision_3"' in page
    assert digest(data) in page
    assert not Person.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("people:import"),
            {
                "file": SimpleUploadedFile("p.csv", data),
                "decided_for": digest(data),
                "decision_2": "new",
                "decision_3": "skip",
                "decision_x": "new",  # ignored
            },
        )
    job = ImportJob.objects.latest("created_at")
    assert job.decisions == {"2": "new", "3": "skip"}
    assert job.report.saved and Person.objects.count() == 1


def test_the_command_lists_the_lines_then_takes_the_decisions(admin_user, mae_sot, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(to_csv([row(), row()]))

    with pytest.raises(CommandError) as refused:
        call_command("import_people", str(path), "--user", admin_user.email)
    assert "line 2: line 3" in str(refused.value) and "Kyaw" not in str(refused.value)

    call_command(
        "import_people", str(path), "--user", admin_user.email, "--new", "2", "--skip", "3"
    )
    assert Person.objects.count() == 1

    with pytest.raises(CommandError):
        call_command("import_people", str(path), "--user", admin_user.email, "--new", "two")


def test_all_new_imports_every_line_counted_not_listed(admin_user, mae_sot):
    PersonFactory(full_name="Kyaw Min Oo", birth_year=2003)
    data = to_csv([row(), row(), row(**someone(0))])

    report = run(data, admin_user, all_new=True, decided_for=digest(data))

    assert report.saved and report.people_created == 3
    assert report.duplicates == [] and report.decided_by_default == 2
    # Like every decision, only for the file whose report was read.
    assert not run(data, admin_user, all_new=True).ok


def test_all_new_queries_no_key_of_the_lines_decided_by_default(admin_user, mae_sot):
    PersonFactory(full_name="Kyaw Min Oo", birth_year=2003)
    data = to_csv([row(), row(), row(**someone(0))])

    with CaptureQueriesContext(connection) as queries:
        report = run(data, admin_user, all_new=True, decided_for=digest(data))

    assert report.saved and report.decided_by_default == 2
    key_lookups = [
        query for query in queries if re.search(r'"(match|match_my|name_my)_key" IN', query["sql"])
    ]
    assert key_lookups == []


def test_a_line_decided_among_lines_decided_by_default_is_listed_with_its_namesake(
    admin_user, mae_sot
):
    data = to_csv([row(), row(), row(**someone(0))])

    report = run(data, admin_user, decisions={2: "new"}, all_new=True, decided_for=digest(data))

    assert report.saved and report.people_created == 3
    listed = [(entry.line, entry.in_file, entry.decision) for entry in report.duplicates]
    assert listed == [(2, [3], "new")] and report.decided_by_default == 1


def test_spelling_variants_of_one_person_in_the_file_are_found(admin_user, mae_sot):
    # An honorific, a doubled letter and "U" for "Oo": one person written twice (issue 21).
    data = to_csv([row(name_my=""), row(full_name="U Kyaw Minn U", name_my="", birth_year="2004")])

    report = run(data, admin_user)

    assert [(entry.line, entry.in_file) for entry in report.duplicates] == [(2, [3]), (3, [2])]
    assert not Person.objects.exists()


def test_a_spelling_variant_of_someone_registered_is_found(case_worker_mae_sot, mae_sot):
    registered = PersonFactory(full_name="Min Aung Htet", birth_year=1998, location=mae_sot)
    data = to_csv([row(full_name="Mg Min Aung Thett", name_my="", birth_year="1999")])

    report = run(data, case_worker_mae_sot)

    (entry,) = report.duplicates
    (candidate,) = entry.candidates
    assert candidate["case_number"] == registered.case_number
    assert any("Thet" in reason for reason in candidate["reasons"]), candidate["reasons"]
    assert not Person.objects.exclude(pk=registered.pk).exists()
