"""The Django admin is a client of the services: every registered model writes through a
service (rules, audit row) or is read-only there."""

import pytest
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from knox.models import AuthToken

from portal.admin_base import ReadOnlyModelAdmin, ServiceModelAdmin
from portal.models import AuditEvent, Location, Pledge
from portal.roles import Role
from tests.conftest import make_user
from tests.people.factories import PersonFactory


def _admin_request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_every_registered_model_writes_through_a_service_or_is_read_only(admin_user):
    request = _admin_request(admin_user)
    unguarded = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        writable = (
            model_admin.has_add_permission(request)
            or model_admin.has_change_permission(request)
            or model_admin.has_delete_permission(request)
        )
        if not writable:
            assert isinstance(model_admin, ReadOnlyModelAdmin) or not model_admin.get_actions(
                request
            ), f"{label}: read-only but offers bulk actions"
            continue
        if not isinstance(model_admin, ServiceModelAdmin):
            unguarded.append(label)
            continue
        saves = model_admin.has_add_permission(request) or model_admin.has_change_permission(
            request
        )
        if saves:
            assert type(model_admin).save_with_service is not ServiceModelAdmin.save_with_service, (
                f"{label}: no save service"
            )
        if model_admin.has_delete_permission(request):
            assert (
                type(model_admin).delete_with_service is not ServiceModelAdmin.delete_with_service
            ), f"{label}: deletes without a service"
        # Bulk actions write querysets directly: only deletion (through the service) is left.
        assert set(model_admin.get_actions(request)) <= {"delete_selected"}, label
    assert unguarded == [], f"registered writable without a service: {unguarded}"


def test_the_walk_fails_on_a_plain_model_admin(admin_user):
    """The check above would catch a model registered with a plain ModelAdmin."""
    model_admin = admin.ModelAdmin(Location, admin.site)
    request = _admin_request(admin_user)
    assert model_admin.has_change_permission(request)
    assert not isinstance(model_admin, ServiceModelAdmin | ReadOnlyModelAdmin)


def _site_form(**overrides):
    data = {
        "code": "mae-la",
        "case_prefix": "ML",
        "name": "Mae La",
        "kind": "border",
        "country": "Thailand",
        "time_zone": "Asia/Bangkok",
        "active": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_admin_adds_a_site_with_an_audit_row(client, signed_in, admin_user):
    signed_in(admin_user)
    response = client.post("/admin/portal/location/add/", _site_form())
    assert response.status_code == 302
    site = Location.objects.get(code="MAE-LA")
    event = AuditEvent.objects.get(object_type="portal.location", object_id=str(site.pk))
    assert event.action == AuditEvent.Action.CREATE and event.actor == admin_user
    assert event.changes["code"] == [None, "MAE-LA"]


def test_admin_change_of_a_site_is_audited_with_what_changed(
    client, signed_in, admin_user, mae_sot
):
    signed_in(admin_user)
    response = client.post(
        f"/admin/portal/location/{mae_sot.pk}/change/",
        {
            **_site_form(code="MAE-SOT", case_prefix="MS", name="Mae Sot town", active=None),
            "opened_version": mae_sot.version,
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(object_type="portal.location", action="update")
    assert event.changes["name"][1] == "Mae Sot town"
    assert event.changes["active"] == ["True", "False"]


def test_a_site_code_differing_only_in_case_is_a_form_error_not_a_500(
    client, signed_in, admin_user, mae_sot
):
    signed_in(admin_user)
    response = client.post("/admin/portal/location/add/", _site_form(code="mae-sot"))
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Location.objects.filter(code="MAE-SOT").count() == 1
    assert not AuditEvent.objects.filter(object_type="portal.location").exists()


def test_the_prefix_of_a_site_with_people_stays(client, signed_in, admin_user, mae_sot):
    PersonFactory(location=mae_sot)
    signed_in(admin_user)
    response = client.post(
        f"/admin/portal/location/{mae_sot.pk}/change/",
        {
            **_site_form(code="MAE-SOT", case_prefix="MX", name=mae_sot.name),
            "opened_version": mae_sot.version,
        },
    )
    assert response.status_code == 200
    assert "its prefix stays" in response.content.decode()
    mae_sot.refresh_from_db()
    assert mae_sot.case_prefix == "MS"
    assert not AuditEvent.objects.filter(object_type="portal.location").exists()


def test_admin_publishes_a_new_pledge_version_through_the_service(client, signed_in, admin_user):
    signed_in(admin_user)
    current = Pledge.current()
    response = client.post("/admin/portal/pledge/add/", {"text": "Updated pledge"})
    assert response.status_code == 302
    pledge = Pledge.current()
    assert pledge.version == (current.version + 1 if current else 1)
    assert AuditEvent.objects.filter(object_type="portal.pledge", action="create").exists()


def test_roles_are_read_only_in_the_admin(client, signed_in, admin_user):
    signed_in(admin_user)
    group = Group.objects.get(name=Role.CASE_WORKER)
    response = client.post(f"/admin/auth/group/{group.pk}/change/", {"name": "hacked"})
    assert response.status_code == 403
    group.refresh_from_db()
    assert group.name == Role.CASE_WORKER


def test_admin_revokes_a_token_through_the_service(client, signed_in, admin_user):
    owner = make_user(Role.CASE_WORKER, email="owner@example.org")
    token, _ = AuthToken.objects.create(owner)
    signed_in(admin_user)
    assert client.get("/admin/knox/authtoken/add/").status_code == 403
    response = client.post(f"/admin/knox/authtoken/{token.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not AuthToken.objects.filter(pk=token.pk).exists()
    event = AuditEvent.objects.get(object_type="knox.authtoken", action="delete")
    assert event.actor == admin_user and event.changes["user"] == [owner.pk, None]


def test_admin_removes_a_lost_second_factor_with_an_audit_row(client, signed_in, admin_user):
    owner = make_user(Role.CASE_WORKER, email="lostphone@example.org")
    authenticator = Authenticator.objects.get(user=owner)
    signed_in(admin_user)
    response = client.post(f"/admin/mfa/authenticator/{authenticator.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=owner).exists()
    assert AuditEvent.objects.filter(
        action="mfa_change", actor=admin_user, object_id=str(owner.pk)
    ).exists()


def test_schedule_changes_in_the_admin_are_audited(client, signed_in, admin_user):
    signed_in(admin_user)
    response = client.post(
        "/admin/django_celery_beat/intervalschedule/add/",
        {
            "every": 17,
            "period": "minutes",
            # The read-only inline of the tasks using the schedule (none yet).
            "periodictask_set-TOTAL_FORMS": 0,
            "periodictask_set-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    schedule = IntervalSchedule.objects.get(every=17, period="minutes")
    assert AuditEvent.objects.filter(
        object_type="django_celery_beat.intervalschedule",
        object_id=str(schedule.pk),
        action="create",
        actor=admin_user,
    ).exists()


def test_periodic_tasks_lose_the_bulk_actions_that_write_around_the_audit(admin_user):
    model_admin = admin.site._registry[PeriodicTask]
    actions = model_admin.get_actions(_admin_request(admin_user))
    assert not {"enable_tasks", "disable_tasks", "toggle_tasks"} & set(actions)


@pytest.mark.parametrize("url", ["/admin/portal/location/add/", "/admin/programs/course/add/"])
def test_case_workers_cannot_write_in_the_admin(client, signed_in, case_worker_mae_sot, url):
    signed_in(case_worker_mae_sot)
    assert client.post(url, {"name": "X", "code": "X"}).status_code in (302, 403)
    assert not Location.objects.filter(code="X").exists()
