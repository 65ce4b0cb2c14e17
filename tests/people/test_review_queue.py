"""The admins' review queue of suspected duplicates (issue 21): filled as records arrive or
change (every site), idempotent, resolved by a merge or "different people", shown first on
the duplicates page, backfilled by a command."""

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from people import review_queue, services
from people.models import DuplicateSuspicion, Person
from people.tasks import queue_duplicates
from tests.people.factories import PersonFactory


def register(by, location, capture, **fields) -> Person:
    values = {"full_name": "Kyaw Min Oo", "birth_year": 1999, "location": location, **fields}
    with capture(execute=True):
        return services.create_person(by=by, person_data=values).obj


def test_a_registration_queues_its_pair_with_someone_at_another_site(
    case_worker_delhi, new_delhi, mae_sot, django_capture_on_commit_callbacks
):
    there = PersonFactory(location=mae_sot, full_name="Kyaw Min Oo", birth_year=1999)

    here = register(case_worker_delhi, new_delhi, django_capture_on_commit_callbacks)

    pair = DuplicateSuspicion.objects.get()
    assert (pair.first_id, pair.second_id) == tuple(sorted((there.pk, here.pk)))
    assert (
        pair.status == "open"
        and pair.reasons == ["same name", "same birth year"]
        and pair.score > 0
    )


def test_nothing_is_queued_before_the_commit_or_without_a_candidate(
    case_worker_mae_sot, mae_sot, django_capture_on_commit_callbacks
):
    PersonFactory(location=mae_sot, full_name="Kyaw Min Oo", birth_year=1999)
    with django_capture_on_commit_callbacks() as callbacks:
        services.create_person(
            by=case_worker_mae_sot,
            person_data={"full_name": "Kyaw Min Oo", "birth_year": 1999, "location": mae_sot},
        )
        assert not DuplicateSuspicion.objects.exists()
    assert len(callbacks) == 1
    register(case_worker_mae_sot, mae_sot, django_capture_on_commit_callbacks, full_name="Bo Bo")
    assert DuplicateSuspicion.objects.count() == 0  # the first callback was not run


def test_queueing_twice_keeps_one_row_per_pair(mae_sot):
    first = PersonFactory(full_name="Kyaw Min Oo")
    second = PersonFactory(full_name="Kyaw Min Oo")
    assert queue_duplicates(person_ids=[first.pk, second.pk]) == 1
    assert queue_duplicates(person_ids=[second.pk]) == 0
    assert DuplicateSuspicion.objects.count() == 1


def test_an_edit_that_makes_two_records_alike_queues_them(
    case_worker_mae_sot, mae_sot, django_capture_on_commit_callbacks
):
    PersonFactory(full_name="Kyaw Min Oo", birth_year=1999)
    other = PersonFactory(full_name="Thet Naing", birth_year=1999)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_person(
            by=case_worker_mae_sot,
            person=other,
            values={"full_name": "Kyaw Min Oo"},
            expected_version=other.version,
        )
    assert DuplicateSuspicion.objects.count() == 1


def test_marking_different_people_resolves_the_pair_and_it_is_not_reopened(admin_user, mae_sot):
    first = PersonFactory(full_name="Kyaw Min Oo")
    second = PersonFactory(full_name="Kyaw Min Oo")
    queue_duplicates(person_ids=[first.pk])

    services.mark_distinct(by=admin_user, first=second, second=first)

    pair = DuplicateSuspicion.objects.get()
    assert pair.status == "distinct" and pair.resolved_by == admin_user
    assert queue_duplicates(person_ids=[first.pk, second.pk]) == 0
    assert DuplicateSuspicion.objects.get().status == "distinct"


def test_a_merge_resolves_the_pairs_of_the_record_merged_away(admin_user, mae_sot):
    keep = PersonFactory(full_name="Kyaw Min Oo")
    merged = PersonFactory(full_name="Kyaw Min Oo")
    third = PersonFactory(full_name="Kyaw Min Oo")
    queue_duplicates(person_ids=[keep.pk, merged.pk, third.pk])
    assert DuplicateSuspicion.objects.filter(status="open").count() == 3

    services.merge_people(by=admin_user, keep=keep, merge=merged)

    statuses = {
        frozenset((pair.first_id, pair.second_id)): pair.status
        for pair in DuplicateSuspicion.objects.all()
    }
    assert statuses[frozenset((keep.pk, merged.pk))] == "merged"
    assert statuses[frozenset((merged.pk, third.pk))] == "merged"
    assert statuses[frozenset((keep.pk, third.pk))] == "open"


def test_the_page_lists_queued_pairs_first_with_their_reasons(
    client, signed_in, admin_user, mae_sot, new_delhi
):
    first = PersonFactory(full_name="Kyaw Min Oo", reference="PG-1", location=mae_sot)
    second = PersonFactory(full_name="Someone Else", location=new_delhi, birth_year=1960)
    review_queue.record_pairs({(first.pk, second.pk): (10.0, ["same reference"])})
    PersonFactory.create_batch(2, full_name="Aung Aung")
    signed_in(admin_user)

    response = client.get(reverse("people:duplicates"))

    (queued,) = response.context["queued"]
    assert (queued.first, queued.second) == (first, second)
    assert [why for _first, _second, why in response.context["pairs"]] == ["name"]
    page = response.content.decode()
    assert page.index(first.case_number) < page.index("Aung Aung")
    assert "same reference" in page


def test_the_page_does_not_list_a_queued_pair_twice(client, signed_in, admin_user, mae_sot):
    first, second = PersonFactory.create_batch(2, full_name="Aung Aung")
    queue_duplicates(person_ids=[first.pk])
    signed_in(admin_user)
    response = client.get(reverse("people:duplicates"))
    assert len(response.context["queued"]) == 1 and response.context["pairs"] == []


def test_the_backfill_command_queues_existing_pairs_once(mae_sot, capsys):
    PersonFactory.create_batch(2, full_name="Aung Aung")
    PersonFactory.create_batch(2, phone="0812345678", birth_year=1950)
    call_command("queue_duplicates")
    call_command("queue_duplicates")
    assert DuplicateSuspicion.objects.count() == 2
    assert capsys.readouterr().out.splitlines() == [
        "2 new pair(s) queued for review.",
        "0 new pair(s) queued for review.",
    ]


def test_the_page_reads_the_queue_in_one_query_whatever_its_length(
    client, signed_in, admin_user, mae_sot
):
    def queue(count: int) -> None:
        # Names not shared, so that only the queue grows (not the pairs found on the fly).
        people = [PersonFactory() for _n in range(2 * count)]
        review_queue.record_pairs(
            {(people[n].pk, people[n + 1].pk): (1.0, ["same name"]) for n in range(0, 2 * count, 2)}
        )

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("people:duplicates"))
        assert response.status_code == 200
        return len(captured.captured_queries)

    signed_in(admin_user)
    page_queries()  # the session's first page reads the pledge once more
    queue(2)
    few = page_queries()
    queue(20)
    assert page_queries() == few
