"""The Django admin (admins only) manages the reference data: courses, assistance types and
safe homes. Person-level rows are read-only here: they change through the portal's screens,
whose services write the audit log."""

from django.contrib import admin

from portal.forms import VersionedAdminForm
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
class CourseAdmin(admin.ModelAdmin):
    form = VersionedAdminForm  # optimistic locking, as on every screen
    list_display = ["name", "active"]
    list_filter = ["active"]
    search_fields = ["name"]


@admin.register(AssistanceType)
class AssistanceTypeAdmin(admin.ModelAdmin):
    form = VersionedAdminForm
    list_display = ["name", "kind", "unit", "currency", "repeat_warning_days", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]


@admin.register(SafeHome)
class SafeHomeAdmin(admin.ModelAdmin):
    form = VersionedAdminForm
    list_display = ["name", "location", "capacity", "active"]
    list_filter = ["location", "active"]
    search_fields = ["name"]


@admin.register(TrainingSession)
class TrainingSessionAdmin(admin.ModelAdmin):
    form = VersionedAdminForm
    list_display = ["course", "date", "start_time", "location", "trainer", "capacity", "status"]
    list_filter = ["status", "location", "course"]
    date_hierarchy = "date"
    list_select_related = ["course", "location", "trainer"]
    raw_id_fields = ["trainer"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Person-level records: shown to admins by id and case number, changed in the portal."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
