import random
from itertools import combinations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from people import duplicates, services
from people.duplicates import suspected_pairs
from people.models import DistinctPeople, Person
from people.views import duplicates as duplicate_views
from tests.people.factories import ExitFactory, PersonFactory


def test_registration_shows_possible_duplicates_before_saving(
    client, signed_in, admin_user, person_mae_sot, mae_sot
):
    signed_in(admin_user)
    data = {"full_name": "kyaw  min oo", "sex": "male", "birth_year": str(person_mae_sot.birth_year + 1),
            "status": "intake", "dependants": "0", "location": mae_sot.pk}  # fmt: skip
    response = client.post(reverse("people:create"), data)
    assert response.status_code == 200
    assert person_mae_sot in response.context["possible_duplicates"]
    assert Person.objects.count() == 1
    response = client.post(reverse("people:create"), {**data, "not_a_duplicate": "on"})
    assert response.status_code == 302
    assert Person.objects.count() == 2


def test_same_burmese_name_or_phone_are_duplicates_but_distant_birth_years_are_not(person_mae_sot):
    same_burmese = PersonFactory(
        full_name="Other Spelling", name_my="ကျော်မင်း ဦး", birth_year=person_mae_sot.birth_year
    )
    same_phone = PersonFactory(
        full_name="Different", phone="+66 81 234 5678".replace("+66 ", "0"), birth_year=1950
    )
    far_year = PersonFactory(full_name="Kyaw Min Oo", birth_year=person_mae_sot.birth_year + 5)
    pairs = {(a.pk, b.pk): why for a, b, why in suspected_pairs(Person.objects.all())}
    assert pairs[(person_mae_sot.pk, same_burmese.pk)] == "name_my"
    assert pairs[(person_mae_sot.pk, same_phone.pk)] == "phone"
    assert (person_mae_sot.pk, far_year.pk) not in pairs


def test_merge_moves_everything_and_keeps_a_redirect(client, signed_in, admin_user, person_mae_sot):
    twin = PersonFactory(full_name="Kyaw Min Oo")
    ExitFactory(person=twin)
    services.add_note(by=admin_user, person=twin, text="note on the twin")
    signed_in(admin_user)
    response = client.post(
        reverse("people:merge", args=[person_mae_sot.pk, twin.pk]), {"keep": str(person_mae_sot.pk)}
    )
    assert response.status_code == 302
    twin.refresh_from_db()
    assert twin.merged_into == person_mae_sot
    assert person_mae_sot.exits.count() == 1 and person_mae_sot.notes.count() == 1
    assert suspected_pairs(Person.objects.all()) == []


def test_pair_marked_as_different_people_is_not_suggested_again(
    client, signed_in, admin_user, person_mae_sot
):
    twin = PersonFactory(full_name="Kyaw Min Oo")
    signed_in(admin_user)
    page = client.get(reverse("people:duplicates")).content.decode()
    assert twin.case_number in page
    client.post(reverse("people:mark_distinct", args=[twin.pk, person_mae_sot.pk]))
    assert twin.case_number not in client.get(reverse("people:duplicates")).content.decode()


def test_a_merged_record_cannot_be_merged_again(admin_user, person_mae_sot):
    twin = PersonFactory()
    services.merge_people(by=admin_user, keep=person_mae_sot, merge=twin)
    with pytest.raises(ValidationError):
        services.merge_people(by=admin_user, keep=person_mae_sot, merge=twin)


# --- The review list at scale (issue 8) -------------------------------------------------------


def _close(first, second) -> bool:
    return first is None or second is None or abs(first - second) <= 1


def _every_pair(people) -> dict[tuple[int, int], str]:
    """The pairs as the first version found them: every pair of every group, by reason."""
    people = sorted(people.current(), key=lambda person: person.pk)
    different = set(DistinctPeople.objects.values_list("first_id", "second_id"))
    found = {}
    for field, why in duplicates.REASONS:
        for first, second in combinations(people, 2):
            pair = (first.pk, second.pk)
            value = getattr(first, field)
            if not value or value != getattr(second, field) or pair in different or pair in found:
                continue
            if why == "phone" or _close(first.birth_year, second.birth_year):
                found[pair] = why
    return found


@pytest.fixture
def mixed_people(admin_user, mae_sot, new_delhi):
    """60 people sharing names, Burmese names and phones at random, with unknown and close
    birth years, two merged records and five pairs marked as different people."""
    chance = random.Random(8)  # noqa: S311 - test data
    people = [
        PersonFactory(
            full_name=chance.choice(["Kyaw Min Oo", "Aung Aung", "Hla Hla Win", "Zaw  zaw"]),
            name_my=chance.choice(["", "", "ကျော်မင်းဦး", "လှလှဝင်း"]),
            phone=chance.choice(["", "", "", "0812345678", "0899999999"]),
            birth_year=chance.choice([None, 1980, 1981, 1982, 1983, 1985]),
            location=chance.choice([mae_sot, new_delhi]),
        )
        for _number in range(60)
    ]
    for merged in people[:2]:
        merged.merged_into = people[2]
        merged.save()
    for first, second in chance.sample(list(combinations(people[2:], 2)), 5):
        services.mark_distinct(by=admin_user, first=first, second=second)
    return people


def test_pairs_are_those_of_every_pair_of_every_group(mixed_people):
    expected = _every_pair(Person.objects.all())
    assert len(expected) > 50
    found = suspected_pairs(Person.objects.all(), limit=10_000)
    assert {(first.pk, second.pk): why for first, second, why in found} == expected
    assert all(first.location.code for first, _second, _why in found)


def test_pairs_are_the_same_when_read_in_many_small_rounds(mixed_people, monkeypatch):
    expected = _every_pair(Person.objects.all())
    monkeypatch.setattr(duplicates, "GROUPS_PER_ROUND", 1)
    monkeypatch.setattr(duplicates, "MEMBERS_PER_ROUND", 2)
    found = suspected_pairs(Person.objects.all(), limit=10_000)
    # Across rounds a pair may be found by another reason first: the same pairs, each once.
    assert sorted((first.pk, second.pk) for first, second, _why in found) == sorted(expected)
    few = suspected_pairs(Person.objects.all(), limit=7)
    assert len(few) == 7 and {(first.pk, second.pk) for first, second, _why in few} <= set(expected)


def test_pairs_marked_as_different_are_left_out_and_birth_years_may_differ_by_one(admin_user):
    born_1990, born_1991, born_1992, unknown = (
        PersonFactory(full_name="Aung Aung", birth_year=year) for year in (1990, 1991, 1992, None)
    )
    services.mark_distinct(by=admin_user, first=born_1991, second=born_1990)
    found = {(first.pk, second.pk) for first, second, _why in suspected_pairs(Person.objects.all())}
    assert found == {
        (born_1991.pk, born_1992.pk),
        (born_1990.pk, unknown.pk),
        (born_1991.pk, unknown.pk),
        (born_1992.pk, unknown.pk),
    }


def _bulk_people(groups: range, size: int, location) -> None:
    """A name for each of `groups` shared by `size` people, born the same year (no save())."""
    people = []
    for group in groups:
        for member in range(size):
            person = Person(case_number=f"BK-25-{group:03d}{member:03d}", location=location,
                            full_name=f"Group {group:03d} Name", sex="male", birth_year=1990,
                            status="active")  # fmt: skip
            services.apply_derived_fields(person)
            people.append(person)
    Person.objects.bulk_create(people)


def test_queries_do_not_grow_with_many_large_groups(mae_sot, monkeypatch):
    monkeypatch.setattr(duplicates, "GROUPS_PER_ROUND", 10)
    _bulk_people(range(2), size=3, location=mae_sot)
    with CaptureQueriesContext(connection) as few:
        assert len(suspected_pairs(Person.objects.all())) == 6
    # 40 groups of 30: 17,400 pairs, four times more groups than a round reads.
    _bulk_people(range(2, 42), size=30, location=mae_sot)
    with CaptureQueriesContext(connection) as many:
        pairs = suspected_pairs(Person.objects.all())
    assert len(pairs) == 200
    # Per reason its first groups (3); their members' ids, keys and birth years (1); the
    # pairs marked as different among them (1); the people of the pairs with their site (1).
    assert len(few.captured_queries) == len(many.captured_queries) == 6
    # In key order: the first groups ("group 000 name", 001: 6 pairs), then the first large one.
    assert {first.full_name for first, _second, _why in pairs[6:]} == {"Group 002 Name"}


def test_the_review_page_says_when_the_list_is_cut(client, signed_in, admin_user, monkeypatch):
    monkeypatch.setattr(duplicate_views, "PAIRS_SHOWN", 2)
    PersonFactory.create_batch(3, full_name="Aung Aung")
    signed_in(admin_user)
    response = client.get(reverse("people:duplicates"))
    assert len(response.context["pairs"]) == 2
    assert "Showing the first 2 pairs only" in response.content.decode()
    PersonFactory.create_batch(1, full_name="Zaw Zaw")
    monkeypatch.setattr(duplicate_views, "PAIRS_SHOWN", 3)
    response = client.get(reverse("people:duplicates"))
    assert len(response.context["pairs"]) == 3
    assert "Showing the first" not in response.content.decode()


@pytest.mark.postgresql
@pytest.mark.parametrize("after", [None, "8"])
def test_shared_phones_are_found_from_their_index_alone(mixed_people, after):
    """At a million people (200,000 phones) visiting each phone's row for its merge and id
    took 584 ms; the partial index `person_current_phones` answers alone (69 ms). With every
    plan but an index-only scan off, the rounds' query (the first, and a later one) must be
    answered from it."""
    with CaptureQueriesContext(connection) as queries:
        duplicates._next_groups(Person.objects.current(), "phone_hash", after)
    sql = queries.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        for plan in ("seqscan", "indexscan", "bitmapscan"):
            cursor.execute(f"SET LOCAL enable_{plan} = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using person_current_phones" in plan, plan
