"""Data for the query budgets: the demo data of `seed_demo` (people with exits, case notes,
follow-ups and flags; training, attendance, assistance and stays), grown between two
measurements of the same page."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from devtools.demo import bulk as demo_bulk
from devtools.demo import people as demo_people
from devtools.demo import programs as demo_programs
from portal.roles import Role
from tests.conftest import make_user


@pytest.fixture
def staff(mae_sot, mae_sariang, new_delhi):
    """An admin, a case worker at MAE-SOT, the trainer of the demo sessions and an analyst,
    with the demo programmes' courses, assistance types and safe home."""

    users = {
        "admin": make_user(Role.ADMIN, email="admin@example.org"),
        "case_worker": make_user(Role.CASE_WORKER, [mae_sot], email="cw@example.org"),
        "trainer": make_user(Role.TRAINER, [mae_sot], mfa=False, email="trainer@example.org"),
        "analyst": make_user(Role.ANALYST, mfa=False, email="analyst@example.org"),
    }
    demo_programs.seed(trainer=users["trainer"], enrolled_by=users["case_worker"])
    return users


@pytest.fixture
def grow(staff):
    """`grow(n)` adds n demo people at the three sites, with their programme history."""

    def add(count: int, seed: int = 1):
        people = demo_people.create(count, created_by=staff["case_worker"], seed_value=seed + count)
        demo_bulk.seed(people, recorded_by=staff["case_worker"], seed_value=seed)
        return people

    return add


@pytest.fixture
def count_queries():
    """The number of queries of `client.get(url)` (after one request that settles the session:
    the first request after signing in also records the accepted pledge)."""

    def count(client, url, data=None, status=200):
        client.get(url, data)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, data)
        assert response.status_code == status, (url, response.status_code)
        return len(captured.captured_queries)

    return count


def days_ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)
