from django.contrib.auth.models import Group, Permission

from portal import services
from portal.roles import Role
from tests.conftest import make_user


def test_migration_creates_one_group_per_role(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


def test_user_has_exactly_the_group_of_their_role(mae_sot):
    user = make_user(Role.CASE_WORKER, [mae_sot])
    assert list(user.groups.values_list("name", flat=True)) == ["case_worker"]
    services.set_role(user, Role.TRAINER)
    assert list(user.groups.values_list("name", flat=True)) == ["trainer"]
    assert user.role == Role.TRAINER


def test_only_admins_reach_the_django_admin(db):
    admin = make_user(Role.ADMIN)
    case_worker = make_user(Role.CASE_WORKER)
    assert admin.is_staff and admin.is_superuser
    assert not case_worker.is_staff and not case_worker.is_superuser


def test_admin_group_holds_every_permission_and_analyst_none(db):
    assert Group.objects.get(name="admin").permissions.count() == Permission.objects.count()
    assert Group.objects.get(name="analyst").permissions.count() == 0


def test_case_worker_may_view_locations_but_not_change_them(mae_sot):
    user = make_user(Role.CASE_WORKER, [mae_sot])
    assert user.has_perm("portal.view_location")
    assert not user.has_perm("portal.change_location")
