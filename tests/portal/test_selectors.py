"""`staff_for`: who a case or a session can be given to."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.models import SiteAssignment
from portal.roles import Role
from portal.selectors import locations_for, staff_for
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_staff_for_offers_active_users_of_the_role_assigned_today_to_the_users_sites(
    mae_sot, new_delhi, mae_sariang, case_worker_mae_sot, case_worker_delhi, trainer
):
    ended = make_user(Role.CASE_WORKER, [mae_sot], mfa=False, email="ended@example.org")
    SiteAssignment.objects.filter(user=ended).update(
        ends_on=timezone.localdate() - timedelta(days=1)
    )
    make_user(Role.CASE_WORKER, [mae_sot], mfa=False, email="gone@example.org", is_active=False)
    closed_site_only = make_user(
        Role.CASE_WORKER, [mae_sariang], mfa=False, email="closed@example.org"
    )
    mae_sariang.active = False
    mae_sariang.save()
    admin = make_user(Role.ADMIN)

    assert list(staff_for(case_worker_mae_sot, [Role.CASE_WORKER])) == [case_worker_mae_sot]
    assert list(staff_for(case_worker_mae_sot, [Role.TRAINER])) == [trainer]
    # An assignment to a closed site gives no access, so its holder is not offered.
    assert closed_site_only not in staff_for(admin, [Role.CASE_WORKER])
    assert set(staff_for(admin, [Role.CASE_WORKER])) == {case_worker_mae_sot, case_worker_delhi}


def test_locations_for_includes_closed_sites(mae_sot, mae_sariang):
    mae_sariang.active = False
    mae_sariang.save()
    assert {mae_sot, mae_sariang} <= set(locations_for(make_user(Role.ADMIN)))
