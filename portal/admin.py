"""The core's models in the Django admin, and the other libraries' models registered there.

Every registered model's writes go through a service (`portal.admin_base.ServiceModelAdmin`)
or it is read-only (`ReadOnlyModelAdmin`); `tests/portal/test_admin_services.py` checks it.
"""

from allauth.account.admin import EmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from django_celery_results.admin import GroupResultAdmin, TaskResultAdmin
from django_celery_results.models import GroupResult, TaskResult
from knox.admin import AuthTokenAdmin
from knox.models import AuthToken

from portal import services
from portal.admin_base import ReadOnlyModelAdmin, ServiceModelAdmin, read_only, with_service
from portal.forms import LocationAdminForm
from portal.models import AuditEvent, Location, Pledge, PledgeAcceptance


@admin.register(Location)
class LocationAdmin(ServiceModelAdmin):
    form = LocationAdminForm  # optimistic locking, as on every screen; a zone select
    list_display = ["code", "name", "kind", "country", "time_zone", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]

    # Sites are deactivated, never deleted: records and statistics refer to them.
    delete_service_defined = False

    def save_with_service(
        self, request: HttpRequest, obj, values, change: bool, expected_version=None
    ) -> Location:
        return services.save_location(
            by=request.user,
            values=values,
            location=obj if change else None,
            expected_version=expected_version,
        )


@admin.register(Pledge)
class PledgeAdmin(ServiceModelAdmin):
    list_display = ["version", "published_at"]
    fields = ["text"]

    def get_changeform_initial_data(self, request):
        latest = Pledge.current()
        return {"text": latest.text} if latest else {}

    def has_change_permission(self, request, obj=None) -> bool:
        # A published version is never edited: a change is a new version everyone accepts.
        return False

    def save_with_service(
        self, request: HttpRequest, obj, values, change: bool, expected_version=None
    ) -> Pledge:
        return services.publish_pledge(by=request.user, text=values.get("text", ""))


@admin.register(PledgeAcceptance)
class PledgeAcceptanceAdmin(ReadOnlyModelAdmin):
    list_display = ["user", "pledge", "accepted_at"]
    list_select_related = ["user", "pledge"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    list_display = [
        "occurred_at",
        "actor",
        "action",
        "object_type",
        "object_id",
        "site",
        "source_ip",
    ]
    list_filter = ["action", "object_type"]
    list_select_related = ["actor", "site"]
    date_hierarchy = "occurred_at"


# --- Other libraries' models ------------------------------------------------------------------


def _replace(model, admin_class) -> None:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, admin_class)


# Roles are the groups: given on the portal's Users screen (`portal.services.set_role`).
_replace(Group, read_only(GroupAdmin))
# Sign-in addresses follow the account (Users screen, invitations).
_replace(EmailAddress, read_only(EmailAddressAdmin))
# Written by the workers.
_replace(TaskResult, read_only(TaskResultAdmin))
_replace(GroupResult, read_only(GroupResultAdmin))


class SecondFactorAdmin(ServiceModelAdmin, AuthenticatorAdmin):
    """Admins remove a lost authenticator (the user sets up a new one at the next sign-in);
    adding or editing one is the user's own step."""

    delete_service_defined = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def delete_with_service(self, request: HttpRequest, obj: Authenticator) -> None:
        services.remove_second_factor(by=request.user, authenticator=obj)


_replace(Authenticator, SecondFactorAdmin)


class ApiTokenAdmin(ServiceModelAdmin, AuthTokenAdmin):
    """Admins may revoke a token (e.g. a lost laptop); tokens are created by their owner on
    the API tokens page only (expiry, shown once, audited)."""

    delete_service_defined = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def delete_with_service(self, request: HttpRequest, obj: AuthToken) -> None:
        services.revoke_token(by=request.user, token=obj, key=obj.token_key[:8])


_replace(AuthToken, ApiTokenAdmin)


# Celery beat's schedule is edited here (README "Statistics"): every save and deletion is in
# the audit log.
def _configuration_saver(fields: tuple[str, ...]):
    def save(request: HttpRequest, obj, values, change: bool):
        return services.save_configuration(by=request.user, obj=obj, fields=fields)

    return save


def _delete_configuration(request: HttpRequest, obj) -> None:
    services.delete_configuration(by=request.user, obj=obj)


_BEAT = {
    PeriodicTask: (
        beat_admin.PeriodicTaskAdmin,
        (
            "name",
            "task",
            "enabled",
            "interval",
            "crontab",
            "solar",
            "clocked",
            "one_off",
            "start_time",
            "expires",
            "expire_seconds",
            "args",
            "kwargs",
            "queue",
            "priority",
        ),
    ),  # fmt: skip
    CrontabSchedule: (
        beat_admin.CrontabScheduleAdmin,
        ("minute", "hour", "day_of_month", "month_of_year", "day_of_week", "timezone"),
    ),
    IntervalSchedule: (beat_admin.IntervalScheduleAdmin, ("every", "period")),
    SolarSchedule: (beat_admin.SolarScheduleAdmin, ("event", "latitude", "longitude")),
    ClockedSchedule: (beat_admin.ClockedScheduleAdmin, ("clocked_time",)),
}
for _model, (_admin_class, _fields) in _BEAT.items():
    _replace(
        _model, with_service(_admin_class, _configuration_saver(_fields), _delete_configuration)
    )
