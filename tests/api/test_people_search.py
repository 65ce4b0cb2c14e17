"""No personal data in API URLs (issue 19): people are searched with `POST
/api/v1/people/search/` and a JSON body (the list's filters, ordering and pages, the same audit
row and throttle); a personal term in any API URL is refused with 400 naming that endpoint;
no endpoint filters by person details in its URL."""

import json

import django_filters
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from myanmar.converter import convert
from rest_framework.throttling import UserRateThrottle

from config.api_urls import router
from people.models import Person
from portal.api.filters import PERSONAL_QUERY_PARAMETERS
from portal.models import AuditEvent
from programs.models import Enrolment
from tests.people.factories import ExitFactory, PersonFactory
from tests.programs.factories import DistributionFactory, EnrolmentFactory, StayFactory

SEARCH = reverse("api:person-search")
LIST = reverse("api:person-list")


def search(client, body, **extra):
    return client.post(SEARCH, body, format="json", **extra)


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# --- The search --------------------------------------------------------------------------------


def test_search_by_name_in_zawgyi_and_by_phone(api, case_worker_mae_sot, person_mae_sot):
    client = api(case_worker_mae_sot)
    zawgyi = convert("ကျော်မင်း", "unicode", "zawgyi")
    for query in (zawgyi, "kyaw min", "081 234 5678", person_mae_sot.case_number):
        assert ids(search(client, {"q": query})) == [person_mae_sot.pk], query


def test_search_takes_the_lists_filters_and_ordering(api, admin_user, mae_sot, new_delhi):
    soldier = PersonFactory(location=mae_sot, status="active", full_name="Thura Aung")
    ExitFactory(person=soldier, affiliation="soldier", exit_date="2024-05-03")
    police = PersonFactory(location=new_delhi, status="intake", full_name="Thura Zin")
    ExitFactory(person=police, affiliation="police", exit_date="2023-01-10")
    PersonFactory(location=mae_sot, full_name="Someone Else")
    client = api(admin_user)

    assert ids(search(client, {"q": "thura", "affiliation": "police"})) == [police.pk]
    assert ids(search(client, {"q": "thura", "exit_month": "2024-05"})) == [soldier.pk]
    assert ids(search(client, {"q": "thura", "status": "intake"})) == [police.pk]
    assert ids(search(client, {"q": "thura", "location": mae_sot.pk})) == [soldier.pk]
    both = {"q": "thura", "ordering": "exit_date"}
    assert ids(search(client, both)) == [police.pk, soldier.pk]
    assert ids(search(client, {**both, "ordering": "-exit_date"})) == [soldier.pk, police.pk]


def test_an_empty_body_lists_like_the_list(api, case_worker_mae_sot, person_mae_sot, person_delhi):
    client = api(case_worker_mae_sot)
    assert ids(search(client, {})) == ids(client.get(LIST)) == [person_mae_sot.pk]
    assert ids(search(client, {"q": ""})) == [person_mae_sot.pk]


def test_search_shows_only_own_sites(api, case_worker_mae_sot, person_mae_sot, person_delhi):
    client = api(case_worker_mae_sot)
    assert ids(search(client, {"q": person_delhi.case_number})) == []
    assert ids(search(client, {"q": "hla hla"})) == []


def test_a_search_writes_one_view_row_with_the_listed_ids(api, case_worker_mae_sot, mae_sot):
    people = [PersonFactory(location=mae_sot, full_name=f"Min Htet {n}") for n in range(3)]
    PersonFactory(location=mae_sot, full_name="Not Listed")
    search(api(case_worker_mae_sot), {"q": "min htet"})
    event = AuditEvent.objects.get(action="view")
    assert event.actor == case_worker_mae_sot
    assert event.object_type == "people.person" and event.object_id == ""
    assert sorted(event.changes["listed"][1]) == sorted(p.pk for p in people)
    assert event.path == SEARCH  # the path only: the terms are in no audit row
    assert "min htet" not in json.dumps(event.changes).lower()


def test_pages_are_asked_for_in_the_body_and_answered_with_page_numbers(api, admin_user, mae_sot):
    people = [PersonFactory(location=mae_sot, full_name=f"Zaw Win {n}") for n in range(5)]
    client = api(admin_user)
    body = {"q": "zaw win", "ordering": "case_number", "page_size": 2}
    first = search(client, body).json()
    assert first["count"] == 5 and first["count_exact"] is True
    assert first["next_page"] == 2 and first["previous_page"] is None
    # No link: nothing in the answer repeats the terms in a URL.
    assert "next" not in first and "previous" not in first
    assert "zaw" not in json.dumps({k: v for k, v in first.items() if k != "results"}).lower()
    last = search(client, {**body, "page": 3}).json()
    assert last["next_page"] is None and last["previous_page"] == 2
    assert [row["id"] for row in last["results"]] == [people[4].pk]
    past_the_end = search(client, {**body, "page": 4})
    assert past_the_end.status_code == 404 and past_the_end.json()["status"] == 404


def test_the_search_is_throttled_with_the_list(api, case_worker_mae_sot):
    original = UserRateThrottle.THROTTLE_RATES
    UserRateThrottle.THROTTLE_RATES = {"user": "2/minute"}
    try:
        client = api(case_worker_mae_sot)
        assert client.get(LIST).status_code == 200
        assert search(client, {"q": "kyaw"}).status_code == 200
        refused = search(client, {"q": "kyaw"})
        assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    finally:
        UserRateThrottle.THROTTLE_RATES = original


# --- Bad input: 400 with the standard error body, nothing read or changed ----------------------


@pytest.mark.parametrize(
    "body",
    [
        {"q": 5},
        {"q": None},
        {"q": "x" * 201},
        {"status": "unknown"},
        {"exit_type": ""},
        {"exit_month": "2024-13"},
        {"ordering": "phone"},
        {"ordering": ""},
        {"location": "abc"},
        {"location": 0},
        {"page": 0},
        {"page": "2"},
        {"page_size": 201},
        {"page_size": True},
        {"phone": "0812345678"},  # not a filter: unknown fields are refused, never ignored
    ],
    ids=repr,
)
def test_invalid_search_bodies_are_refused_with_field_errors(api, admin_user, body):
    response = search(api(admin_user), body)
    assert response.status_code == 400, response.content
    error = response.json()
    assert error["status"] == 400 and error["code"] == "invalid"
    assert list(error["errors"]) == list(body)
    assert not AuditEvent.objects.filter(action="view").exists()


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        ('{"q": "Aung', "application/json", 400),
        ("not json", "application/json", 400),
        ('["Aung Kyaw"]', "application/json", 400),
        ('"Aung Kyaw"', "application/json", 400),
        ("q=Aung+Kyaw", "application/x-www-form-urlencoded", 415),
    ],
)
def test_a_malformed_body_is_refused_not_an_error(api, admin_user, content, content_type, status):
    response = api(admin_user).generic("POST", SEARCH, content, content_type=content_type)
    assert response.status_code == status, response.content
    error = response.json()
    assert error["status"] == status and set(error) == {"status", "code", "detail", "errors"}
    assert "Aung" not in response.content.decode()  # the body is not echoed
    assert not AuditEvent.objects.filter(action="view").exists()


# --- Personal terms in a URL are refused everywhere --------------------------------------------


@pytest.fixture
def program_records(person_mae_sot):
    return {
        "enrolment": EnrolmentFactory(person=person_mae_sot),
        "distribution": DistributionFactory(person=person_mae_sot),
        "stay": StayFactory(person=person_mae_sot),
    }


PERSON_RELATED_LISTS = [
    "api:person-list", "api:exit-list", "api:note-list", "api:follow-up-list",
    "api:transfer-list", "api:enrolment-list", "api:attendance-list", "api:distribution-list",
    "api:stay-list",
]  # fmt: skip


@pytest.mark.parametrize("url_name", PERSON_RELATED_LISTS)
@pytest.mark.parametrize("parameter", ["q", "phone", "name", "case_number"])
def test_a_personal_term_in_a_list_url_is_refused_naming_the_search(
    api, admin_user, program_records, url_name, parameter
):
    response = api(admin_user).get(reverse(url_name), {parameter: "Aung Kyaw Zaw"})
    assert response.status_code == 400, response.content
    error = response.json()
    assert error["status"] == 400 and error["code"] == "invalid"
    assert list(error["errors"]) == [parameter]
    assert SEARCH in error["errors"][parameter][0]
    assert "Aung" not in response.content.decode()
    # Nothing was read (no view row); the refusal is audited, with the parameter's name only.
    assert not AuditEvent.objects.filter(action="view").exists()
    denial = AuditEvent.objects.get(action="permission_denied")
    assert denial.actor == admin_user and denial.path == reverse(url_name)
    assert denial.changes == {"refused_parameters": [None, [parameter]]}


def test_a_personal_term_is_refused_on_a_record_and_on_the_search_url_too(
    api, case_worker_mae_sot, person_mae_sot
):
    client = api(case_worker_mae_sot)
    detail = reverse("api:person-detail", args=[person_mae_sot.pk])
    response = client.get(detail, {"q": "Kyaw", "phone": "0812345678"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"q", "phone"}
    response = client.post(f"{SEARCH}?q=Kyaw", {}, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["q"]
    assert AuditEvent.objects.filter(action="permission_denied").count() == 2
    assert not AuditEvent.objects.filter(action="view").exists()


def test_anonymous_requests_with_a_personal_term_get_401(db, api):
    response = api().get(LIST, {"q": "Aung Kyaw Zaw"})
    assert response.status_code == 401
    assert search(api(), {"q": "Aung Kyaw Zaw"}).status_code == 401


def test_the_list_keeps_its_filters_that_are_not_personal(api, admin_user, person_mae_sot):
    client = api(admin_user)
    query = {"status": "active", "location": person_mae_sot.location_id, "ordering": "name"}
    assert ids(client.get(LIST, query)) == [person_mae_sot.pk]


# --- No endpoint filters by person details in its URL -------------------------------------------

# Fields of a person that may be filtered on in a URL: none says who the person is.
# closing_reason: the category a case was closed with (moved away, unreachable, ...), like the
# status; the free text of "other" is kept on the status change, encrypted, never filtered on.
PERSON_FIELDS_FOR_URLS = {
    "id", "location", "status", "case_worker", "created_at", "created_by", "updated_at",
    "version", "merged_into", "closing_reason",
}  # fmt: skip
# Filters by a method (no field to check) whose meaning was reviewed: (filterset, name).
REVIEWED_METHOD_FILTERS = {
    ("PersonApiFilter", "exit_type"), ("PersonApiFilter", "affiliation"),
    ("PersonApiFilter", "recruit_status"), ("PersonApiFilter", "exit_month"),
    ("SessionFilter", "when"),
    # Incoming or outgoing: by the caller's sites, nothing about who the person is.
    ("TransferRequestFilter", "direction"),
}  # fmt: skip


def _touches_person_details(model, path: str) -> str | None:
    """The personal field of a person that the lookup `path` reads, if any."""
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except Exception:  # noqa: BLE001 - a lookup such as `year`: the path ends here
            return None
        if model is Person and field.name not in PERSON_FIELDS_FOR_URLS:
            return field.name
        if not field.is_relation:
            return None
        model = field.related_model
    return None


def _viewsets():
    return [viewset for _prefix, viewset, _basename in router.registry]


@pytest.mark.parametrize("viewset", _viewsets(), ids=lambda viewset: viewset.__name__)
def test_no_endpoint_filters_by_person_details_in_its_url(viewset):
    model = viewset.queryset.model
    filterset = getattr(viewset, "filterset_class", None)
    for name, filter_ in (filterset.base_filters if filterset else {}).items():
        assert name not in PERSONAL_QUERY_PARAMETERS, (viewset, name)
        if isinstance(filter_, django_filters.OrderingFilter):
            continue  # orders by a field's name; filters nothing
        if filter_.method:
            assert (filterset.__name__, name) in REVIEWED_METHOD_FILTERS, (viewset, name)
            continue
        assert not _touches_person_details(model, filter_.field_name), (viewset, name)
    backends = getattr(viewset, "filter_backends", ())
    for path in getattr(viewset, "search_fields", ()):
        assert any(b.__name__ == "PortalSearchFilter" for b in backends)
        assert not _touches_person_details(model, path.lstrip("^=@$")), (viewset, path)


def test_the_detail_check_would_catch_a_name_filter():
    # The check above can fail: a filter on a person's name, directly or through a relation.
    assert _touches_person_details(Person, "full_name") == "full_name"
    assert _touches_person_details(Enrolment, "person__phone_hash") == "phone_hash"
    assert _touches_person_details(Enrolment, "person__location") is None


def test_the_search_query_count_is_flat(api, case_worker_mae_sot, mae_sot):
    client = api(case_worker_mae_sot)

    def queries_for(people: int) -> int:
        for n in range(people):
            ExitFactory(person=PersonFactory(location=mae_sot, full_name=f"Ko Ko {n}"))
        with CaptureQueriesContext(connection) as captured:
            assert search(client, {"q": "ko ko", "status": "active"}).status_code == 200
        return len(captured)

    few = queries_for(2)
    assert queries_for(20) == few
    # As the list: the token and its user, the second-factor and pledge checks, the user's
    # sites (read first: the scope then names them), the count, the page, the people's exits
    # (one prefetch) and the audit row (+2 to chain it, issue 20).
    assert few <= 13
