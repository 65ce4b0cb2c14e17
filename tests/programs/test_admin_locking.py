"""The Django admin's change pages of reference data lock like every screen: two admins open
a safe home (a course, an assistance type, a session, a site) and both save; the second is
refused with what differs, and nothing is overwritten (`portal.forms.VersionedAdminForm`)."""

from django.contrib import admin
from django.test import Client

from portal.forms import VersionedAdminForm
from portal.models import Location
from programs.models import AssistanceType, Course, SafeHome, TrainingSession
from tests.factories import saved_version
from tests.programs.factories import SafeHomeFactory


def _admin_client(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_every_editable_reference_admin_uses_the_versioned_form():
    for model in (Location, Course, AssistanceType, SafeHome, TrainingSession):
        assert issubclass(admin.site._registry[model].form, VersionedAdminForm), model


def test_second_admin_save_of_a_safe_home_is_refused(admin_user, mae_sot):
    home = SafeHomeFactory(location=mae_sot, capacity=4)
    url = f"/admin/programs/safehome/{home.pk}/change/"
    first_admin, second_admin = _admin_client(admin_user), _admin_client(admin_user)
    page = first_admin.get(url).content.decode()
    assert 'name="opened_version"' in page and 'value="1"' in page
    data = {"name": home.name, "location": mae_sot.pk, "active": "on", "opened_version": 1}
    assert first_admin.post(url, {**data, "capacity": 6}).status_code == 302
    response = second_admin.post(url, {**data, "capacity": 8})
    assert response.status_code == 200
    assert "Someone else saved this record" in response.content.decode()
    home.refresh_from_db()
    assert home.capacity == 6 and saved_version(home) == 2


def test_an_admin_change_without_its_version_is_refused(admin_user, mae_sot):
    home = SafeHomeFactory(location=mae_sot, capacity=4)
    response = _admin_client(admin_user).post(
        f"/admin/programs/safehome/{home.pk}/change/",
        {"name": home.name, "location": mae_sot.pk, "capacity": 9},
    )
    assert response.status_code == 200
    home.refresh_from_db()
    assert home.capacity == 4
