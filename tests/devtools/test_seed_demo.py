import pytest
from django.core.management import CommandError, call_command

from portal.models import PledgeAcceptance, SiteAssignment, User
from portal.roles import Role


def counts():
    return (User.objects.count(), SiteAssignment.objects.count(), PledgeAcceptance.objects.count())


def test_seed_demo_creates_one_user_per_role_and_is_idempotent(db, settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    first = counts()
    output = capsys.readouterr().out
    assert set(User.objects.values_list("role", flat=True)) == {r.value for r in Role}
    for user in User.objects.all():
        assert user.email in output
        assert user.check_password("demo-portal-2026")
    assert "demo-portal-2026" in output
    call_command("seed_demo")
    assert counts() == first


def test_seed_demo_refuses_in_production(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert User.objects.count() == 0
