"""The reference: the organisation's own identifier for a person (issue 21). Optional,
unique among current people, searchable by exact value, on the person page and in the form,
imported and exported as its own column, and the strongest duplicate evidence."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from people import duplicates, services
from people.exporting import people_table
from people.import_rows import COLUMNS
from people.models import Person
from tests.people.factories import PersonFactory
from tests.people.test_import import row, run, someone, to_csv, where
from tests.people.test_person_screens import form_data, search


def test_the_database_refuses_a_reference_twice_among_current_people(mae_sot):
    PersonFactory(reference="PG-2025-0417")
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(reference="PG-2025-0417")


def test_a_record_merged_away_and_empty_references_do_not_count(admin_user, mae_sot):
    keep = PersonFactory(full_name="Aung Aung")
    merged = PersonFactory(full_name="Aung Aung", reference="PG-1")
    services.merge_people(by=admin_user, keep=keep, merge=merged)
    PersonFactory(reference="PG-1")  # the reference is free again: its holder was merged away
    PersonFactory(reference="")
    PersonFactory(reference="")
    assert Person.objects.filter(reference="PG-1").count() == 2


def test_registering_with_a_taken_reference_is_refused_on_the_field(
    client, signed_in, case_worker_mae_sot, mae_sot
):
    PersonFactory(location=mae_sot, reference="PG-2025-0417")
    signed_in(case_worker_mae_sot)
    data = form_data(mae_sot, reference="PG-2025-0417", not_a_duplicate="on")

    response = client.post(reverse("people:create"), data)

    assert response.status_code == 200
    assert response.context["form"].errors["reference"] == [
        "Another person already has this reference."
    ]
    assert Person.objects.count() == 1


def test_a_reference_too_long_is_refused_on_the_field(
    client, signed_in, case_worker_mae_sot, mae_sot
):
    signed_in(case_worker_mae_sot)
    response = client.post(reverse("people:create"), form_data(mae_sot, reference="R" * 41))
    assert "reference" in response.context["form"].errors
    assert not Person.objects.exists()


def test_the_service_refuses_a_taken_reference_on_update(case_worker_mae_sot, mae_sot):
    PersonFactory(reference="PG-1")
    other = PersonFactory(reference="PG-2")
    with pytest.raises(ValidationError) as refused:
        services.update_person(
            by=case_worker_mae_sot,
            person=other,
            values={"reference": "PG-1"},
            expected_version=other.version,
        )
    assert "reference" in refused.value.message_dict


def test_registration_stores_the_reference_and_the_page_shows_it(
    client, signed_in, case_worker_mae_sot, mae_sot
):
    signed_in(case_worker_mae_sot)
    response = client.post(reverse("people:create"), form_data(mae_sot, reference=" PG-7 "))
    person = Person.objects.get()
    assert person.reference == "PG-7"
    page = client.get(response.url).content.decode()
    assert "Reference" in page and "PG-7" in page


def test_search_by_exact_reference_lists_its_holder_first(client, signed_in, admin_user, mae_sot):
    holder = PersonFactory(full_name="Aung Aung", reference="PG-2025-0417")
    PersonFactory(full_name="Zaw Zaw", reference="PG-2025-04170")
    signed_in(admin_user)

    people = [row.pk for row in search(client, {"q": "PG-2025-0417"}).context["page"]]

    assert people == [holder.pk]
    assert list(search(client, {"q": "PG-2025"}).context["page"]) == []  # exact value only


def test_search_by_reference_stays_within_the_users_sites(
    client, signed_in, case_worker_delhi, mae_sot
):
    PersonFactory(location=mae_sot, reference="PG-9")
    signed_in(case_worker_delhi)
    assert list(search(client, {"q": "PG-9"}).context["page"]) == []


def test_the_export_has_a_reference_column(admin_user, mae_sot):
    PersonFactory(reference="PG-3")
    table = people_table(admin_user, {})
    assert table.header[:2] == ["case_number", "reference"]
    assert [values[1] for values in table.rows] == ["PG-3"]


def test_same_reference_is_the_first_and_strongest_reason(mae_sot):
    named = PersonFactory(full_name="Kyaw Min Oo", birth_year=1990)
    holder = PersonFactory(full_name="Someone Else", birth_year=1960, reference="PG-5")

    found = duplicates.find_candidates(
        Person.objects.all(), full_name="Kyaw Min Oo", birth_year=1990, reference="PG-5"
    )

    assert [candidate.person for candidate in found] == [holder, named]
    assert found[0].reasons[0] == "same reference"
    assert found[0].score > found[1].score


def test_import_stores_the_reference_column(admin_user, mae_sot):
    header = [*COLUMNS, "reference"]
    data = to_csv([[*row(), "PG-2025-0417"], [*row(**someone(0)), ""]], header=header)

    report = run(data, admin_user)

    assert report.saved, report.errors
    assert sorted(Person.objects.values_list("reference", flat=True)) == ["", "PG-2025-0417"]
    # The portal assigned its own case numbers.
    assert all(p.case_number.startswith("MS-") for p in Person.objects.all())


def test_import_refuses_a_reference_repeated_in_the_file_with_line_and_column(admin_user, mae_sot):
    header = [*COLUMNS, "reference"]
    data = to_csv(
        [[*row(), "PG-1"], [*row(**someone(0)), "PG-2"], [*row(**someone(1)), "PG-1"]],
        header=header,
    )

    report = run(data, admin_user)

    assert where(report) == [(4, "reference")]
    assert "also on line 2" in report.errors[0].reason
    assert not Person.objects.exists()


def test_import_refuses_a_reference_too_long_with_line_and_column(admin_user, mae_sot):
    header = [*COLUMNS, "reference"]
    report = run(to_csv([[*row(), "R" * 41]], header=header), admin_user)
    assert where(report) == [(2, "reference")]
    assert "At most 40 characters" in report.errors[0].reason


def test_an_organisation_number_in_the_case_number_column_points_to_reference(admin_user, mae_sot):
    report = run(to_csv([row(case_number="PG-2025-0417")]), admin_user)
    assert where(report) == [(2, "case_number")]
    assert "reference column" in report.errors[0].reason
