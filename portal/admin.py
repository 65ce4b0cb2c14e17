from django.contrib import admin

from portal.forms import VersionedAdminForm
from portal.models import AuditEvent, Location, Pledge, PledgeAcceptance


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    form = VersionedAdminForm  # optimistic locking, as on every screen
    list_display = ["code", "name", "kind", "country", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Sites are deactivated, never deleted: records and statistics refer to them.
        return False


@admin.register(Pledge)
class PledgeAdmin(admin.ModelAdmin):
    list_display = ["version", "published_at"]
    readonly_fields = ["published_at"]

    def get_changeform_initial_data(self, request):
        latest = Pledge.current()
        if latest is None:
            return {"version": 1}
        return {"version": latest.version + 1, "text": latest.text}

    def has_change_permission(self, request, obj=None) -> bool:
        # A published version is never edited: a change is a new version everyone accepts.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PledgeAcceptance)
class PledgeAcceptanceAdmin(admin.ModelAdmin):
    list_display = ["user", "pledge", "accepted_at"]
    list_select_related = ["user", "pledge"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
