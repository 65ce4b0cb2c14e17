"""Days from intake to first assistance (issue 22): exact median per site, admins only."""

from datetime import timedelta

from django.utils import timezone

from programs.supervision import intake_to_first_assistance
from tests.people.factories import PersonFactory
from tests.programs.factories import DistributionFactory


def person_assisted_after(days, site, registered_days_ago=100, more=()):
    person = PersonFactory(
        location=site, created_at=timezone.now() - timedelta(days=registered_days_ago)
    )
    registered_on = timezone.localdate() - timedelta(days=registered_days_ago)
    if days is not None:
        DistributionFactory(person=person, distributed_on=registered_on + timedelta(days=days))
    for extra in more:
        DistributionFactory(person=person, distributed_on=registered_on + timedelta(days=extra))
    return person


def test_median_days_to_first_assistance_per_site(admin_user, mae_sot, new_delhi):
    person_assisted_after(2, mae_sot, more=[50])  # first assistance counts, not later ones
    person_assisted_after(4, mae_sot)
    person_assisted_after(30, mae_sot)
    person_assisted_after(None, mae_sot)
    person_assisted_after(7, new_delhi)
    person_assisted_after(9, new_delhi)
    person_assisted_after(-5, new_delhi)  # history typed in later: day 0

    figures = {row.location.code: row for row in intake_to_first_assistance(admin_user)}

    assert (figures["MAE-SOT"].median_days, figures["MAE-SOT"].assisted) == (4, 3)
    assert figures["MAE-SOT"].not_assisted == 1
    assert (figures["NEW-DELHI"].median_days, figures["NEW-DELHI"].assisted) == (7, 3)


def test_a_site_where_nobody_was_assisted_has_no_median(admin_user, mae_sot):
    person_assisted_after(None, mae_sot)
    [row] = intake_to_first_assistance(admin_user)
    assert row.median_days is None and row.not_assisted == 1


def test_case_worker_counts_only_their_sites(case_worker_mae_sot, mae_sot, new_delhi):
    person_assisted_after(3, mae_sot)
    person_assisted_after(3, new_delhi)
    assert [row.location.code for row in intake_to_first_assistance(case_worker_mae_sot)] == [
        "MAE-SOT"
    ]
