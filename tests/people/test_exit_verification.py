"""How each exit is known (self-reported, documented, verified by a partner or by documents):
the exit form, the person page, the import's optional column and the export (the API field: tests/api/test_case_parts.py)."""

import csv
import io

import pytest
from django.urls import reverse

from people.exporting import people_table
from people.import_rows import COLUMNS
from people.importing import import_people
from people.models import Exit, Person
from tests.people.factories import ExitFactory

EXIT_POST = {
    "exit_type": "defected",
    "affiliation": "soldier",
    "exit_date": "2025-08-14",
    "recruit_status": "new_recruit",
    "forcibly_conscripted": "yes",
}


def test_existing_and_new_exits_are_documented_by_the_organisation(db):
    assert ExitFactory().verification == "documented"


def test_exit_form_saves_how_the_exit_is_known(
    client, signed_in, case_worker_mae_sot, person_mae_sot
):
    signed_in(case_worker_mae_sot)
    url = reverse("people:exit_add", args=[person_mae_sot.pk])
    response = client.post(url, {**EXIT_POST, "verification": "partner_verified"})
    assert response.status_code == 302
    assert person_mae_sot.exits.get().verification == "partner_verified"
    page = client.get(reverse("people:detail", args=[person_mae_sot.pk]))
    assert "Verified by a partner" in page.content.decode()


def test_exit_form_left_without_verification_means_documented(
    client, signed_in, case_worker_mae_sot, person_mae_sot
):
    signed_in(case_worker_mae_sot)
    client.post(reverse("people:exit_add", args=[person_mae_sot.pk]), EXIT_POST)
    assert person_mae_sot.exits.get().verification == "documented"


def test_exit_form_refuses_an_unknown_verification(
    client, signed_in, case_worker_mae_sot, person_mae_sot
):
    signed_in(case_worker_mae_sot)
    url = reverse("people:exit_add", args=[person_mae_sot.pk])
    response = client.post(url, {**EXIT_POST, "verification": "rumour"})
    assert response.status_code == 200
    assert "verification" in response.context["form"].errors
    assert not person_mae_sot.exits.exists()


# --- Import ------------------------------------------------------------------------------------


def csv_file(header, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def person_row(name: str, **values) -> dict:
    return {
        "case_number": "", "full_name": name, "preferred_name": "", "name_my": "",
        "sex": "male", "birth_year": "1998", "exit_type": "defected", "affiliation": "soldier",
        "exit_date": "2025-08-14", "recruit_status": "", "rank": "", "origin_region": "",
        "location": "MAE-SOT", "notes": "", **values,
    }  # fmt: skip


def test_import_reads_the_optional_verification_column(admin_user, mae_sot):
    header = [*COLUMNS, "verification"]
    rows = [
        person_row("Aung Ko", verification="self-reported"),
        person_row("Min Thu", verification="Verified by documents"),
        person_row("Zaw Oo", verification="partner"),
        person_row("Hla Win", verification=""),
    ]
    report = import_people(
        csv_file(header, [[row[c] for c in header] for row in rows]),
        filename="people.csv",
        user=admin_user,
    )
    assert report.ok, report.errors
    known = dict(Exit.objects.values_list("person__full_name", "verification"))
    assert known == {
        "Aung Ko": "self_reported",
        "Min Thu": "documents_verified",
        "Zaw Oo": "partner_verified",
        "Hla Win": "documented",
    }


def test_import_without_the_column_records_documented_exits(admin_user, mae_sot):
    rows = [person_row("Aung Ko")]
    report = import_people(
        csv_file(COLUMNS, [[row[c] for c in COLUMNS] for row in rows]),
        filename="people.csv",
        user=admin_user,
    )
    assert report.ok, report.errors
    assert Exit.objects.get().verification == "documented"


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"verification": "rumour"}, "is not one of"),
        (
            {"verification": "documented", "exit_type": "", "affiliation": "", "exit_date": ""},
            "Only recorded with an exit",
        ),
    ],
)
def test_import_refuses_a_bad_verification_with_line_and_column(
    admin_user, mae_sot, values, reason
):
    header = [*COLUMNS, "verification"]
    rows = [person_row("Aung Ko", verification=""), person_row("Min Thu", **values)]
    report = import_people(
        csv_file(header, [[row[c] for c in header] for row in rows]),
        filename="people.csv",
        user=admin_user,
    )
    assert not report.ok
    assert [(error.line, error.column) for error in report.errors] == [(3, "verification")]
    assert reason in report.errors[0].reason
    assert not Person.objects.exists()  # all or nothing


def test_import_header_names_the_optional_column(admin_user, mae_sot):
    header = [*COLUMNS, "verified"]
    report = import_people(
        csv_file(header, [[*person_row("Aung Ko").values(), "yes"]]),
        filename="people.csv",
        user=admin_user,
    )
    assert not report.ok
    assert "optionally status,verification" in report.errors[0].reason


# --- Export ----------------------------------------------------------------------------


def test_people_export_has_the_latest_exits_verification(admin_user):
    exit = ExitFactory(verification="self_reported")
    table = people_table(admin_user, {})
    column = table.header.index("exit_verification")
    assert [row[column] for row in table.rows] == ["self_reported"]
    assert table.total == 1 and exit.person.full_name
