import pytest
from django.core.management import CommandError, call_command

from portal.models import PledgeAcceptance, SiteAssignment, User
from portal.roles import Role
from reports import selectors
from reports.disclosure import CELL_KEYS
from reports.models import ReportVersion


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


def test_seed_demo_leaves_the_demo_analyst_real_protected_figures(db, settings):
    """Even over reports stored before the cell keys (withheld for analysts): the rebuild
    makes a version with keys, and seed_demo releases it."""
    settings.DEBUG = True
    call_command("seed_demo")
    for version in ReportVersion.objects.filter(status="approved"):  # as before the keys
        version.data = {k: v for k, v in version.data.items() if k != CELL_KEYS}
        version.save()
    call_command("seed_demo")
    analyst = User.objects.get(role=Role.ANALYST)
    released = selectors.released_version(
        analyst,
        "monthly",
        ReportVersion.objects.filter(report__kind="monthly")
        .values_list("report__period", flat=True)
        .first(),
    )
    assert released.number == 2 and CELL_KEYS in released.data
    for version in ReportVersion.objects.filter(status="approved").order_by("-number")[:3]:
        data, protected = selectors.shown_data(analyst, version)
        assert protected and data["exits"]["total"]["total"] is not None
