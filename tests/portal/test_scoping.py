from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from portal import services
from portal.models import AuditEvent, Location, SiteAssignment
from portal.roles import SITE_SCOPED_ROLES, Role
from portal.scoping import (
    _active_sites_statement,
    active_site_ids,
    forget_active_site_ids,
    get_object_for_user,
    visible_to,
)
from tests.conftest import make_user
from tests.people.factories import PersonFactory


def visible_codes(user):
    return set(visible_to(user, Location.objects.all()).values_list("code", flat=True))


def test_case_worker_at_mae_sot_cannot_see_new_delhi(case_worker_mae_sot, new_delhi):
    assert visible_codes(case_worker_mae_sot) == {"MAE-SOT"}
    with pytest.raises(Http404):
        get_object_for_user(case_worker_mae_sot, Location.objects.all(), pk=new_delhi.pk)


def test_admin_sees_every_site(admin_user):
    assert visible_codes(admin_user) == {"MAE-SOT", "MAE-SARIANG", "NEW-DELHI"}


def test_analyst_sees_site_names_for_statistics(analyst):
    assert "NEW-DELHI" in visible_codes(analyst)


def test_assignment_past_its_end_date_grants_nothing(case_worker_mae_sot):
    SiteAssignment.objects.filter(user=case_worker_mae_sot).update(
        ends_on=timezone.localdate() - timedelta(days=1)
    )
    forget_active_site_ids(case_worker_mae_sot)
    assert visible_codes(case_worker_mae_sot) == set()


def test_assignment_ending_today_still_grants_access(case_worker_mae_sot):
    SiteAssignment.objects.filter(user=case_worker_mae_sot).update(ends_on=timezone.localdate())
    assert visible_codes(case_worker_mae_sot) == {"MAE-SOT"}


def test_deactivated_site_grants_nothing(case_worker_mae_sot, mae_sot):
    Location.objects.filter(pk=mae_sot.pk).update(active=False)
    assert visible_codes(case_worker_mae_sot) == set()


def test_inactive_or_anonymous_users_see_nothing(case_worker_mae_sot):
    case_worker_mae_sot.is_active = False
    assert visible_codes(case_worker_mae_sot) == set()
    assert not visible_to(AnonymousUser(), Location.objects.all()).exists()


def test_model_without_a_scope_is_for_admins_only(case_worker_mae_sot, admin_user):
    assert not hasattr(AuditEvent, "scope")
    AuditEvent.objects.create(action="view")
    views = AuditEvent.objects.filter(action="view")
    assert visible_to(case_worker_mae_sot, views).count() == 0
    assert visible_to(admin_user, views).count() == 1


def test_moving_a_user_to_another_site_applies_on_the_next_request(
    client, signed_in, case_worker_mae_sot, new_delhi
):
    signed_in(case_worker_mae_sot)
    assert "Mae Sot" in client.get("/").content.decode()
    services.set_sites(case_worker_mae_sot, [new_delhi])
    page = client.get("/").content.decode()
    assert "New Delhi" in page and "Mae Sot (Tak" not in page


def test_site_scoped_roles_are_declared_once():
    assert SITE_SCOPED_ROLES == {Role.CASE_WORKER, Role.TRAINER}


def test_user_with_two_sites_sees_both(mae_sot, mae_sariang):
    user = make_user(Role.CASE_WORKER, [mae_sot, mae_sariang])
    assert visible_codes(user) == {"MAE-SOT", "MAE-SARIANG"}


def test_sites_read_first_are_named_in_the_scope_with_the_same_rows(mae_sot, mae_sariang):
    """A request that has read the user's sites (`active_site_ids`) scopes by their ids: the
    same rows as the subquery, an ended assignment and a closed site still excluded."""
    user = make_user(Role.CASE_WORKER, [mae_sot, mae_sariang])
    SiteAssignment.objects.filter(user=user, location=mae_sariang).update(
        ends_on=timezone.localdate() - timedelta(days=1)
    )
    forget_active_site_ids(user)
    by_subquery = visible_to(user, Location.objects.all())
    assert "portal_siteassignment" in str(by_subquery.query)
    assert active_site_ids(user) == {mae_sot.pk}
    by_ids = visible_to(user, Location.objects.all())
    assert "portal_siteassignment" not in str(by_ids.query)
    assert set(by_ids) == set(by_subquery) == {mae_sot}


def test_a_user_whose_sites_were_read_as_none_sees_nothing(case_worker_mae_sot, mae_sot):
    Location.objects.filter(pk=mae_sot.pk).update(active=False)
    forget_active_site_ids(case_worker_mae_sot)
    assert active_site_ids(case_worker_mae_sot) == frozenset()
    assert not visible_to(case_worker_mae_sot, Location.objects.all()).exists()


def test_the_sites_read_by_one_request_do_not_reach_the_next(
    client, signed_in, case_worker_mae_sot, mae_sot, new_delhi
):
    """The ids live on the request's user object: a site taken away applies at once."""
    person = PersonFactory(location=mae_sot)
    signed_in(case_worker_mae_sot)
    assert person.case_number in client.get("/people/").content.decode()
    services.set_sites(case_worker_mae_sot, [new_delhi])
    assert person.case_number not in client.get("/people/").content.decode()


def test_changing_the_sites_through_the_same_user_object_forgets_the_ids_read(
    case_worker_mae_sot, mae_sot, new_delhi
):
    """`set_sites` on a user whose sites this request already read: the scope follows."""
    assert active_site_ids(case_worker_mae_sot) == {mae_sot.pk}
    services.set_sites(case_worker_mae_sot, [new_delhi])
    assert visible_codes(case_worker_mae_sot) == {"NEW-DELHI"}


def test_the_sites_statement_is_kept_but_the_sites_are_read_every_time(
    case_worker_mae_sot, mae_sot, mae_sariang, django_assert_num_queries
):
    """Only the statement that reads the sites is kept (per user and day): an assignment
    added, ended or a site closed shows at the next read, with one query each time."""
    _active_sites_statement.cache_clear()
    reads = []
    for change in (
        lambda: None,
        lambda: SiteAssignment.objects.create(user=case_worker_mae_sot, location=mae_sariang),
        lambda: Location.objects.filter(pk=mae_sariang.pk).update(active=False),
        lambda: SiteAssignment.objects.filter(user=case_worker_mae_sot, location=mae_sot).update(
            ends_on=timezone.localdate() - timedelta(days=1)
        ),
    ):
        change()
        forget_active_site_ids(case_worker_mae_sot)
        with django_assert_num_queries(1):
            reads.append(active_site_ids(case_worker_mae_sot))
    assert reads == [{mae_sot.pk}, {mae_sot.pk, mae_sariang.pk}, {mae_sot.pk}, frozenset()]
    built = _active_sites_statement.cache_info()
    assert (built.misses, built.hits) == (1, 3)


def test_the_sites_statement_follows_the_day(case_worker_mae_sot, mae_sot):
    SiteAssignment.objects.filter(user=case_worker_mae_sot).update(
        ends_on=timezone.localdate() + timedelta(days=1)
    )
    forget_active_site_ids(case_worker_mae_sot)
    assert active_site_ids(case_worker_mae_sot) == {mae_sot.pk}
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        forget_active_site_ids(case_worker_mae_sot)
        assert active_site_ids(case_worker_mae_sot) == frozenset()
