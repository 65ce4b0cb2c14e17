"""The people list's rows, built in Python (`people_tags.person_rows`): the same cells the
template wrote, every value escaped, one link per person."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from people.list_rows import PersonRow, read_list_rows
from people.models import Flag
from people.selectors import (
    _listed,
    _listed_for_rows,
    _listed_with_latest_exit,
    people_list_for,
    people_with_exits_for,
)
from tests.people.factories import ExitFactory, PersonFactory


def rows_of(client) -> str:
    page = client.get(reverse("people:list")).content.decode()
    return page[page.index("<tbody>") : page.index("</tbody>")]


def test_a_row_shows_the_case_with_its_latest_exit_case_worker_and_flags(
    client, signed_in, case_worker_mae_sot, mae_sot
):
    person = PersonFactory(
        location=mae_sot, full_name="Kyaw Min Oo", name_my="ကျော်မင်းဦး", status="active",
        case_worker=case_worker_mae_sot,
    )  # fmt: skip
    ExitFactory(person=person, exit_type="pow", affiliation="police", exit_date="2024-01-02")
    ExitFactory(person=person, exit_type="defected", affiliation="soldier", exit_date="2025-03-04")
    Flag.objects.create(person=person, reason="security_risk", raised_by=case_worker_mae_sot)
    Flag.objects.create(person=person, reason="data_to_check", raised_by=case_worker_mae_sot)
    signed_in(case_worker_mae_sot)

    rows = rows_of(client)

    link = reverse("people:detail", args=[person.pk])
    # Each cell names its column (the card's labels on a phone).
    assert f'<td data-label="Case number"><a href="{link}">{person.case_number}</a></td>' in rows
    assert '<td data-label="Name">Kyaw Min Oo <span lang="my">ကျော်မင်းဦး</span></td>' in rows
    assert (
        '<td data-label="Site">MAE-SOT</td><td data-label="Status">Active</td>'
        '<td data-label="Exit">Defected · Soldier · 2025-03-04</td>'
    ) in rows
    assert f'<td data-label="Case worker">{case_worker_mae_sot.get_short_name()}</td>' in rows
    assert '<td data-label="Flags"><span class="badge' in rows
    assert '<span class="badge text-bg-danger me-1">Security risk</span>' in rows
    assert '<span class="badge text-bg-warning me-1">Data to check</span>' in rows


def test_a_row_without_exit_case_worker_or_burmese_name_shows_dashes(
    client, signed_in, case_worker_mae_sot, mae_sot
):
    PersonFactory(location=mae_sot, full_name="Aung Aung", name_my="", case_worker=None)
    signed_in(case_worker_mae_sot)

    rows = rows_of(client)

    assert '<td data-label="Name">Aung Aung</td>' in rows
    assert '<td data-label="Exit">—</td>' in rows
    assert '<td data-label="Case worker">—</td>' in rows
    # No flags: an empty cell without a label (left out of the card).
    assert "<td></td></tr>" in rows
    assert "lang=" not in rows


def test_every_value_is_escaped(client, signed_in, admin_user, mae_sot):
    PersonFactory(location=mae_sot, full_name='<script>alert("x")</script> & Co', name_my="<b>")
    signed_in(admin_user)

    rows = rows_of(client)

    assert "<script>" not in rows and "<b>" not in rows
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in rows
    assert '<span lang="my">&lt;b&gt;</span>' in rows


def test_labels_follow_the_language(client, signed_in, case_worker_mae_sot, mae_sot):
    ExitFactory(person=PersonFactory(location=mae_sot, status="active"), exit_type="defected")
    signed_in(case_worker_mae_sot)
    with translation.override("my"):
        english = str(translation.gettext("Defected"))
    client.cookies["django_language"] = "my"

    rows = rows_of(client)

    assert english != "Defected" and english in rows


@pytest.mark.parametrize("count", [1, 3])
def test_one_row_per_person_and_the_empty_message_otherwise(
    client, signed_in, admin_user, mae_sot, count
):
    signed_in(admin_user)
    assert "Nobody matches" in rows_of(client)
    for _ in range(count):
        PersonFactory(location=mae_sot)
    rows = rows_of(client)
    assert rows.count("<tr>") == count and "Nobody matches" not in rows


def test_the_page_holds_plain_rows_with_the_open_flags_newest_first(
    client, signed_in, case_worker_mae_sot, mae_sot
):
    """The list reads its rows as values (`people.list_rows`), not model objects; the open
    flags' reasons come with them, newest first, resolved ones left out."""
    person = PersonFactory(location=mae_sot, case_worker=case_worker_mae_sot)
    PersonFactory(location=mae_sot, case_worker=None)
    Flag.objects.create(person=person, reason="data_to_check", raised_by=case_worker_mae_sot)
    Flag.objects.create(person=person, reason="security_risk", raised_by=case_worker_mae_sot)
    resolved = Flag.objects.create(
        person=person, reason="medical_urgency", raised_by=case_worker_mae_sot
    )
    Flag.objects.filter(pk=resolved.pk).update(resolved_at=timezone.now())
    signed_in(case_worker_mae_sot)

    rows = {row.pk: row for row in client.get(reverse("people:list")).context["page"]}

    assert all(isinstance(row, PersonRow) for row in rows.values())
    assert rows[person.pk].open_flags == ("security_risk", "data_to_check")
    assert rows[person.pk].case_worker == case_worker_mae_sot.get_short_name()
    assert rows[person.pk].site_code == mae_sot.code


@pytest.mark.django_db
def test_the_latest_exit_is_read_in_one_subquery_with_the_models_values(admin_user, mae_sot):
    none = PersonFactory(location=mae_sot)
    one = PersonFactory(location=mae_sot)
    ExitFactory(person=one, exit_type="surrendered", affiliation="militia", exit_date="2023-05-06")
    two = PersonFactory(location=mae_sot)
    ExitFactory(person=two, exit_type="pow", affiliation="police", exit_date="2025-03-04")
    latest = ExitFactory(person=two, exit_type="defected", affiliation="soldier")
    latest.exit_date = date(2025, 3, 4)  # the same day: the later record is the latest
    latest.save()
    people = people_list_for(admin_user).filter(pk__in=[none.pk, one.pk, two.pk])
    with CaptureQueriesContext(connection) as queries:
        rows = {row.pk: row for row in read_list_rows(people.order_by("pk"))}
    assert queries[0]["sql"].count('FROM "people_exit"') == 1
    assert [
        (rows[p.pk].exit_type, rows[p.pk].affiliation, rows[p.pk].exit_date)
        for p in (none, one, two)
    ] == [
        (None, None, None),
        ("surrendered", "militia", date(2023, 5, 6)),
        ("defected", "soldier", date(2025, 3, 4)),
    ]
    expected = {
        p.pk: (p.exit_type, p.affiliation, p.exit_date) for p in _listed_with_latest_exit().all()
    }
    assert {pk: (r.exit_type, r.affiliation, r.exit_date) for pk, r in rows.items()} == {
        pk: expected[pk] for pk in rows
    }


def test_an_empty_page_reads_no_flags(admin_user, django_assert_num_queries):
    people = people_list_for(admin_user).filter(pk=-1)
    with django_assert_num_queries(1):  # the rows only
        assert read_list_rows(people) == []


def test_the_lists_shared_queryset_is_never_evaluated_or_scoped(
    admin_user, case_worker_mae_sot, mae_sot, new_delhi
):
    """The lists of people clone querysets built once per process: reading an admin's list
    (whose scope is everything) must not fill them, nor a case worker's scope stay in them."""
    here, there = PersonFactory(location=mae_sot), PersonFactory(location=new_delhi)
    assert {here.pk, there.pk} <= {p.pk for p in people_list_for(admin_user)}
    assert {here.pk, there.pk} <= {p.pk for p in people_with_exits_for(admin_user)}
    assert [p.pk for p in people_list_for(case_worker_mae_sot)] == [here.pk]
    assert [p.pk for p in people_with_exits_for(case_worker_mae_sot)] == [here.pk]
    assert _listed()._result_cache is None and _listed_with_latest_exit()._result_cache is None
    assert _listed_for_rows()._result_cache is None
    assert {here.pk, there.pk} <= {p.pk for p in people_list_for(admin_user)}


def test_a_rows_repr_names_the_case_number_only(client, signed_in, case_worker_mae_sot, mae_sot):
    """As `Person.__str__`: a row in a log line, an assertion message or a traceback's
    locals shows no name."""
    PersonFactory(location=mae_sot, full_name="Kyaw Min Oo", name_my="ကျော်မင်းဦး")
    signed_in(case_worker_mae_sot)
    (row,) = client.get(reverse("people:list")).context["page"]
    assert repr(row) == f"<PersonRow {row.case_number}>"
    assert "Kyaw" not in repr(row) and "ကျော်" not in repr(row) and "Kyaw" not in str(row)
