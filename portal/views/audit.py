"""The audit log screen (admins)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.access import require_roles
from portal.audit_integrity import latest_check
from portal.audit_log import events_for
from portal.pagination import bounded_page
from portal.roles import ADMINS


@require_roles(ADMINS)
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    audit_filter = events_for(request.user, request.GET)
    events = audit_filter.qs if audit_filter.is_valid() else audit_filter.queryset.none()
    page = bounded_page(events, 100, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/audit_list.html",
        {
            "filter": audit_filter,
            "page": page,
            "query": query.urlencode(),
            # The last stored verification of the hash chain: walking a large log belongs to
            # the daily task and `verify_audit`, not to a page view.
            "chain_check": latest_check(),
        },
    )
