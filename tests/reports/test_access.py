"""The statistics URLs, role by role (tests/reports/access_matrix.py; tests/portal/
test_url_access.py fails on a URL missing from it)."""

import pytest
from django.urls import reverse

from portal.roles import Role
from reports import services
from reports.models import ReportBuild
from reports.periods import parse
from tests.conftest import make_user
from tests.reports.access_matrix import GET_MATRIX, POST_MATRIX
from tests.reports.conftest import late_registration

ROLES = {
    "admin": Role.ADMIN,
    "analyst": Role.ANALYST,
    "case_worker": Role.CASE_WORKER,
    "trainer": Role.TRAINER,
}


@pytest.fixture
def world(august_report, mae_sot):
    """Version 1 released, version 2 awaiting approval, and a build to look at."""
    late_registration(mae_sot)
    services.build_report(parse("monthly", "2025-08"))
    return {"build": ReportBuild.objects.create(kind="monthly", period="2025-08").pk}


def url_for(name: str, which: str | None, world: dict) -> str:
    period = ["monthly", "2025-08"]
    number = {"released": 1, "pending": 2}.get(which)
    if name == "reports:index":
        return reverse(name)
    if name == "reports:build":
        return reverse(name, args=[world["build"]])
    if name in ("reports:download", "reports:version_download"):
        args = [*period, number, "csv"] if number else [*period, "csv"]
        return reverse(name, args=args)
    return reverse(name, args=[*period, number] if number else period)


@pytest.mark.parametrize(
    ("name", "which", "role", "expected"),
    [(name, which, role, status) for name, which, roles in GET_MATRIX
     for role, status in roles.items()],
)  # fmt: skip
def test_get(client, signed_in, mae_sot, world, name, which, role, expected):
    signed_in(make_user(ROLES[role], [mae_sot]))
    assert client.get(url_for(name, which, world)).status_code == expected


@pytest.mark.parametrize(
    ("name", "which", "role", "expected"),
    [(name, which, role, status) for name, which, roles in POST_MATRIX
     for role, status in roles.items()],
)  # fmt: skip
def test_post(client, signed_in, mae_sot, world, name, which, role, expected):
    signed_in(make_user(ROLES[role], [mae_sot]))
    assert client.post(url_for(name, which, world)).status_code == expected
