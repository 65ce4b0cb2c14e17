"""The Django admin (admins only) manages the reference data: courses, assistance types, safe
homes and training sessions, through the same services as the portal (rules and audit rows).
Person-level rows are read-only here: they change through the portal's screens."""

from django.contrib import admin
from django.http import HttpRequest

from portal.admin_base import ReadOnlyModelAdmin, ServiceModelAdmin
from portal.forms import VersionedAdminForm
from portal.models import User
from portal.roles import Role
from programs import services
from programs.models import (
    AssistanceType,
    Attendance,
    AttendanceChange,
    Course,
    Distribution,
    Enrolment,
    LivelihoodOutcome,
    SafeHome,
    Stay,
    TrainingSession,
)


@admin.register(Course)
class CourseAdmin(ServiceModelAdmin):
    form = VersionedAdminForm  # optimistic locking, as on every screen
    list_display = ["name", "name_my", "active"]
    list_filter = ["active"]
    search_fields = ["name", "name_my"]

    def save_with_service(
        self, request: HttpRequest, obj, values, change: bool, expected_version=None
    ) -> Course:
        return services.save_course(
            by=request.user,
            values=values,
            course=obj if change else None,
            expected_version=expected_version,
        )


@admin.register(AssistanceType)
class AssistanceTypeAdmin(ServiceModelAdmin):
    form = VersionedAdminForm
    list_display = ["name", "name_my", "kind", "unit", "currency", "repeat_warning_days", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "name_my"]

    def save_with_service(
        self, request: HttpRequest, obj, values, change: bool, expected_version=None
    ) -> AssistanceType:
        return services.save_assistance_type(
            by=request.user,
            values=values,
            assistance_type=obj if change else None,
            expected_version=expected_version,
        )


@admin.register(SafeHome)
class SafeHomeAdmin(ServiceModelAdmin):
    form = VersionedAdminForm
    list_display = ["name", "location", "capacity", "active"]
    list_filter = ["location", "active"]
    search_fields = ["name"]
    list_select_related = ["location"]

    def save_with_service(
        self, request: HttpRequest, obj, values, change: bool, expected_version=None
    ) -> SafeHome:
        return services.save_safe_home(
            by=request.user,
            values=values,
            home=obj if change else None,
            expected_version=expected_version,
        )


@admin.register(TrainingSession)
class TrainingSessionAdmin(ServiceModelAdmin):
    """Sessions as on the portal's session form: the trainer is chosen from the active
    trainers (not typed as an id) and must work at the site; capacity never falls below the
    places taken (`programs.services.save_session`). Cancelled, never deleted: enrolments and
    attendance hang on a session."""

    form = VersionedAdminForm

    list_display = ["course", "date", "start_time", "location", "trainer", "capacity", "status"]
    list_filter = ["status", "location", "course"]
    date_hierarchy = "date"
    list_select_related = ["course", "location", "trainer"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "trainer":
            kwargs["queryset"] = User.objects.filter(role=Role.TRAINER, is_active=True).order_by(
                "full_name"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_with_service(
        self, request: HttpRequest, obj, values, change: bool, expected_version=None
    ) -> TrainingSession:
        return services.save_session(
            by=request.user,
            values=values,
            session=obj if change else None,
            expected_version=expected_version,
        )


class ReadOnlyAdmin(ReadOnlyModelAdmin):
    """Person-level records: shown to admins by id and case number, changed in the portal."""


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    list_display = ["id", "session", "person", "status", "completed_on"]
    list_filter = ["status"]
    list_select_related = ["session__course", "person"]
    search_fields = ["person__case_number"]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ["id", "session", "person", "status", "marked_at"]
    list_filter = ["status"]
    list_select_related = ["session__course", "person"]
    search_fields = ["person__case_number"]


@admin.register(AttendanceChange)
class AttendanceChangeAdmin(ReadOnlyAdmin):
    list_display = ["id", "session", "person", "old_status", "new_status", "changed_by",
                    "changed_at"]  # fmt: skip
    list_select_related = ["session__course", "person", "changed_by"]
    search_fields = ["person__case_number"]


@admin.register(LivelihoodOutcome)
class LivelihoodOutcomeAdmin(ReadOnlyAdmin):
    list_display = ["id", "person", "outcome", "income_band", "recorded_on"]
    list_filter = ["outcome", "income_band"]
    list_select_related = ["person"]
    search_fields = ["person__case_number"]
    exclude = ["notes"]


@admin.register(Distribution)
class DistributionAdmin(ReadOnlyAdmin):
    list_display = ["id", "distributed_on", "location", "assistance_type", "quantity", "person",
                    "partner", "received_confirmed_at"]  # fmt: skip
    list_filter = ["location", "assistance_type"]
    list_select_related = ["location", "assistance_type", "person", "partner"]
    date_hierarchy = "distributed_on"
    search_fields = ["person__case_number"]


@admin.register(Stay)
class StayAdmin(ReadOnlyAdmin):
    list_display = ["id", "home", "person", "check_in", "check_out"]
    list_filter = ["home__location", "home"]
    list_select_related = ["home", "person"]
    search_fields = ["person__case_number"]
