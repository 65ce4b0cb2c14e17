"""The peer a quick build would give (issue 23): the people as a plain Django `ModelAdmin`.

The same people and the same search as the portal's list, as someone would register them in
a few lines: the list's columns, `search_fields` for the names and the case number,
`list_filter` for the status and the exit type, 50 a page. It is registered on an `AdminSite`
of its own that only the benchmark's URLconf (`devtools.bench.urls`) mounts: never served, never
in the product's admin (whose models go through services, `portal.admin_base`).

The columns' foreign keys are read with the page (`list_select_related`): a quick build that
shows the site and the case worker without it would make one query per row, and the
comparison would be with an N+1 page rather than with the admin's way of listing.
"""

from __future__ import annotations

from django.contrib import admin

from devtools.bench.fixtures import LIST_FILTERS, PAGE_SIZE
from people.models import Person

PEER_ADMIN_PREFIX = "bench/admin/"
peer_site = admin.AdminSite(name="bench_peer_admin")


@admin.register(Person, site=peer_site)
class PeerPersonAdmin(admin.ModelAdmin):
    list_display = (
        "case_number",
        "full_name",
        "preferred_name",
        "name_my",
        "status",
        "location",
        "case_worker",
        "created_at",
    )
    list_select_related = ("location", "case_worker")
    search_fields = ("case_number", "full_name", "preferred_name", "name_my")
    list_filter = ("status", "exits__exit_type")
    list_per_page = PAGE_SIZE


def peer_changelist_path() -> str:
    """The change list's path (under the benchmark's URLconf)."""
    return f"/{PEER_ADMIN_PREFIX}people/person/"


def peer_query(filters: dict[str, str] = LIST_FILTERS) -> dict[str, str]:
    """The portal list's search and filters as the change list's query string: `q` is the
    admin's search too; each filter is the field's own lookup."""
    lookups = {"q": "q", "status": "status__exact", "exit_type": "exits__exit_type__exact"}
    return {lookups[name]: value for name, value in filters.items()}
