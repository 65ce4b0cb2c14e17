from datetime import date

import pytest

from portal.roles import Role
from reports import services
from reports.models import ReportVersion
from reports.periods import parse
from tests.conftest import make_user
from tests.people.factories import ExitFactory, PersonFactory


def release(version: ReportVersion, by=None) -> ReportVersion:
    """Approve a version as an admin (a reviewer of its own when none is given)."""
    reviewer = by or make_user(Role.ADMIN, full_name="Rita Reviewer")
    return services.approve(version.pk, by=reviewer)


def late_registration(site, day: int = 28, **fields):
    """An exit registered after the report was built (a pow militia member by default)."""
    return ExitFactory(
        person=PersonFactory(location=site),
        exit_type=fields.get("exit_type", "pow"),
        affiliation=fields.get("affiliation", "militia"),
        exit_date=date(2025, 8, day),
    )


@pytest.fixture
def august_exits(mae_sot):
    """12 defected soldiers, 2 police, 1 militia prisoner in August 2025 at MAE-SOT."""
    for n in range(12):
        ExitFactory(
            person=PersonFactory(location=mae_sot),
            exit_type="defected",
            affiliation="soldier",
            exit_date=date(2025, 8, 1 + n),
        )
    for n in range(2):
        ExitFactory(
            person=PersonFactory(location=mae_sot),
            exit_type="defected",
            affiliation="police",
            exit_date=date(2025, 8, 20 + n),
        )
    ExitFactory(
        person=PersonFactory(location=mae_sot, full_name="=cmd|' /C calc'!A0"),
        exit_type="pow",
        affiliation="militia",
        exit_date=date(2025, 8, 25),
    )


@pytest.fixture
def august_report(august_exits, admin_user):
    """The 2025-08 report, built and released by `admin_user` (version 1)."""
    return release(services.build_report(parse("monthly", "2025-08")), by=admin_user)


@pytest.fixture
def august_pending(august_exits):
    """The 2025-08 report built but not approved yet (version 1, pending)."""
    return services.build_report(parse("monthly", "2025-08"))
