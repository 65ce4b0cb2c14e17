"""Lists count their matches only a few pages past the page asked for (portal.pagination)."""

import pytest
from django.urls import reverse

from people.models import Person
from portal.pagination import LOOKAHEAD_PAGES, BoundedPaginator, bounded_page
from tests.api.conftest import api  # noqa: F401 (fixture)
from tests.people.factories import PersonFactory

pytestmark = pytest.mark.django_db

PER_PAGE = 2
BOUND_ON_PAGE_ONE = (1 + LOOKAHEAD_PAGES) * PER_PAGE  # 10


@pytest.fixture
def fifteen_people(mae_sot):
    return [PersonFactory(location=mae_sot) for _ in range(15)]


def test_short_lists_are_counted_exactly(mae_sot):
    for _ in range(3):
        PersonFactory(location=mae_sot)
    page = bounded_page(Person.objects.all(), PER_PAGE, 1)
    assert (page.paginator.count, page.paginator.more, page.paginator.num_pages) == (3, False, 2)


def test_long_lists_stop_counting_past_the_lookahead(fifteen_people):
    page = bounded_page(Person.objects.all(), PER_PAGE, 1)
    assert page.paginator.count == BOUND_ON_PAGE_ONE
    assert page.paginator.more is True
    assert page.paginator.num_pages == 1 + LOOKAHEAD_PAGES
    assert page.has_next()


def test_the_bound_moves_with_the_page_asked_for(fifteen_people):
    page = bounded_page(Person.objects.all(), PER_PAGE, 6)  # bound 20 > 15: exact again
    assert (page.paginator.count, page.paginator.more) == (15, False)
    assert page.number == 6
    assert [p.pk for p in page] == [p.pk for p in Person.objects.all()[10:12]]


def test_pages_past_the_end_and_unreadable_numbers(fifteen_people):
    assert bounded_page(Person.objects.all(), PER_PAGE, "999").number == 8  # the last page
    assert bounded_page(Person.objects.all(), PER_PAGE, "abc").number == 1
    assert bounded_page(Person.objects.all(), PER_PAGE, None).number == 1
    # As Django's get_page: a negative number gives the last page (here the last one counted).
    assert bounded_page(Person.objects.all(), PER_PAGE, "-3").number == 1 + LOOKAHEAD_PAGES


@pytest.mark.parametrize("number", ["1152921504606846975", "9" * 40])
def test_absurd_page_numbers_are_past_the_end_not_an_error(fifteen_people, number):
    page = bounded_page(Person.objects.all(), PER_PAGE, number)
    assert (page.number, page.paginator.count, page.paginator.more) == (8, 15, False)


def test_absurd_page_numbers_in_the_list_and_the_api(
    client,
    signed_in,
    api,  # noqa: F811
    admin_user,
    fifteen_people,
):
    signed_in(admin_user)
    huge = "3871587310427421897048642017034240"
    assert client.get(reverse("people:list"), {"page": huge}).status_code == 200
    assert client.get(reverse("portal:audit_list"), {"page": huge}).status_code == 200
    for url in ("/api/v1/people/", "/api/v1/locations/", "/api/v1/exits/"):
        assert api(admin_user).get(url, {"page": huge}).status_code == 404, url


def test_the_count_is_one_limited_query(fifteen_people, django_assert_num_queries):
    paginator = BoundedPaginator(Person.objects.all(), PER_PAGE, number=1)
    with django_assert_num_queries(1) as captured:
        assert paginator.count == BOUND_ON_PAGE_ONE
    assert f"LIMIT {BOUND_ON_PAGE_ONE + 1}" in captured.captured_queries[0]["sql"]


def test_people_list_says_more_than(client, signed_in, admin_user, fifteen_people, monkeypatch):
    monkeypatch.setattr("people.views.persons.PAGE_SIZE", PER_PAGE)
    signed_in(admin_user)
    page = client.get(reverse("people:list")).content.decode()
    assert f"More than {BOUND_ON_PAGE_ONE} people" in page
    assert f"Page 1 of more than {1 + LOOKAHEAD_PAGES}" in page
    last = client.get(reverse("people:list"), {"page": 8}).content.decode()
    assert "15 people" in last and "Page 8 of 8" in last


def test_api_flags_a_count_that_is_not_exact(api, admin_user, fifteen_people):  # noqa: F811
    first = api(admin_user).get("/api/v1/people/", {"page_size": PER_PAGE}).json()
    assert (first["count"], first["count_exact"]) == (BOUND_ON_PAGE_ONE, False)
    assert first["next"]
    whole = api(admin_user).get("/api/v1/people/").json()
    assert (whole["count"], whole["count_exact"], whole["next"]) == (15, True, None)


def test_api_pages_can_be_followed_to_the_end(api, admin_user, fifteen_people):  # noqa: F811
    client, seen, url = api(admin_user), [], "/api/v1/people/?page_size=2"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(p.pk for p in fifteen_people)
