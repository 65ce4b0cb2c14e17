"""The home page: the project layer composes what each app offers for a role.

The core (`portal`) knows no domain app, so the panels from people and programs are put
together here, the one package that may import every app.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from people.selectors import (
    case_worker_home,
    closings_in_month,
    pending_access_reviews_count,
    transfer_overview,
)
from portal import auditing, selectors
from portal.access import require_roles
from portal.models import Invitation
from portal.roles import EVERYONE, Role
from portal.scoping import active_site_ids
from programs.selectors import sessions_for_trainer_home

HOME_TEMPLATES = {
    Role.ADMIN: "home/admin.html",
    Role.CASE_WORKER: "home/case_worker.html",
    Role.TRAINER: "home/trainer.html",
    Role.ANALYST: "home/analyst.html",
}


@require_roles(EVERYONE)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {"sites": selectors.locations_for(user).filter(pk__in=active_site_ids(user))}
    if user.role in (Role.CASE_WORKER, Role.ADMIN):
        panels = case_worker_home(user)
        context.update(panels)
        # Transfer requests to answer, waiting, or answered lately (both sides are told).
        context["transfers"] = transfer_overview(user, limit=10)
        # Recent cases, follow-ups due and transfers name people: one audit row with the ids.
        auditing.record_page_read(
            user,
            "home",
            [*panels["recent_people"], *panels["due_follow_ups"], *context["transfers"].people],
        )
    if user.role == Role.TRAINER:
        context["training_sessions"] = sessions_for_trainer_home(user)
    if user.role == Role.ADMIN:
        context["open_invitations"] = Invitation.objects.filter(
            accepted_at__isnull=True, revoked_at__isnull=True
        ).count()
        context["locations"] = selectors.locations_for(user)
        # Exact counts: this page is for admins only (analysts see suppressed statistics).
        context["closings"] = closings_in_month(user)
        context["pending_access_reviews"] = pending_access_reviews_count(user)
    return render(request, HOME_TEMPLATES[user.role], context)
