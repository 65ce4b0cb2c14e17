"""The import's save reads the file a second time and inserts a batch at a time (issue 18):
no more than one batch of rows and people is built ahead of the database, and a refusal
in the middle of it leaves nothing saved."""

from __future__ import annotations

import pytest
from django.db import DataError
from django.utils import timezone

from people import import_saving, importing
from people.models import CaseNote, CaseNumberSequence, Exit, Person
from portal.bulk_insert import BulkInserter
from tests.people.test_import import (
    NO_EXIT,
    people_audit_rows,
    row,
    run,
    someone,
    to_csv,
    where,
)

BATCH = 3
ROWS = 10  # four batches of people, the last one short
YEAR = timezone.localdate().year % 100  # of the case numbers the import generates


def rows() -> list[list[str]]:
    """Every other row with a note, every third without an exit, two with a case number."""
    return [
        row(
            **someone(n),
            notes=f"note {n}" if n % 2 else "",
            case_number=f"MS-{YEAR}-00042" if n == 4 else f"MS-{YEAR}-00007" if n == 8 else "",
            **(NO_EXIT if n % 3 == 0 else {}),
        )
        for n in range(ROWS)
    ]


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(import_saving, "INSERT_BATCH", BATCH)


def test_the_save_builds_one_batch_of_people_at_a_time(
    admin_user, mae_sot, small_batches, monkeypatch
):
    drawn, built, inserted = [0], [0], []
    rows_again, person, insert = (
        importing._rows_again,
        import_saving._person,
        BulkInserter.insert,
    )

    def count_rows(*args, **kwargs):
        for checked in rows_again(*args, **kwargs):
            drawn[0] += 1
            yield checked

    def count_people(*args, **kwargs):
        built[0] += 1
        return person(*args, **kwargs)

    def insert_people(inserter, people):
        if inserter.model is Person:
            # What was read and built so far: the people inserted before and this batch only.
            assert drawn[0] == built[0] == sum(inserted) + len(people)
            inserted.append(len(people))
        return insert(inserter, people)

    monkeypatch.setattr(importing, "_rows_again", count_rows)
    monkeypatch.setattr(import_saving, "_person", count_people)
    monkeypatch.setattr(BulkInserter, "insert", insert_people)

    report = run(to_csv(rows()), admin_user)

    assert report.ok, report.errors[:3]
    assert inserted == [3, 3, 3, 1]
    # The same result as with one batch: every row, its exit and note with its own person.
    assert (report.people_created, report.exits_created, report.notes_created) == (10, 6, 5)
    people = {p.full_name: p for p in Person.objects.prefetch_related("notes", "exits")}
    assert len(people) == ROWS and Exit.objects.count() == 6 and CaseNote.objects.count() == 5
    for n in range(ROWS):
        person = people[someone(n)["full_name"]]
        assert [note.text for note in person.notes.all()] == ([f"note {n}"] if n % 2 else [])
        assert len(person.exits.all()) == (0 if n % 3 == 0 else 1)
    fourth, eighth = someone(4)["full_name"], someone(8)["full_name"]
    assert people[fourth].case_number == f"MS-{YEAR}-00042"
    assert people[eighth].case_number == f"MS-{YEAR}-00007"
    # The site's counter was moved past the given numbers before the others were drawn.
    generated = sorted(p.case_number for name, p in people.items() if name not in {
        fourth, eighth})  # fmt: skip
    assert generated == [f"MS-{YEAR}-{n:05d}" for n in range(43, 51)]
    assert people_audit_rows().get().changes["rows"] == [None, ROWS]


def test_a_database_refusal_in_the_second_reading_saves_nothing(
    admin_user, mae_sot, small_batches, monkeypatch
):
    calls = []
    insert = BulkInserter.insert

    def refuse_the_second_batch(inserter, people):
        if inserter.model is Person:
            calls.append(len(people))
            if len(calls) == 2:
                raise DataError("value too long")  # the first batch is already inserted
        return insert(inserter, people)

    monkeypatch.setattr(BulkInserter, "insert", refuse_the_second_batch)

    report = run(to_csv(rows()), admin_user)

    assert calls == [3, 3]
    assert where(report) == [(1, "")] and "nothing was saved" in report.errors[0].reason
    assert (report.people_created, report.exits_created, report.notes_created) == (0, 0, 0)
    assert not Person.objects.exists() and not Exit.objects.exists()
    assert not CaseNote.objects.exists() and not people_audit_rows().exists()
    # The case numbers claimed for the file were given back with the rest.
    assert not CaseNumberSequence.objects.filter(last__gt=0).exists()
