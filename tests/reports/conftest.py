from datetime import date

import pytest

from reports import services
from reports.periods import parse
from tests.people.factories import ExitFactory, PersonFactory


@pytest.fixture
def august_report(mae_sot):
    """A stored 2025-08 report: 12 defected soldiers, 2 police, 1 militia prisoner."""
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
    return services.build_report(parse("monthly", "2025-08"))
