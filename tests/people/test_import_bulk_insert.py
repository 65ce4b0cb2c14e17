"""`portal.bulk_insert.BulkInserter`, used by the import's save: COPY on PostgreSQL,
bulk_create elsewhere, with the rows the same as a new instance saved by bulk_create."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from people.models import CaseNote, Exit, Person
from portal import crypto
from portal.bulk_insert import BulkInserter


def person_values(location_id: int, number: int, **values) -> dict:
    return {
        "full_name": f"Kyaw Min {number}",
        "case_number": f"MS-25-{number:05d}",
        "location_id": location_id,
        **values,
    }


def stored_column(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


# Differ from row to row whatever the way of saving: the names given, the time, a random key.
PER_ROW = {
    "id",
    "case_number",
    "full_name",
    "name_key",
    "match_key",
    "created_at",
    "updated_at",
    "record_key",
}


def test_rows_are_saved_as_bulk_create_saves_new_instances(mae_sot, admin_user):
    given = {"created_by_id": admin_user.pk, "birth_year": 1990, "consent_notes": "Asked twice"}
    expected = Person.objects.bulk_create([Person(**person_values(mae_sot.pk, 1, **given))])[0]

    ids = BulkInserter(Person).insert(
        [person_values(mae_sot.pk, 2, **given), person_values(mae_sot.pk, 3, status="active")]
    )

    assert len(set(ids)) == 2
    first, second = (Person.objects.get(pk=pk) for pk in ids)
    expected.refresh_from_db()
    for field in Person._meta.concrete_fields:
        if field.attname not in PER_ROW:
            assert getattr(first, field.attname) == getattr(expected, field.attname), field.name
    assert (first.case_number, second.case_number) == ("MS-25-00002", "MS-25-00003")
    assert first.created_at is not None and first.updated_at is not None
    assert second.status == "active" and second.consent_notes == ""


def test_encrypted_fields_are_stored_encrypted(mae_sot, admin_user):
    person_id = BulkInserter(Person).insert([person_values(mae_sot.pk, 3)])[0]
    exit_id = BulkInserter(Exit).insert(
        [
            {
                "person_id": person_id,
                "exit_type": "pow",
                "affiliation": "soldier",
                "exit_date": datetime.date(2025, 1, 2),
                "rank": "Private",
            }
        ]
    )[0]
    note_id = BulkInserter(CaseNote).insert(
        [{"person_id": person_id, "author_id": admin_user.pk, "text": "Met the family"}]
    )[0]

    assert stored_column("people_exit", "rank", exit_id) != "Private"
    assert crypto.decrypt(stored_column("people_exit", "rank", exit_id)) == "Private"
    assert crypto.decrypt(stored_column("people_casenote", "text", note_id)) == "Met the family"
    assert Exit.objects.get(pk=exit_id).rank == "Private"
    note = CaseNote.objects.get(pk=note_id)
    assert note.text == "Met the family" and note.created_at is not None


def test_one_batch_is_one_copy_and_one_query_for_its_ids(mae_sot):
    rows = [person_values(mae_sot.pk, number) for number in range(10, 20)]

    with CaptureQueriesContext(connection) as queries:
        ids = BulkInserter(Person).insert(rows)

    # PostgreSQL: the ids claimed in one query, then one COPY; elsewhere one INSERT.
    expected = 2 if connection.vendor == "postgresql" else 1
    assert len(queries) == expected, [query["sql"][:80] for query in queries]
    assert Person.objects.filter(pk__in=ids).count() == 10


def test_a_unique_value_taken_raises_djangos_integrity_error(mae_sot):
    Person.objects.create(case_number="MS-25-00099", full_name="Existing", location=mae_sot)

    with pytest.raises(IntegrityError), transaction.atomic():
        BulkInserter(Person).insert([person_values(mae_sot.pk, 99)])


def test_nothing_to_insert_makes_no_query(db):
    with CaptureQueriesContext(connection) as queries:
        assert BulkInserter(Person).insert([]) == []
    assert len(queries) == 0
