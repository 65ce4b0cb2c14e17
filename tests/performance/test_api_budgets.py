"""Query budgets of every API endpoint that reads: each list and each record of every route
registered under /api/v1/, read by an admin (who sees every row), must take the same number
of queries with few and with many rows, and at most its budget below.

The people lists and the person record have their own, commented budgets in
test_query_budgets.py; this file makes sure no route is left without one (a new route
fails `test_every_route_has_a_budget` until it is given its budgets here).
"""

from datetime import date

import pytest
from django.urls import reverse

from config.api_urls import router
from people.models import Partner, Person, Transfer, TransferRequest
from reports import services as report_services
from reports.periods import parse
from tests.performance.test_query_budgets import FEW, MANY, chained, flat, sign_in

pytestmark = pytest.mark.django_db

# basename: (list, record). Every budget counts the request (session, user, TOTP: 3) and the
# 2 transaction statements; then the count (lists), the page or the record with its
# select_related, one query per prefetched relation (never one per row), and for a read of
# person-level data its audit row with the two queries of the audit hash chain (the chain's
# head, locked, and moved: `portal.models.audit.seal`), 3 in all; on PostgreSQL 2 (the head
# read, then moved by the statement that inserts the row: `write_chained`), hence `chained`.
BUDGETS = {
    "api:location": (7, 6),
    "api:person": (chained(11), chained(10)),
    "api:exit": (chained(10), chained(9)),
    "api:note": (chained(10), chained(9)),
    "api:follow-up": (chained(10), chained(9)),
    "api:transfer": (chained(10), chained(9)),
    "api:transfer-request": (chained(10), chained(9)),
    "api:partner": (7, 6),
    "api:course": (7, 6),
    "api:session": (7, 6),
    "api:enrolment": (chained(10), chained(9)),
    "api:attendance": (chained(10), chained(9)),
    "api:assistance-type": (7, 6),
    "api:distribution": (chained(10), chained(9)),
    "api:home": (7, 6),
    "api:stay": (chained(10), chained(9)),
    "api:report": (6, None),  # reports are read by period, below
    "api:report-version": (6, None),  # none in this data: test_reports_api.py
}
REPORT_BY_PERIOD = ("api:report-monthly", {"period": "2025-08"}), 6


def routes():
    return [(f"api:{basename}", viewset) for _prefix, viewset, basename in router.registry]


def test_every_route_has_a_budget():
    assert {basename for basename, _ in routes()} == set(BUDGETS)


@pytest.fixture
def rows(staff, grow, mae_sot, mae_sariang):
    """The demo data, with the kinds of record it lacks (a partner, a transfer, a transfer
    request)."""

    def add(count: int):
        people = grow(count)
        Partner.objects.create(name=f"Partner {Partner.objects.count()}", services=["legal"])
        person = Person.objects.filter(location=mae_sot).first()
        Transfer.objects.create(
            person=person,
            from_location=mae_sot,
            to_location=mae_sariang,
            transferred_on=date(2025, 8, 1),
            transferred_by=staff["admin"],
            reason="Closer to family",
        )
        TransferRequest.objects.create(
            person=Person.objects.filter(location=mae_sot)
            .exclude(transfer_requests__status="requested")
            .first(),
            from_location=mae_sot,
            to_location=mae_sariang,
            reason="Closer to family",
            requested_by=staff["admin"],
        )
        return people

    return add


@pytest.mark.parametrize("basename", sorted(BUDGETS))
def test_api_list_budgets(
    client, staff, rows, count_queries, django_assert_max_num_queries, basename
):
    rows(FEW)
    sign_in(client, staff["admin"])
    url = reverse(f"{basename}-list")
    queries = flat(count_queries, client, url, lambda: rows(MANY))
    budget = BUDGETS[basename][0]
    with django_assert_max_num_queries(budget):
        client.get(url)
    assert queries == budget


@pytest.mark.parametrize("basename", sorted(b for b, budgets in BUDGETS.items() if budgets[1]))
def test_api_record_budgets(
    client, staff, rows, count_queries, django_assert_max_num_queries, basename
):
    rows(FEW)
    viewset = dict(routes())[basename]
    record = viewset.queryset.model.objects.order_by("pk").first()
    sign_in(client, staff["admin"])
    url = reverse(f"{basename}-detail", args=[record.pk])
    queries = flat(count_queries, client, url, lambda: rows(MANY))
    budget = BUDGETS[basename][1]
    with django_assert_max_num_queries(budget):
        client.get(url)
    assert queries == budget


def test_api_report_by_period_budget(client, staff, rows, count_queries):
    rows(FEW)
    version = report_services.build_report(parse("monthly", "2025-08"))
    report_services.approve(version.pk, by=staff["admin"])
    (name, kwargs), budget = REPORT_BY_PERIOD
    sign_in(client, staff["admin"])
    assert count_queries(client, reverse(name, kwargs=kwargs)) == budget
